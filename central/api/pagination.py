"""Offset pagination shared by every list endpoint: `?limit=50&offset=0` → `{items, total, ...}`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
ItemT = TypeVar("ItemT")
MAX_LIMIT = 500


class PageParams(BaseModel):
    limit: int = 50
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[ItemT]):
    """One page of a list: the rows, how many there are in all, and where this page starts."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int


def paginate(session: Session, stmt: Select[Any], params: PageParams,
             to_item: Callable[[Any], T]) -> dict[str, Any]:
    """Run `stmt` (already filtered and ordered) for one page; the caller's response model is Page[X]."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows: Sequence[Any] = session.scalars(stmt.limit(params.limit).offset(params.offset)).all()
    return {"items": [to_item(r) for r in rows], "total": total, "limit": params.limit,
            "offset": params.offset}
