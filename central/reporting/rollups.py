"""Rollups of closed business days: built once from the sales, read by dashboards and reports.

A closed day (before the store's today) is summarised into three small tables (by hour, by tender,
by product; `central.reporting.models`) the first time a report needs it, with one INSERT … SELECT
per table for a run of up to a month of days. Today is never rolled up: it is read live from the
sales with the very same SELECTs, so a sale pushed a second ago is on the dashboard.

Staying true when a sale arrives late (a till offline for days): every refresh first looks at
what central received since the last refresh (`sales.received_at`, indexed, less a margin for
transactions still committing) and drops the built days those sales and returns belong to; they
are rebuilt, whole, from the sales tables the next time they are read. Rebuilding is idempotent,
so reading the same sale twice never counts it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Engine,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    union,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from central.db import session_scope, utcnow
from central.reporting.models import RollupDay, RollupMark, RollupProductDay, RollupSalesHour, RollupTenderDay
from central.sales.models import ReturnLine, ReturnRefund, Sale, SaleLine, SalePayment, SaleReturn
from sync.store_time import STORE_TZ

Query = Select[*tuple[Any, ...]]
"""A select of any columns (SQLAlchemy's Select is generic over its row's column types)."""

MARGIN = timedelta(minutes=10)
"""A sale's `received_at` is set before its push transaction commits; a refresh looks this far back
before its last mark so a sale committed just after the last look is still seen."""
CHUNK_DAYS = 31
_MARK = "received"


def store_today(now: datetime | None = None) -> date:
    """The stores' local date now (every store runs on Asia/Shanghai)."""
    return (now or utcnow()).astimezone(STORE_TZ).date()


def local_hour(column: Any, dialect: str) -> ColumnElement[int]:
    """The hour (0–23) of a UTC timestamp column in the stores' time zone, in SQL."""
    if dialect == "postgresql":
        return cast(func.extract("hour", func.timezone(STORE_TZ.key, column)), Integer)
    offset = utcnow().astimezone(STORE_TZ).utcoffset()  # Asia/Shanghai: +8, no daylight saving
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return cast(func.strftime("%H", column, f"{hours:+d} hours"), Integer)


def _between(column: Any, date_from: date, date_to: date) -> ColumnElement[bool]:
    return and_(column >= date_from, column <= date_to)


def _stores(column: Any, store_ids: Sequence[int] | None) -> ColumnElement[bool]:
    return column.in_(list(store_ids)) if store_ids is not None else literal(True)


# ---------------------------------------------------------------- the sources (base tables)


def sales_hour_select(dialect: str, date_from: date, date_to: date,
                      store_ids: Sequence[int] | None = None) -> Query:
    hour = local_hour(Sale.sold_at, dialect)
    member = Sale.member_id.is_not(None)
    return (select(Sale.business_date, Sale.store_id, hour.label("hour"), func.count().label("sales_count"),
                   func.sum(Sale.total_fen).label("sales_fen"), func.sum(Sale.subtotal_fen).label("gross_fen"),
                   func.sum(Sale.discount_fen).label("discount_fen"), func.sum(Sale.tax_fen).label("tax_fen"),
                   func.sum(case((member, 1), else_=0)).label("member_count"),
                   func.sum(case((member, Sale.total_fen), else_=0)).label("member_fen"))
            .where(_between(Sale.business_date, date_from, date_to), _stores(Sale.store_id, store_ids))
            .group_by(Sale.business_date, Sale.store_id, hour))


def returns_hour_select(dialect: str, date_from: date, date_to: date,
                        store_ids: Sequence[int] | None = None) -> Query:
    hour = local_hour(SaleReturn.returned_at, dialect)
    return (select(SaleReturn.business_date, SaleReturn.store_id, hour.label("hour"),
                   func.count().label("returns_count"), func.sum(SaleReturn.total_fen).label("returns_fen"))
            .where(_between(SaleReturn.business_date, date_from, date_to), _stores(SaleReturn.store_id, store_ids))
            .group_by(SaleReturn.business_date, SaleReturn.store_id, hour))


def tender_select(date_from: date, date_to: date, store_ids: Sequence[int] | None = None) -> Query:
    return (select(Sale.business_date, Sale.store_id, SalePayment.tender, func.sum(SalePayment.amount_fen).label("paid_fen"))
            .join(Sale, Sale.id == SalePayment.sale_id)
            .where(_between(Sale.business_date, date_from, date_to), _stores(Sale.store_id, store_ids))
            .group_by(Sale.business_date, Sale.store_id, SalePayment.tender))


