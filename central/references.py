"""Existence of the master rows that high-volume rows refer to, checked once per batch.

Sales, sale lines and stock movements carry product, warehouse and user ids without a FOREIGN
KEY per row (see central/sales/models.py for why and what still keeps them whole); whoever
writes them checks the ids here first, in the same transaction.

Ids found are remembered: for the session, and once its transaction commits, for the process
(per database), since master rows are never deleted, only deactivated: an id that existed in a
committed transaction still does. A push of 500 sales names ~1,000 products; reading them every
batch cost ~17 µs a sale. Only ids read inside a transaction that committed are kept for the
process (a product created and rolled back is not). Whoever deletes master rows behind the
process's back (tests emptying a database) calls `forget()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, column, event, select, table
from sqlalchemy.orm import Session

from central.bulk import in_list

MASTER_TABLES = ("products", "warehouses", "users")

_lock = threading.Lock()
_committed: dict[tuple[str, str], frozenset[int]] = {}
"""(database URL, table) → ids seen in committed transactions of this process."""
_SESSION_KEY = "references_found"


@lru_cache(maxsize=16)
def _lookup(name: str, dialect: str) -> Any:
    t = table(name, column("id", Integer))
    return select(t.c.id).where(in_list(t.c.id, "ids", dialect))


def _database(session: Session) -> str:
    return str(session.get_bind().engine.url)


def missing(session: Session, name: str, ids: Iterable[int | None]) -> list[int]:
    """The ids of `ids` (None ignored) that table `name` does not hold, sorted; one query for the
    ones neither this session nor a committed one has seen."""
    assert name in MASTER_TABLES, name
    found: dict[str, set[int]] = session.info.setdefault(_SESSION_KEY, {})
    here = found.setdefault(name, set())
    wanted = {i for i in ids if i is not None} - here
    if wanted:
        wanted -= _committed.get((_database(session), name), frozenset())
    if wanted:
        query = _lookup(name, session.get_bind().dialect.name)
        rows = set(session.scalars(query, {"ids": sorted(wanted)}))
        here |= rows
        wanted -= rows
    return sorted(wanted)


@event.listens_for(Session, "after_commit")
def _remember(session: Session) -> None:
    found: dict[str, set[int]] | None = session.info.pop(_SESSION_KEY, None)
    if not found:
        return
    database = _database(session)
    with _lock:
        for name, ids in found.items():
            key = (database, name)
            _committed[key] = _committed.get(key, frozenset()) | ids


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)


def forget(database: str | None = None) -> None:
    """Drop what the process remembers (of one database URL, or all)."""
    with _lock:
        for key in [k for k in _committed if database is None or k[0] == database]:
            del _committed[key]
