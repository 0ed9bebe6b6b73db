"""The terminal's local SQLite store: one file, WAL, durable commits, migrations, and the
repositories that own every table (the one door to the till's database)."""

from terminal.store.db import Store, open_store
from terminal.store.errors import StoreError

__all__ = ["Store", "StoreError", "open_store"]
