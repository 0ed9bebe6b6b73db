"""How a till is told which payment provider to use: settings, with the keys kept out of every log.

A real provider is configuration away: the merchant id, app id and API key from the provider's
merchant platform (商户平台), the client certificate for refunds and cancels, and the gateway URL
(WeChat Pay's own, or the simulator's for tests and demos). From the environment:

| variable | meaning |
| --- | --- |
| `POS_PAY_PROVIDER` | `wechat` (WeChat Pay v2 micropay API; the simulator speaks it too) |
| `POS_PAY_URL` | gateway, e.g. `https://api.mch.weixin.qq.com` or `http://127.0.0.1:8700` |
| `POS_PAY_MCH_ID`, `POS_PAY_APP_ID` | merchant id (商户号) and app id (公众账号ID) |
| `POS_PAY_KEY` | the API key (商户 API 密钥), only ever used to sign |
| `POS_PAY_CERT`, `POS_PAY_CERT_KEY` | PEM files of the client certificate (撤销 and 退款 need it) |
| `POS_PAY_TIMEOUT` | seconds to wait for an answer (default 10) |

`Secret` hides its value from `repr`, `str`, f-strings and pickling, so a settings object printed
in a log line or a traceback shows `Secret('***')`, never the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from drivers.errors import DeviceConfigError
from drivers.payments.provider import PaymentProvider

PROVIDERS = ("wechat",)


class Secret:
    """A secret setting: `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled")


@dataclass(frozen=True)
class ProviderSettings:
    """One provider account. `api_key` is a `Secret`; everything else may be shown."""

    provider: str
    url: str
    mch_id: str
    app_id: str
    api_key: Secret = field(default_factory=lambda: Secret(""))
    cert_file: str | None = None
    cert_key_file: str | None = None
    timeout_s: float = 10.0
    device_info: str | None = None
    """The till's code, sent as the provider's device field (shows on the merchant's statement)."""

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise DeviceConfigError(f"provider={self.provider!r}",
                                    message=f"不支持的支付渠道：{self.provider}（可用：{', '.join(PROVIDERS)}）",
                                    message_en=f"unknown payment provider {self.provider!r} "
                                               f"(known: {', '.join(PROVIDERS)})")
        if not self.url.startswith(("http://", "https://")):
            raise DeviceConfigError("url", message="支付网关地址应以 http:// 或 https:// 开头",
                                    message_en="the payment gateway URL must start with http:// or https://")
        if not self.mch_id or not self.app_id or not self.api_key:
            raise DeviceConfigError("mch_id/app_id/api_key",
                                    message="支付渠道缺少商户号、AppID 或 API 密钥",
                                    message_en="the payment provider needs a merchant id, an app id and an API key")
        if not 0 < self.timeout_s <= 120:
            raise DeviceConfigError("timeout", message="支付超时应在 0–120 秒之间",
                                    message_en="the payment timeout must be between 0 and 120 s")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ProviderSettings:
        """From a dict of setting names (`provider`, `url`, `mch_id`, `app_id`, `api_key`, `cert_file`,
        `cert_key_file`, `timeout_s`, `device_info`)."""
        key = values.get("api_key") or ""
        return cls(
            provider=str(values.get("provider") or "wechat"), url=str(values.get("url") or ""),
            mch_id=str(values.get("mch_id") or ""), app_id=str(values.get("app_id") or ""),
            api_key=key if isinstance(key, Secret) else Secret(str(key)),
            cert_file=values.get("cert_file") or None, cert_key_file=values.get("cert_key_file") or None,
            timeout_s=float(values.get("timeout_s") or 10.0), device_info=values.get("device_info") or None)


def settings_from_env(environ: Mapping[str, str] | None = None) -> ProviderSettings | None:
    """The provider the environment configures (`POS_PAY_*`), or None when `POS_PAY_URL` is unset
    (then the till has no payment-code tender and says so)."""
    env = os.environ if environ is None else environ
    if not env.get("POS_PAY_URL"):
        return None
    return ProviderSettings.from_mapping({
        "provider": env.get("POS_PAY_PROVIDER", "wechat"), "url": env.get("POS_PAY_URL"),
        "mch_id": env.get("POS_PAY_MCH_ID"), "app_id": env.get("POS_PAY_APP_ID"),
        "api_key": env.get("POS_PAY_KEY"), "cert_file": env.get("POS_PAY_CERT"),
        "cert_key_file": env.get("POS_PAY_CERT_KEY"), "timeout_s": env.get("POS_PAY_TIMEOUT") or 10.0})


def open_provider(settings: ProviderSettings) -> PaymentProvider:
    """The adapter for these settings (a `PaymentProvider`)."""
    from drivers.payments.wechat import WeChatPayV2

    return WeChatPayV2(settings)
