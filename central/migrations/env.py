"""Alembic environment: one metadata (every domain's models), SQLite in batch mode."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from central.db import UTCDateTime, get_engine
from central.tables import import_all_models

config = context.config
target_metadata = import_all_models()


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # UTCDateTime is plain `timestamp with time zone` in the database: render it so.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    assert url, "no database URL given to alembic"
    with get_engine(url).connect() as conn:
        if conn.dialect.name != "sqlite":
            _run(conn)
            conn.commit()
            return
        # SQLite alters a table by copying it (batch mode); with foreign keys on, dropping the old
        # copy would cascade or fail. Switch them off outside any transaction, check after.
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            _run(conn)
            conn.commit()
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows that break foreign keys: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; pass a database URL")
run_migrations_online()
