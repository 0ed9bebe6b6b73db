"""The terminal's local SQLite store: one file, WAL, durable commits, migrations, outbox."""

from terminal.store.db import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
