"""Test helpers: enrol a store by hand (what H6's enroll command writes)."""

from __future__ import annotations

from terminal.store import Store


def enrol(store: Store, *, terminal_id: int = 3, store_id: int = 1, store_code: str = "S01",
          terminal_code: str = "T03") -> None:
    with store.transaction():
        store.set_setting("terminal_id", str(terminal_id))
        store.set_setting("store_id", str(store_id))
        store.set_setting("store_code", store_code)
        store.set_setting("terminal_code", terminal_code)