def refund_select(date_from: date, date_to: date, store_ids: Sequence[int] | None = None) -> Query:
    return (select(SaleReturn.business_date, SaleReturn.store_id, ReturnRefund.tender,
                   func.sum(ReturnRefund.amount_fen).label("refunded_fen"))
            .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id)
            .where(_between(SaleReturn.business_date, date_from, date_to), _stores(SaleReturn.store_id, store_ids))
            .group_by(SaleReturn.business_date, SaleReturn.store_id, ReturnRefund.tender))


def product_select(date_from: date, date_to: date, store_ids: Sequence[int] | None = None) -> Query:
    return (select(Sale.business_date, Sale.store_id, SaleLine.product_id, func.count().label("lines"),
                   func.sum(SaleLine.qty_m * SaleLine.unit_factor).label("qty_m"),
                   func.sum(SaleLine.list_amount_fen).label("gross_fen"),
                   func.sum(SaleLine.line_discount_fen + SaleLine.order_discount_fen).label("discount_fen"),
                   func.sum(SaleLine.amount_fen).label("net_fen"),
                   cast(func.coalesce(func.sum(SaleLine.cost_fen), 0), BigInteger).label("cost_fen"),
                   func.sum(case((SaleLine.cost_fen.is_(None), 1), else_=0)).label("uncosted_lines"))
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(_between(Sale.business_date, date_from, date_to), _stores(Sale.store_id, store_ids))
            .group_by(Sale.business_date, Sale.store_id, SaleLine.product_id))


def product_returns_select(date_from: date, date_to: date, store_ids: Sequence[int] | None = None) -> Query:
    return (select(SaleReturn.business_date, SaleReturn.store_id, ReturnLine.product_id,
                   func.sum(ReturnLine.qty_m * ReturnLine.unit_factor).label("returned_qty_m"),
                   func.sum(ReturnLine.amount_fen).label("returned_fen"),
                   cast(func.coalesce(func.sum(ReturnLine.cost_fen), 0), BigInteger).label("returned_cost_fen"))
            .join(SaleReturn, SaleReturn.id == ReturnLine.return_id)
            .where(_between(SaleReturn.business_date, date_from, date_to), _stores(SaleReturn.store_id, store_ids))
            .group_by(SaleReturn.business_date, SaleReturn.store_id, ReturnLine.product_id))


# ---------------------------------------------------------------- building


def _upsert(dialect: str, table: Any) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _build(session: Session, date_from: date, date_to: date) -> None:
    """(Re)build the rollup rows of every store for the days `date_from`..`date_to` (all closed)."""
    dialect = session.get_bind().dialect.name
    for table in (RollupSalesHour, RollupTenderDay, RollupProductDay):
        session.execute(delete(table).where(_between(table.business_date, date_from, date_to)))
    hourly = sales_hour_select(dialect, date_from, date_to)
    session.execute(RollupSalesHour.__table__.insert().from_select(  # type: ignore[attr-defined]
        ["business_date", "store_id", "hour", "sales_count", "sales_fen", "gross_fen", "discount_fen", "tax_fen",
         "member_count", "member_fen"], hourly))
    ins = _upsert(dialect, RollupSalesHour.__table__).from_select(
        ["business_date", "store_id", "hour", "returns_count", "returns_fen"],
        returns_hour_select(dialect, date_from, date_to))
    session.execute(ins.on_conflict_do_update(
        index_elements=["business_date", "store_id", "hour"],
        set_={"returns_count": ins.excluded.returns_count, "returns_fen": ins.excluded.returns_fen}))
    session.execute(RollupTenderDay.__table__.insert().from_select(  # type: ignore[attr-defined]
        ["business_date", "store_id", "tender", "paid_fen"], tender_select(date_from, date_to)))
    ins = _upsert(dialect, RollupTenderDay.__table__).from_select(
        ["business_date", "store_id", "tender", "refunded_fen"], refund_select(date_from, date_to))
    session.execute(ins.on_conflict_do_update(index_elements=["business_date", "store_id", "tender"],
                                              set_={"refunded_fen": ins.excluded.refunded_fen}))
    session.execute(RollupProductDay.__table__.insert().from_select(  # type: ignore[attr-defined]
        ["business_date", "store_id", "product_id", "lines", "qty_m", "gross_fen", "discount_fen", "net_fen",
         "cost_fen", "uncosted_lines"], product_select(date_from, date_to)))
    ins = _upsert(dialect, RollupProductDay.__table__).from_select(
        ["business_date", "store_id", "product_id", "returned_qty_m", "returned_fen", "returned_cost_fen"],
        product_returns_select(date_from, date_to))
    session.execute(ins.on_conflict_do_update(
        index_elements=["business_date", "store_id", "product_id"],
        set_={"returned_qty_m": ins.excluded.returned_qty_m, "returned_fen": ins.excluded.returned_fen,
              "returned_cost_fen": ins.excluded.returned_cost_fen}))
    now = utcnow()
    session.execute(delete(RollupDay).where(_between(RollupDay.business_date, date_from, date_to)))
    day = date_from
    rows = []
    while day <= date_to:
        rows.append({"business_date": day, "built_at": now})
        day += timedelta(days=1)
    session.execute(RollupDay.__table__.insert(), rows)  # type: ignore[attr-defined]


