"""The one error the till's database layer raises for misuse (as opposed to sqlite3's own errors)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from terminal.errors import StoreBusy


class StoreError(RuntimeError):
    """The local database cannot be used as asked (bad migration folder, newer schema, nested misuse,
    a terminal not enrolled yet)."""


@contextmanager
def busy_as_error() -> Iterator[None]:
    """Turn SQLite's "database is locked" after the busy wait into a message the cashier can act
    on; the transaction was rolled back, so retrying is safe."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise StoreBusy("数据库正忙，本次未保存，请重试（购物车已保留）",
                            "the database is busy: nothing was saved, try again (the cart is kept)") from exc
        raise
