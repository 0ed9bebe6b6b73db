"""Database plumbing shared by every central domain: one declarative `Base`, engines, sessions.

Why one `Base`: Alembic compares a single `MetaData` with the database, so every domain's
tables must hang off the same one. Constraint names follow a fixed convention so migrations
are identical on SQLite and PostgreSQL and a unique-violation can be mapped back to a field.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones and hands naive datetimes back; PostgreSQL keeps `timestamptz`.
    This type makes both behave the same: naive values are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """The one declarative base of every central table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """Now as timezone-aware UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is off; SQLAlchemy's "begin" event issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers ask for IMMEDIATE so two writers queue on busy_timeout instead of failing when
    # a deferred read transaction tries to upgrade; readers stay deferred and never block.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and real BEGINs.

    Making an engine also installs the change feed's Session hooks (importing central.syncing.feed
    registers them), so no command or script can write through this engine without the change feed
    seeing it. The import is late because the feed's own tables are declared on this module's Base.
    """
    from central.syncing import feed  # noqa: F401  (its module-level hooks are the installation)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": 10}
        if parsed.database in (None, "", ":memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


_engines: dict[str, Engine] = {}
_read_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """One engine per URL per process (engines own connection pools; make them once)."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def get_read_engine(url: str) -> Engine:
    """An engine for single-statement reads on hot paths (one per URL per process).

    Each statement runs on its own (autocommit): no BEGIN/COMMIT round trips, and no pre-ping
    (a caller retries once when `DBAPIError.connection_invalidated`). SQLite connections are
    `query_only`. An in-memory SQLite database has one connection only: its main engine is used.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return get_engine(url)
    with _engines_lock:
        engine = _read_engines.get(url)
        if engine is None:
            if parsed.get_backend_name() == "sqlite":
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "connect", _sqlite_read_only)
            else:
                engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=10)
            _read_engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of `url`'s engines (tests, and before dropping a database)."""
    with _engines_lock:
        engines = [e for e in (_engines.pop(url, None), _read_engines.pop(url, None)) if e is not None]
    for engine in engines:
        engine.dispose()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back when it raises.

    `write=False` opens a plain read transaction (SQLite: deferred, never waits on writers).
    """
    session = Session(bind=engine, expire_on_commit=False)
    try:
        begin_for(session, write=write)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_for(session: Session, *, write: bool) -> None:
    """Start the session's transaction, taking SQLite's write lock up front when it will write."""
    if write:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    else:
        session.connection()