def _runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days grouped into (first, last) runs of at most CHUNK_DAYS."""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][1]).days == 1 and (d - runs[-1][0]).days < CHUNK_DAYS:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _late_days(session: Session, since: datetime) -> set[date]:
    """Business days of the sales and returns central received since `since`."""
    q = union(select(Sale.business_date).where(Sale.received_at >= since).distinct(),
              select(SaleReturn.business_date).where(SaleReturn.received_at >= since).distinct())
    return {row[0] for row in session.execute(q)}


@dataclass(frozen=True)
class _Plan:
    stale: set[date]
    missing: list[date]
    mark: datetime | None


def _plan(session: Session, date_from: date, date_to: date) -> _Plan:
    mark = session.get(RollupMark, _MARK)
    built = set(session.scalars(select(RollupDay.business_date).where(
        _between(RollupDay.business_date, date_from, date_to))))
    stale = _late_days(session, mark.at - MARGIN) if mark is not None else set()
    stale &= set(session.scalars(select(RollupDay.business_date).where(RollupDay.business_date.in_(stale)))) \
        if stale else set()
    wanted = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    missing = [d for d in wanted if d not in built or d in stale]
    return _Plan(stale=stale, missing=missing, mark=mark.at if mark else None)


def refresh(engine: Engine, date_from: date, date_to: date, *, now: datetime | None = None) -> int:
    """Make the rollups of the closed days in `date_from`..`date_to` complete and current; returns how
    many days were (re)built. Cheap when nothing changed: one read transaction."""
    now = now or utcnow()
    last_closed = min(date_to, store_today(now) - timedelta(days=1))
    if last_closed < date_from:
        return 0
    with session_scope(engine, write=False) as session:
        plan = _plan(session, date_from, last_closed)
    if not plan.missing and not plan.stale and plan.mark is not None and now - plan.mark < MARGIN:
        return 0
    with session_scope(engine) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(7_301_112)))  # one refresher at a time
        plan = _plan(session, date_from, last_closed)
        if plan.stale:
            session.execute(delete(RollupDay).where(RollupDay.business_date.in_(plan.stale)))
        for first, last in _runs(plan.missing):
            _build(session, first, last)
        mark = session.get(RollupMark, _MARK)
        if mark is None:
            session.add(RollupMark(name=_MARK, at=now))
        else:
            mark.at = now
    return len(plan.missing)


# ---------------------------------------------------------------- reading (rollups + today live)


def split(date_from: date, date_to: date, today: date) -> tuple[tuple[date, date] | None, tuple[date, date] | None]:
    """The closed part (read from rollups) and the live part (today or later) of a period."""
    closed = (date_from, min(date_to, today - timedelta(days=1))) if date_from < today else None
    live = (max(date_from, today), date_to) if date_to >= today else None
    return closed, live


HOUR_FIGURES = ("sales_count", "sales_fen", "gross_fen", "discount_fen", "tax_fen", "member_count", "member_fen",
                "returns_count", "returns_fen")


def hour_rows(session: Session, date_from: date, date_to: date, store_ids: Sequence[int] | None,
              today: date) -> list[dict[str, Any]]:
    """Per (business_date, store_id, hour): the sales and returns figures (rollups + today live)."""
    closed, live = split(date_from, date_to, today)
    keys = ("business_date", "store_id", "hour")
    out: list[dict[str, Any]] = []
    if closed is not None:
        t = RollupSalesHour
        columns = [getattr(t, c) for c in (*keys, *HOUR_FIGURES)]
        names = (*keys, *HOUR_FIGURES)
        out.extend(dict(zip(names, r, strict=True)) for r in session.execute(
            select(*columns).where(_between(t.business_date, *closed), _stores(t.store_id, store_ids))))
    if live is not None:
        dialect = session.get_bind().dialect.name
        merged: dict[tuple[Any, ...], dict[str, Any]] = {}
        for q in (sales_hour_select(dialect, *live, store_ids), returns_hour_select(dialect, *live, store_ids)):
            for r in session.execute(q):
                m = r._mapping
                key = (m["business_date"], m["store_id"], int(m["hour"]))
                row = merged.get(key)
                if row is None:
                    row = merged[key] = {"business_date": key[0], "store_id": key[1], "hour": key[2],
                                         **dict.fromkeys(HOUR_FIGURES, 0)}
                for name in HOUR_FIGURES:
                    if name in m:
                        row[name] += int(m[name] or 0)
        out.extend(merged.values())
    return out


def tender_rows(session: Session, date_from: date, date_to: date, store_ids: Sequence[int] | None,
                today: date) -> dict[str, tuple[int, int]]:
    """Per tender: (paid, refunded) in fen over the period."""
    closed, live = split(date_from, date_to, today)
    out: dict[str, list[int]] = {}
    if closed is not None:
        t = RollupTenderDay
        q = (select(t.tender, func.sum(t.paid_fen), func.sum(t.refunded_fen))
             .where(_between(t.business_date, *closed), _stores(t.store_id, store_ids)).group_by(t.tender))
        for tender, paid, refunded in session.execute(q):
            acc = out.setdefault(tender, [0, 0])
            acc[0] += int(paid or 0)
            acc[1] += int(refunded or 0)
    if live is not None:
        for _d, _s, tender, paid in session.execute(tender_select(*live, store_ids)):
            out.setdefault(tender, [0, 0])[0] += int(paid or 0)
        for _d, _s, tender, refunded in session.execute(refund_select(*live, store_ids)):
            out.setdefault(tender, [0, 0])[1] += int(refunded or 0)
    return {k: (v[0], v[1]) for k, v in out.items()}


PRODUCT_FACT_COLUMNS = ("business_date", "store_id", "product_id", "lines", "qty_m", "gross_fen", "discount_fen",
                        "net_fen", "cost_fen", "uncosted_lines", "returned_qty_m", "returned_fen", "returned_cost_fen")


def product_facts(date_from: date, date_to: date, store_ids: Sequence[int] | None, today: date) -> Any:
    """A subquery of per (day, store, product) figures over the period: rollup rows for closed days,
    today's from the sales (sales and returns as separate rows; sum them when grouping)."""
    closed, live = split(date_from, date_to, today)
    parts: list[Query] = []
    if closed is not None:
        t = RollupProductDay
        parts.append(select(*(getattr(t, c) for c in PRODUCT_FACT_COLUMNS))
                     .where(_between(t.business_date, *closed), _stores(t.store_id, store_ids)))
    if live is not None:
        s = product_select(*live, store_ids).subquery()
        parts.append(select(s.c.business_date, s.c.store_id, s.c.product_id, s.c.lines, s.c.qty_m, s.c.gross_fen,
                            s.c.discount_fen, s.c.net_fen, s.c.cost_fen, s.c.uncosted_lines,
                            literal(0).label("returned_qty_m"), literal(0).label("returned_fen"),
                            literal(0).label("returned_cost_fen")))
        r = product_returns_select(*live, store_ids).subquery()
        parts.append(select(r.c.business_date, r.c.store_id, r.c.product_id, literal(0).label("lines"),
                            literal(0).label("qty_m"), literal(0).label("gross_fen"), literal(0).label("discount_fen"),
                            literal(0).label("net_fen"), literal(0).label("cost_fen"),
                            literal(0).label("uncosted_lines"), r.c.returned_qty_m, r.c.returned_fen,
                            r.c.returned_cost_fen))
    if not parts:
        parts.append(select(*(getattr(RollupProductDay, c) for c in PRODUCT_FACT_COLUMNS)).where(literal(False)))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("facts")

