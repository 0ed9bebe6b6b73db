"""Existence of the master rows that high-volume rows refer to, checked once per batch.

Sales, sale lines and stock movements carry product, warehouse and user ids without a FOREIGN
KEY per row (see central/sales/models.py for why and what still keeps them whole); whoever
writes them checks the ids here first, in the same transaction. Ids found are remembered for the
session (a push batch, an API request): master rows are never deleted, only deactivated, so an id
that existed a moment ago still does.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, column, select, table
from sqlalchemy.orm import Session

from central.bulk import in_list

MASTER_TABLES = ("products", "warehouses", "users")


@lru_cache(maxsize=16)
def _lookup(name: str, dialect: str) -> Any:
    t = table(name, column("id", Integer))
    return select(t.c.id).where(in_list(t.c.id, "ids", dialect))


def missing(session: Session, name: str, ids: Iterable[int | None]) -> list[int]:
    """The ids of `ids` (None ignored) that table `name` does not hold, sorted; one query for the
    ones this session has not seen yet."""
    assert name in MASTER_TABLES, name
    known: set[int] = session.info.setdefault(f"known_{name}", set())
    wanted = {i for i in ids if i is not None} - known
    if wanted:
        query = _lookup(name, session.get_bind().dialect.name)
        known |= set(session.scalars(query, {"ids": sorted(wanted)}))
    return sorted(wanted - known)
