"""The head-office dashboard: sales, returns and net over today / 7 / 30 days, sync health, warnings.

One function, `dashboard(...)`, computes everything the console's start page shows, scoped to what
the caller may see (a store manager: their store). Sales figures come from the report rollups for
closed days and live from the sales for today (`central.reporting.rollups`), so the page costs a few
small queries whatever the history. Definitions are the sales report's (`central.reporting.sales`):
sales = what the sales took after discounts and 抹零, returns = what returns refunded, net = sales −
returns; the hour of a sale is the till's sale time in the store's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from central.auth.principal import Principal
from central.catalog.models import Product
from central.db import session_scope, utcnow
from central.finance.receivables import ageing_report
from central.inventory.models import StockLevel, StockOnHand
from central.org.models import Store, Terminal, Warehouse
from central.reporting import rollups
from central.review.models import ReviewFlag
from central.syncing.models import SyncQuarantine, TerminalContact

PERIODS: dict[str, int] = {"today": 1, "7d": 7, "30d": 30}
"""Dashboard periods: days ending today (store-local)."""
STALE_AFTER = timedelta(hours=1)
"""A terminal not heard from for this long is shown as out of touch."""
TOP = 10


@dataclass(frozen=True)
class StoreRef:
    id: int
    code: str
    name: str


@dataclass
class Totals:
    sales_count: int = 0
    sales_fen: int = 0
    gross_fen: int = 0
    discount_fen: int = 0
    returns_count: int = 0
    returns_fen: int = 0
    member_count: int = 0
    member_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.sales_fen - self.returns_fen

    @property
    def average_ticket_fen(self) -> int | None:
        return self.sales_fen // self.sales_count if self.sales_count else None

    @classmethod
    def of(cls, rows: list[dict[str, Any]]) -> Totals:
        """The sum of rows of `rollups.hour_rows` (a tight loop: a month of ten stores is ~10,000 rows)."""
        sums = [0] * len(_FIELDS)
        for row in rows:
            for i, name in enumerate(_FIELDS):
                sums[i] += row[name]
        return cls(*(int(v) for v in sums))


_FIELDS = ("sales_count", "sales_fen", "gross_fen", "discount_fen", "returns_count", "returns_fen", "member_count",
           "member_fen")
"""Totals' fields in declaration order (what `Totals.of` sums)."""


@dataclass(frozen=True)
class TopProduct:
    product_id: int
    sku: str
    name: str
    qty_m: int
    net_fen: int


@dataclass(frozen=True)
class TerminalHealth:
    terminal_id: int
    code: str
    name: str | None
    store_code: str
    kind: str
    last_contact_at: datetime | None
    last_push_at: datetime | None
    client_version: str | None
    pending_events: int | None
    quarantined: int
    flags: int
    stale: bool


@dataclass(frozen=True)
class StockWarning:
    warehouse_code: str
    product_id: int
    sku: str
    name: str
    qty_m: int
    min_m: int
    """The warehouse's minimum for the product (0 when none is set)."""


@dataclass(frozen=True)
class Overdue:
    customer_id: int
    code: str
    name: str
    overdue_fen: int
    balance_fen: int


@dataclass
class Dashboard:
    period: str
    date_from: date
    date_to: date
    today: date
    stores: list[StoreRef]
    store_id: int | None
    totals: Totals
    previous: Totals
    """The same number of days just before, for comparison."""
    by_store: list[tuple[StoreRef, Totals]]
    trend: list[tuple[str, Totals]]
    """By hour for today, by day otherwise."""
    by_hour: list[tuple[int, Totals]]
    tenders: list[tuple[str, int, int]]
    top_products: list[TopProduct]
    terminals: list[TerminalHealth] = field(default_factory=list)
    open_quarantine: int = 0
    open_flags: int = 0
    stock_warnings: list[StockWarning] = field(default_factory=list)
    stock_warning_count: int = 0
    overdue: list[Overdue] = field(default_factory=list)
    overdue_total_fen: int = 0


def visible_stores(session: Session, who: Principal) -> list[StoreRef]:
    stmt = select(Store.id, Store.code, Store.name).where(Store.active).order_by(Store.code)
    if who.store_id is not None:
        stmt = stmt.where(Store.id == who.store_id)
    return [StoreRef(i, c, n) for i, c, n in session.execute(stmt)]


def _store_ids(stores: Sequence[StoreRef], store_id: int | None, who: Principal) -> list[int]:
    if store_id is not None:
        who.check_store(store_id)
        return [store_id]
    return [s.id for s in stores]


