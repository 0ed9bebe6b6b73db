"""Which payment provider this till charges 付款码 through: its settings, kept in the till's own
settings table (set by `pos-terminal pay-setup`), else from the environment
(`POS_PAY_*`, see `drivers.payments.settings`). The API key is only ever held as a `Secret`: it is
never logged, shown or audited."""

from __future__ import annotations

from drivers.errors import DeviceConfigError
from drivers.payments.provider import PaymentProvider
from drivers.payments.settings import ProviderSettings, open_provider, settings_from_env
from terminal.store import Store

KEYS = ("provider", "url", "mch_id", "app_id", "api_key", "cert_file", "cert_key_file", "timeout_s")
PREFIX = "pay_"


def provider_settings(store: Store) -> ProviderSettings | None:
    """The till's provider settings, or None when none are configured (the tender is then greyed
    out and says so)."""
    saved = {k: store.get_setting(PREFIX + k) for k in KEYS}
    if saved["url"]:
        terminal_code = store.get_setting("terminal_code")
        return ProviderSettings.from_mapping({**saved, "device_info": terminal_code})
    return settings_from_env()


def save_provider_settings(store: Store, settings: ProviderSettings) -> None:
    """Keep the settings in the till's database (one transaction); the key stays out of the audit."""
    values = {"provider": settings.provider, "url": settings.url, "mch_id": settings.mch_id,
              "app_id": settings.app_id, "api_key": settings.api_key.reveal(), "cert_file": settings.cert_file,
              "cert_key_file": settings.cert_key_file, "timeout_s": str(settings.timeout_s)}
    with store.transaction():
        for k, v in values.items():
            store.set_setting(PREFIX + k, v or None)


def open_till_provider(store: Store) -> tuple[PaymentProvider | None, str]:
    """The provider to charge through and, when there is none, why (bad settings are said, not raised:
    the till still sells with cash and cards)."""
    try:
        settings = provider_settings(store)
    except DeviceConfigError as exc:
        return None, exc.message
    if settings is None:
        return None, ""
    return open_provider(settings), ""
