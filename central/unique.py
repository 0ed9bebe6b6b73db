"""One check for "this code/name is already taken", shared by the domain services.

The database's unique constraints are the guarantee (a race still ends in a 409 naming the
column); this check runs first so the usual case gets a clear message naming the value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.errors import Conflict


def ensure_unique(session: Session, column: Any, value: object, field: str, *, exclude_id: int | None = None,
                  what: str = "") -> None:
    """Raise Conflict(field) when another row than `exclude_id` already holds `value` in `column`."""
    found = session.scalar(select(column.table.c.id).where(column == value))
    if found is not None and found != exclude_id:
        raise Conflict(f"{what or field} 已存在：{value}", f"{field} {value} already exists", code="duplicate",
                       field=field)