def _totals(rows: list[dict[str, Any]]) -> Totals:
    return Totals.of(rows)


def sales_part(session: Session, *, stores: list[StoreRef], store_ids: list[int], days: int, today: date,
               period: str) -> dict[str, Any]:
    """The sales half of the dashboard (rollups must be current for the period and the one before)."""
    date_from = today - timedelta(days=days - 1)
    rows = rollups.hour_rows(session, date_from, today, store_ids, today)
    before = rollups.hour_rows(session, date_from - timedelta(days=days), date_from - timedelta(days=1),
                               store_ids, today)
    by_store_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_hour_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_day_rows: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_store_rows[r["store_id"]].append(r)
        by_hour_rows[r["hour"]].append(r)
        by_day_rows[r["business_date"]].append(r)
    shown = [s for s in stores if s.id in store_ids]
    by_store = [(s, _totals(by_store_rows.get(s.id, []))) for s in shown]
    by_hour = [(h, _totals(by_hour_rows.get(h, []))) for h in range(24)]
    if period == "today":
        trend = [(f"{h:02d}:00", t) for h, t in by_hour]
    else:
        trend = [((date_from + timedelta(days=i)).strftime("%m-%d"),
                  _totals(by_day_rows.get(date_from + timedelta(days=i), []))) for i in range(days)]
    tenders = sorted(((k, v[0], v[1]) for k, v in rollups.tender_rows(session, date_from, today, store_ids,
                                                                       today).items()), key=lambda x: -x[1])
    facts = rollups.product_facts(date_from, today, store_ids, today)
    net = func.sum(facts.c.net_fen) - func.sum(facts.c.returned_fen)
    top = session.execute(select(facts.c.product_id, (func.sum(facts.c.qty_m) - func.sum(facts.c.returned_qty_m)),
                                 net).group_by(facts.c.product_id).order_by(net.desc(), facts.c.product_id)
                          .limit(TOP)).all()
    names = {p.id: p for p in session.execute(select(Product.id, Product.sku, Product.name)
                                              .where(Product.id.in_([r[0] for r in top])))}
    return {"date_from": date_from, "totals": _totals(rows), "previous": _totals(before), "by_store": by_store,
            "trend": trend, "by_hour": by_hour, "tenders": tenders,
            "top_products": [TopProduct(pid, names[pid].sku if pid in names else str(pid),
                                        names[pid].name if pid in names else str(pid), int(q or 0), int(n or 0))
                             for pid, q, n in top]}


def sync_health(session: Session, store_ids: list[int], now: datetime) -> tuple[list[TerminalHealth], int, int]:
    """Every active terminal of these stores with its last contact, and the open quarantine and flags."""
    quarantined = dict(session.execute(
        select(SyncQuarantine.terminal_id, func.count()).where(SyncQuarantine.resolved_at.is_(None),
                                                              SyncQuarantine.store_id.in_(store_ids))
        .group_by(SyncQuarantine.terminal_id)).all())
    flags = dict(session.execute(
        select(ReviewFlag.terminal_id, func.count()).where(ReviewFlag.status == "open",
                                                          ReviewFlag.store_id.in_(store_ids))
        .group_by(ReviewFlag.terminal_id)).all())
    rows = session.execute(
        select(Terminal.id, Terminal.code, Terminal.name, Store.code, Terminal.kind, TerminalContact.last_contact_at,
               TerminalContact.last_push_at, TerminalContact.client_version, TerminalContact.pending_events)
        .join(Store, Store.id == Terminal.store_id)
        .outerjoin(TerminalContact, TerminalContact.terminal_id == Terminal.id)
        .where(Terminal.revoked_at.is_(None), Terminal.store_id.in_(store_ids))
        .order_by(Store.code, Terminal.code)).all()
    terminals = [TerminalHealth(
        terminal_id=r[0], code=r[1], name=r[2], store_code=r[3], kind=r[4], last_contact_at=r[5], last_push_at=r[6],
        client_version=r[7], pending_events=r[8], quarantined=int(quarantined.get(r[0], 0)),
        flags=int(flags.get(r[0], 0)), stale=r[5] is None or now - r[5] > STALE_AFTER) for r in rows]
    open_q = int(session.scalar(select(func.count()).select_from(SyncQuarantine).where(
        SyncQuarantine.resolved_at.is_(None), SyncQuarantine.store_id.in_(store_ids))) or 0)
    open_f = int(session.scalar(select(func.count()).select_from(ReviewFlag).where(
        ReviewFlag.status == "open", ReviewFlag.store_id.in_(store_ids))) or 0)
    return terminals, open_q, open_f


