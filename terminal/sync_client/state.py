"""The terminal's sync bookkeeping in `sync_state` (key/value): cursor, last success, last error."""

from __future__ import annotations

from terminal.store.db import Store

CURSOR = "cursor"
SCHEMA_VERSION = "schema_version"
BOOTSTRAPPED_AT = "bootstrapped_at"
LAST_SUCCESS_AT = "last_success_at"
LAST_ATTEMPT_AT = "last_attempt_at"
LAST_ERROR = "last_error"
LAST_ERROR_EN = "last_error_en"
UPGRADE_REQUIRED = "upgrade_required"


def get(store: Store, key: str, default: str | None = None) -> str | None:
    value = store.scalar("SELECT value FROM sync_state WHERE key=?", (key,))
    return default if value is None else str(value)


def put(store: Store, key: str, value: str | None) -> None:
    """Set (None: remove) one key; joins the caller's transaction when there is one."""
    with store.transaction():
        if value is None:
            store.execute("DELETE FROM sync_state WHERE key=?", (key,))
        else:
            store.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))


def cursor(store: Store) -> int:
    return int(get(store, CURSOR) or 0)


def is_bootstrapped(store: Store) -> bool:
    return get(store, BOOTSTRAPPED_AT) is not None
