"""The one error the till's database layer raises for misuse (as opposed to sqlite3's own errors)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from terminal.errors import StoreBusy, StoreFull


class StoreError(RuntimeError):
    """The local database cannot be used as asked (bad migration folder, newer schema, nested misuse,
    a terminal not enrolled yet)."""


class DataFolderError(StoreError):
    """The till's data folder cannot be used as it is (database missing, damaged, disk full): says
    what happened and what to do, in Chinese (`message`) and English (`message_en`). Commands print
    both and stop; `pos-terminal run` shows them in a window instead of opening the till."""

    def __init__(self, message: str, message_en: str, *, code: str) -> None:
        super().__init__(f"{message}\n{message_en}")
        self.message = message
        self.message_en = message_en
        self.code = code


@contextmanager
def busy_as_error() -> Iterator[None]:
    """Turn SQLite's "database is locked" after the busy wait, and "database or disk is full", into
    messages the cashier can act on; the transaction was rolled back, so retrying is safe."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise StoreBusy("数据库正忙，本次未保存，请重试（购物车已保留）",
                            "the database is busy: nothing was saved, try again (the cart is kept)") from exc
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in text:
            raise StoreFull("磁盘已满，本次未保存（购物车已保留）：请店长清理磁盘空间后重试",
                            "the disk is full: nothing was saved (the cart is kept); a manager must "
                            "free disk space, then try again") from exc
        raise