def stock_warnings(session: Session, store_ids: list[int], *, include_central: bool,
                   limit: int = TOP) -> tuple[list[StockWarning], int]:
    """Products below their minimum (库存下限, `stock_levels`) in these stores' warehouses (and the central
    ones for head office), most short first; a product without a minimum counts 0 as its minimum, so
    stock below zero (more sold than ever received) is always a warning. Two indexed reads: the
    levels set, and the on-hand rows below zero."""
    where: ColumnElement[bool] = Warehouse.store_id.in_(store_ids)
    if include_central:
        where = or_(where, Warehouse.store_id.is_(None))
    on_hand = func.coalesce(StockOnHand.qty_m, 0)
    below_min = (select(Warehouse.code.label("wh"), Product.id.label("pid"), Product.sku.label("sku"),
                        Product.name.label("name"), on_hand.label("qty"), StockLevel.min_m.label("min_m"))
                 .select_from(StockLevel)
                 .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
                 .join(Product, Product.id == StockLevel.product_id)
                 .outerjoin(StockOnHand, (StockOnHand.warehouse_id == StockLevel.warehouse_id)
                            & (StockOnHand.product_id == StockLevel.product_id))
                 .where(where, on_hand < StockLevel.min_m))
    has_level = (select(StockLevel.product_id).where(StockLevel.warehouse_id == StockOnHand.warehouse_id,
                                                     StockLevel.product_id == StockOnHand.product_id).exists())
    negative = (select(Warehouse.code, Product.id, Product.sku, Product.name, StockOnHand.qty_m, literal(0))
                .select_from(StockOnHand)
                .join(Warehouse, Warehouse.id == StockOnHand.warehouse_id)
                .join(Product, Product.id == StockOnHand.product_id)
                .where(where, StockOnHand.qty_m < 0, ~has_level))
    both = union_all(below_min, negative).subquery()
    count = int(session.scalar(select(func.count()).select_from(both)) or 0)
    rows = session.execute(select(both).order_by((both.c.min_m - both.c.qty).desc(), both.c.sku).limit(limit)).all()
    return [StockWarning(warehouse_code=r.wh, product_id=r.pid, sku=r.sku, name=r.name, qty_m=int(r.qty),
                         min_m=int(r.min_m)) for r in rows], count


def overdue_receivables(session: Session, today: date, rep_id: int | None = None,
                        limit: int = TOP) -> tuple[list[Overdue], int]:
    aged = [a for a in ageing_report(session, as_of=today, rep_id=rep_id) if a.ageing.overdue_fen > 0]
    aged.sort(key=lambda a: -a.ageing.overdue_fen)
    return ([Overdue(a.customer_id, a.code, a.name, a.ageing.overdue_fen, a.ageing.balance_fen) for a in aged[:limit]],
            sum(a.ageing.overdue_fen for a in aged))


def dashboard(engine: Engine, who: Principal, *, period: str = "today", store_id: int | None = None,
              with_receivables: bool = False, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows, for what `who` may see. Brings the rollups up to date first
    (their own short write transaction), then reads in a transaction of its own that starts after
    it, so the rollups just built are visible (a reader's snapshot would not see them on SQLite)."""
    now = now or utcnow()
    days = PERIODS.get(period, 1)
    period = period if period in PERIODS else "today"
    today = rollups.store_today(now)
    rollups.refresh(engine, today - timedelta(days=2 * days - 1), today, now=now)
    with session_scope(engine, write=False) as session:
        stores = visible_stores(session, who)
        store_ids = _store_ids(stores, store_id, who)
        part = sales_part(session, stores=stores, store_ids=store_ids, days=days, today=today, period=period)
        terminals, open_q, open_f = sync_health(session, store_ids, now)
        warnings, warning_count = stock_warnings(session, store_ids, include_central=who.store_id is None)
        overdue: list[Overdue] = []
        overdue_total = 0
        if with_receivables:
            overdue, overdue_total = overdue_receivables(session, today, rep_id=who.rep_id)
    return Dashboard(period=period, date_from=part["date_from"], date_to=today, today=today, stores=stores,
                     store_id=store_id, totals=part["totals"], previous=part["previous"], by_store=part["by_store"],
                     trend=part["trend"], by_hour=part["by_hour"], tenders=part["tenders"],
                     top_products=part["top_products"], terminals=terminals, open_quarantine=open_q,
                     open_flags=open_f, stock_warnings=warnings, stock_warning_count=warning_count,
                     overdue=overdue, overdue_total_fen=overdue_total)
