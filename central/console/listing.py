"""Lists of the console: server-side, keyset-paged, sortable, never counted.

A list page reads `?sort=name&desc=1&after=<cursor>` (or `before=`) and gets one page of rows
plus the cursors of the next and previous pages. The cursor is the last (first) row's sort value
and its unique tie-breaker, so a page is one indexed range read however deep into a 5,000,000-row
table it is (`OFFSET` would read and throw away every row before it), and there is no `COUNT(*)`:
a page says whether more rows follow by asking for one row more than it shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Date, DateTime, tuple_
from sqlalchemy.orm import Session

from central.console.web import decode_cursor, encode_cursor
from central.errors import Invalid

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort:
    """One way a list can be ordered: a URL name, a column header (zh) and a NOT NULL expression."""

    key: str
    label: str
    column: Any
    """A column or expression (ColumnElement or a mapped attribute)."""


@dataclass(frozen=True)
class ListParams:
    sort: Sort
    desc: bool
    after: list[Any] | None
    before: list[Any] | None
    limit: int


@dataclass
class PageOf:
    """One page: `rows` as selected (without the sort keys), and the cursors around it."""

    rows: list[Any]
    next_cursor: str | None
    prev_cursor: str | None
    params: ListParams
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def first_page(self) -> bool:
        return self.params.after is None and self.params.before is None


def _typed(column: Any, value: Any) -> Any:
    """A cursor value (JSON) back in the column's Python type (dates travel as ISO text)."""
    if value is None:
        return None
    kind = column.type
    impl = getattr(kind, "impl", kind)
    if isinstance(impl, DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(impl, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True)
class Listing:
    """The sorts a list offers, its default, and the unique column that breaks ties (usually `id`)."""

    sorts: Sequence[Sort]
    tiebreak: Any
    default_sort: str
    default_desc: bool = False

    def sort_named(self, key: str | None) -> Sort:
        for s in self.sorts:
            if s.key == key:
                return s
        return next(s for s in self.sorts if s.key == self.default_sort)

    def params(self, request: Request) -> ListParams:
        """Sort, direction, cursor and page size from the query string (bad values → defaults)."""
        q = request.query_params
        sort = self.sort_named(q.get("sort"))
        desc = q.get("desc") == "1" if "desc" in q else (self.default_desc if sort.key == self.default_sort else False)
        try:
            limit = int(q.get("limit", DEFAULT_PAGE_SIZE))
        except ValueError:
            limit = DEFAULT_PAGE_SIZE
        limit = limit if limit in PAGE_SIZES else DEFAULT_PAGE_SIZE
        after = before = None
        try:
            if q.get("after"):
                after = decode_cursor(q["after"])
            elif q.get("before"):
                before = decode_cursor(q["before"])
        except ValueError:
            raise Invalid("翻页参数无效", "invalid page cursor", code="bad_cursor", field="after") from None
        for cursor in (after, before):
            if cursor is not None and len(cursor) != 2:
                raise Invalid("翻页参数无效", "invalid page cursor", code="bad_cursor", field="after")
        return ListParams(sort=sort, desc=desc, after=after, before=before, limit=limit)

    def page(self, session: Session, stmt: Any, params: ListParams) -> PageOf:
        """Run `stmt` (filtered, not ordered) for the page `params` asks for."""
        col, tie = params.sort.column, self.tiebreak
        key = tuple_(col, tie)
        backwards = params.before is not None
        forward_desc = params.desc != backwards  # reading a previous page reverses the order
        q = stmt.add_columns(col.label("_sort_key"), tie.label("_tie_key"))
        cursor = params.after if params.after is not None else params.before
        if cursor is not None:
            value = tuple_(_typed(col, cursor[0]), _typed(tie, cursor[1]))
            q = q.where(key < value if forward_desc else key > value)
        q = q.order_by(col.desc() if forward_desc else col.asc(), tie.desc() if forward_desc else tie.asc())
        fetched = list(session.execute(q.limit(params.limit + 1)).all())
        more = len(fetched) > params.limit
        fetched = fetched[:params.limit]
        if backwards:
            fetched.reverse()
        width = len(fetched[0]) - 2 if fetched else 0
        rows = [r[0] if width == 1 else tuple(r[:width]) for r in fetched]
        first = encode_cursor(fetched[0][-2:]) if fetched else None
        last = encode_cursor(fetched[-1][-2:]) if fetched else None
        if backwards:
            next_cursor, prev_cursor = last, (first if more else None)
        else:
            next_cursor = last if more else None
            prev_cursor = first if params.after is not None else None
        return PageOf(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, params=params)

    def stream(self, session: Session, stmt: Any, params: ListParams) -> Iterator[Any]:
        """Every row in the page's order, shaped as `page` shapes them (one entity, or a tuple),
        streamed from the database a partition at a time (exports), never held in memory."""
        col, tie = params.sort.column, self.tiebreak
        q = stmt.order_by(col.desc() if params.desc else col.asc(), tie.desc() if params.desc else tie.asc())
        for part in session.execute(q.execution_options(yield_per=2000)).partitions():
            for r in part:
                yield r[0] if len(r) == 1 else tuple(r)
