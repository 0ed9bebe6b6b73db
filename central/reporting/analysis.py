"""Sales analysis: quantity, net sales and margin grouped by any combination of period (day, week,
month), store, category, brand, product, cashier, rep, customer and member level, with the same
period last year beside it.

Two sources, chosen by the grouping: by period, store, category, brand and product the figures come
from the daily rollups (`central.reporting.rollups`: a month is a few hundred thousand small rows
whatever the number of sales), anything by cashier, rep, customer or member level from the sale
and return lines themselves. Both count the same way: net = what sales took less what returns
refunded; quantity in base units (a box of 24 counts 24); margin = net − cost, shown only where
every line's cost is known (`cost_known` false otherwise: never reported as zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BigInteger, Date, Engine, String, cast, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from central.catalog.models import Brand, Category, Product
from central.customers.models import Customer
from central.db import session_scope
from central.errors import Invalid
from central.org.models import Store
from central.pricing.models import MemberLevel
from central.reporting import rollups
from central.sales.models import ReturnLine, Sale, SaleLine, SaleReturn
from central.users.models import User

PERIODS = ("day", "week", "month")
DIMENSIONS = ("day", "week", "month", "store", "category", "brand", "product", "cashier", "rep", "customer",
              "member_level")
ROLLUP_DIMENSIONS = frozenset({"day", "week", "month", "store", "category", "brand", "product"})
MAX_GROUPS = 3
MAX_DAYS = 366 * 2
MAX_ROWS = 2000
"""Rows a report shows (largest net first when more); the export holds the same rows."""


@dataclass(frozen=True)
class ReportRow:
    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    qty_m: int
    net_fen: int
    cost_fen: int
    cost_known: bool
    last_year_net_fen: int | None = None

    @property
    def margin_fen(self) -> int | None:
        return self.net_fen - self.cost_fen if self.cost_known else None


@dataclass
class SalesAnalysis:
    date_from: date
    date_to: date
    group_by: list[str]
    rows: list[ReportRow] = field(default_factory=list)
    truncated: bool = False
    totals: ReportRow | None = None
    last_year: bool = False


def _period(column: Any, kind: str, dialect: str) -> ColumnElement[Any]:
    """The first day of the period (day, ISO week from Monday, month) a business date falls in, as text."""
    if kind == "day":
        return cast(column, String)
    if dialect == "postgresql":
        return cast(cast(func.date_trunc(kind, column), Date), String)
    if kind == "week":
        return func.date(column, "-" + cast((cast(func.strftime("%w", column), BigInteger) + 6) % 7, String) + " days")
    return func.strftime("%Y-%m-01", column)


def _check(date_from: date, date_to: date, group_by: Sequence[str]) -> None:
    if date_to < date_from:
        raise Invalid("结束日期早于开始日期", "the end date is before the start date", code="date_range", field="to")
    if (date_to - date_from).days > MAX_DAYS:
        raise Invalid("日期范围太长（最多两年）", "date range too long (at most two years)", code="date_range",
                      field="to")
    unknown = [g for g in group_by if g not in DIMENSIONS]
    if unknown or not group_by or len(group_by) > MAX_GROUPS or len(set(group_by)) != len(group_by):
        raise Invalid("分组方式无效（最多三项）", "choose one to three different groupings", code="group_by",
                      field="group_by")
    if sum(g in PERIODS for g in group_by) > 1:
        raise Invalid("只能按一种时间粒度分组", "group by one period at most", code="group_by", field="group_by")


def _rollup_query(dialect: str, group_by: Sequence[str], date_from: date, date_to: date, store_ids: Sequence[int],
                  today: date, filters: dict[str, Any]) -> Any:
    facts = rollups.product_facts(date_from, date_to, store_ids, today)
    columns: dict[str, ColumnElement[Any]] = {}
    for g in group_by:
        if g in PERIODS:
            columns[g] = _period(facts.c.business_date, g, dialect)
        elif g == "store":
            columns[g] = facts.c.store_id
        elif g == "product":
            columns[g] = facts.c.product_id
        elif g == "category":
            columns[g] = func.coalesce(Product.category_id, 0)
        elif g == "brand":
            columns[g] = func.coalesce(Product.brand_id, 0)
    q = select(*(c.label(f"k{i}") for i, c in enumerate(columns.values())),
               (func.sum(facts.c.qty_m) - func.sum(facts.c.returned_qty_m)).label("qty_m"),
               (func.sum(facts.c.net_fen) - func.sum(facts.c.returned_fen)).label("net_fen"),
               (func.sum(facts.c.cost_fen) - func.sum(facts.c.returned_cost_fen)).label("cost_fen"),
               func.sum(facts.c.uncosted_lines).label("uncosted"))
    needs_product = bool({"category", "brand"} & set(group_by)) or filters.get("category_id") or filters.get("brand_id")
    if needs_product:
        q = q.select_from(facts.join(Product, Product.id == facts.c.product_id))
    if filters.get("category_id"):
        q = q.where(Product.category_id.in_(filters["category_ids"]))
    if filters.get("brand_id"):
        q = q.where(Product.brand_id == filters["brand_id"])
    if filters.get("product_id"):
        q = q.where(facts.c.product_id == filters["product_id"])
    return q.group_by(*columns.values())


def _line_query(dialect: str, group_by: Sequence[str], date_from: date, date_to: date, store_ids: Sequence[int],
                filters: dict[str, Any]) -> Any:
    """Sale lines (+) and return lines (−) with every dimension, grouped as asked."""
    original = Sale.__table__.alias("original")
    sold = (select(Sale.business_date.label("business_date"), Sale.store_id.label("store_id"),
                   SaleLine.product_id.label("product_id"), Sale.cashier_id.label("cashier_id"),
                   Sale.rep_id.label("rep_id"), Sale.customer_id.label("customer_id"),
                   Sale.member_level.label("member_level"),
                   (SaleLine.qty_m * SaleLine.unit_factor).label("qty_m"), SaleLine.amount_fen.label("net_fen"),
                   func.coalesce(SaleLine.cost_fen, 0).label("cost_fen"),
                   func.coalesce(cast(SaleLine.cost_fen.is_(None), BigInteger), 0).label("uncosted"))
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(Sale.business_date >= date_from, Sale.business_date <= date_to, Sale.store_id.in_(store_ids)))
    returned = (select(SaleReturn.business_date, SaleReturn.store_id, ReturnLine.product_id, SaleReturn.cashier_id,
                       original.c.rep_id, original.c.customer_id, original.c.member_level,
                       -(ReturnLine.qty_m * ReturnLine.unit_factor), -ReturnLine.amount_fen,
                       -func.coalesce(ReturnLine.cost_fen, 0), literal(0))
                .join(SaleReturn, SaleReturn.id == ReturnLine.return_id)
                .join(original, original.c.id == SaleReturn.original_sale_id)
                .where(SaleReturn.business_date >= date_from, SaleReturn.business_date <= date_to,
                       SaleReturn.store_id.in_(store_ids)))
    lines = union_all(sold, returned).subquery("lines")
    columns: dict[str, ColumnElement[Any]] = {}
    for g in group_by:
        if g in PERIODS:
            columns[g] = _period(lines.c.business_date, g, dialect)
        elif g == "category":
            columns[g] = func.coalesce(Product.category_id, 0)
        elif g == "brand":
            columns[g] = func.coalesce(Product.brand_id, 0)
        elif g == "store":
            columns[g] = lines.c.store_id
        elif g == "product":
            columns[g] = lines.c.product_id
        elif g == "member_level":
            columns[g] = func.coalesce(lines.c.member_level, "")
        else:
            columns[g] = func.coalesce(lines.c[f"{g}_id"], 0)
    q = select(*(c.label(f"k{i}") for i, c in enumerate(columns.values())),
               func.sum(lines.c.qty_m).label("qty_m"), func.sum(lines.c.net_fen).label("net_fen"),
               func.sum(lines.c.cost_fen).label("cost_fen"), func.sum(lines.c.uncosted).label("uncosted"))
    if {"category", "brand"} & set(group_by) or filters.get("category_id") or filters.get("brand_id"):
        q = q.select_from(lines.join(Product, Product.id == lines.c.product_id))
    if filters.get("category_id"):
        q = q.where(Product.category_id.in_(filters["category_ids"]))
    if filters.get("brand_id"):
        q = q.where(Product.brand_id == filters["brand_id"])
    if filters.get("product_id"):
        q = q.where(lines.c.product_id == filters["product_id"])
    return q.group_by(*columns.values())


def _labels(session: Session, group_by: Sequence[str], keys: list[tuple[Any, ...]]) -> list[dict[Any, str]]:
    """A display name for every key of every grouping (stores, products ... by id; periods as themselves)."""
    out: list[dict[Any, str]] = []
    for i, g in enumerate(group_by):
        ids = {k[i] for k in keys}
        names: dict[Any, str] = {}
        if g == "store":
            names = {i_: f"{c} {n}" for i_, c, n in session.execute(select(Store.id, Store.code, Store.name)
                                                                    .where(Store.id.in_(ids)))}
        elif g == "category":
            names = dict(session.execute(select(Category.id, Category.name).where(Category.id.in_(ids))).all())
        elif g == "brand":
            names = dict(session.execute(select(Brand.id, Brand.name).where(Brand.id.in_(ids))).all())
        elif g == "product":
            names = {i_: f"{s} {n}" for i_, s, n in session.execute(select(Product.id, Product.sku, Product.name)
                                                                    .where(Product.id.in_(ids)))}
        elif g in ("cashier", "rep"):
            names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
        elif g == "customer":
            names = {i_: f"{c} {n}" for i_, c, n in session.execute(select(Customer.id, Customer.code, Customer.name)
                                                                    .where(Customer.id.in_(ids)))}
        elif g == "member_level":
            names = dict(session.execute(select(MemberLevel.code, MemberLevel.name)).all())
        out.append({k: names.get(k, "—" if k in (0, "", None) else str(k)) for k in ids})
    return out


def _last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _run(session: Session, group_by: Sequence[str], date_from: date, date_to: date, store_ids: Sequence[int],
         today: date, filters: dict[str, Any]) -> list[Any]:
    dialect = session.get_bind().dialect.name
    if set(group_by) <= ROLLUP_DIMENSIONS:
        q = _rollup_query(dialect, group_by, date_from, date_to, store_ids, today, filters)
    else:
        q = _line_query(dialect, group_by, date_from, date_to, store_ids, filters)
    return list(session.execute(q))


def _shift_period(key: Any, kind: str) -> str:
    """A last-year period key moved onto this year's (2025-03-01 → 2026-03-01; a week by 52 weeks, so
    Monday stays Monday)."""
    day = date.fromisoformat(str(key)[:10])
    if kind == "week":
        return (day + timedelta(weeks=52)).isoformat()
    if day.month == 2 and day.day == 29:
        return day.replace(year=day.year + 1, day=28).isoformat()
    return day.replace(year=day.year + 1).isoformat()


def sales_analysis(engine: Engine, *, store_ids: Sequence[int], date_from: date, date_to: date,
                   group_by: Sequence[str], last_year: bool = False, category_ids: list[int] | None = None,
                   brand_id: int | None = None, product_id: int | None = None) -> tuple[SalesAnalysis, list[dict[Any, str]]]:
    """The report and the display names of its keys. Brings the rollups of the period (and of the same
    period last year when asked) up to date first."""
    _check(date_from, date_to, group_by)
    today = rollups.store_today()
    ly_from, ly_to = _last_year(date_from), _last_year(date_to)
    rollups.refresh(engine, date_from, date_to)
    if last_year:
        rollups.refresh(engine, ly_from, ly_to)
    filters: dict[str, Any] = {"category_id": bool(category_ids), "category_ids": category_ids or [],
                               "brand_id": brand_id, "product_id": product_id}
    report = SalesAnalysis(date_from=date_from, date_to=date_to, group_by=list(group_by), last_year=last_year)
    with session_scope(engine, write=False) as session:
        rows = _run(session, group_by, date_from, date_to, store_ids, today, filters)
        ly: dict[tuple[Any, ...], int] = {}
        if last_year:
            period = next((g for g in group_by if g in PERIODS), None)
            for r in _run(session, group_by, ly_from, ly_to, store_ids, today, filters):
                key = tuple(_shift_period(v, period) if g == period and period else v
                            for g, v in zip(group_by, r[:len(group_by)], strict=True))
                ly[key] = ly.get(key, 0) + int(r.net_fen or 0)
        n = len(group_by)
        built = [ReportRow(keys=tuple(r[:n]), labels=(), qty_m=int(r.qty_m or 0), net_fen=int(r.net_fen or 0),
                           cost_fen=int(r.cost_fen or 0), cost_known=int(r.uncosted or 0) == 0,
                           last_year_net_fen=ly.get(tuple(r[:n]), 0) if last_year else None) for r in rows]
        periods_first = bool(group_by) and group_by[0] in PERIODS
        built.sort(key=lambda r: (r.keys if periods_first else (-r.net_fen, r.keys)))
        report.truncated = len(built) > MAX_ROWS
        built = built[:MAX_ROWS]
        labels = _labels(session, group_by, [r.keys for r in built])
    report.rows = [ReportRow(keys=r.keys, labels=tuple(labels[i][k] for i, k in enumerate(r.keys)), qty_m=r.qty_m,
                             net_fen=r.net_fen, cost_fen=r.cost_fen, cost_known=r.cost_known,
                             last_year_net_fen=r.last_year_net_fen) for r in built]
    report.totals = ReportRow(keys=(), labels=(), qty_m=sum(r.qty_m for r in report.rows),
                              net_fen=sum(r.net_fen for r in report.rows), cost_fen=sum(r.cost_fen for r in report.rows),
                              cost_known=all(r.cost_known for r in report.rows),
                              last_year_net_fen=sum(r.last_year_net_fen or 0 for r in report.rows) if last_year else None)
    return report, labels
