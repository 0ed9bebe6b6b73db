"""The terminal's sync bookkeeping (`sync_state`, key/value): cursor, last success, last error."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terminal.store.db import Store

CURSOR = "cursor"
SCHEMA_VERSION = "schema_version"
BOOTSTRAPPED_AT = "bootstrapped_at"
LAST_SUCCESS_AT = "last_success_at"
LAST_ATTEMPT_AT = "last_attempt_at"
LAST_ERROR = "last_error"
LAST_ERROR_EN = "last_error_en"
UPGRADE_REQUIRED = "upgrade_required"


class SyncState:
    """The `sync_state` table of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._present = False

    def present(self) -> bool:
        """True once the table exists (a database opened without its migrations may lack it)."""
        if not self._present:
            self._present = self._store.table_exists("sync_state")
        return self._present

    def get(self, key: str, default: str | None = None) -> str | None:
        if not self.present():
            return default
        value = self._store.scalar("SELECT value FROM sync_state WHERE key=?", (key,))
        return default if value is None else str(value)

    def put(self, key: str, value: str | None) -> None:
        """Set (None: remove) one key; joins the caller's transaction when there is one."""
        with self._store.transaction() as store:
            if value is None:
                store.execute("DELETE FROM sync_state WHERE key=?", (key,))
            else:
                store.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def cursor(self) -> int:
        """The change-feed position the local master data reflects (0 before any sync)."""
        try:
            return int(self.get(CURSOR) or 0)
        except ValueError:
            return 0

    def is_bootstrapped(self) -> bool:
        return self.get(BOOTSTRAPPED_AT) is not None
