"""Weeks of demo trading: tills that sold, took returns and closed shifts, pushed through the real ingest.

`pos-central demo --history-days N` adds this to the demo business, so the console's dashboard,
reports, shift lists and member ledgers have something true to show. Nothing is written around the
product's rules: each store gets two enrolled POS terminals (the enrolment service), every cart is
priced by `sync.pricing.price_cart` over central's own data (as a till would), and every sale,
return and shift event goes through `central.syncing.ingest.push` in batches, as a till's push does
(stock, points, shift figures and the event log move exactly as in production).

Shoppers are plausible: busier at lunch and after work and at weekends, baskets of 1–6 products
drawn with a long tail (a few products sell a lot), about a third of sales to members, cash and
the two QR wallets most, a few returns, and the odd cash drawer that is ¥1–5 out at closing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, func, select

from central.auth.roles import DeviceKind, Role
from central.catalog.models import Product, ProductUnit
from central.db import session_scope
from central.inventory.ledger import Movement, post_movements
from central.inventory.models import StockMovement, StockOnHand
from central.members.models import Member
from central.org.models import Store
from central.org.service import default_warehouse_id, enroll, make_enrolment_code
from central.pricing.quote import build_context
from central.sales.models import Sale
from central.syncing.contacts import record_contact
from central.syncing.ingest import DeviceScope, push
from central.users.models import User
from sync.catalog import MemberRef
from sync.events import (
    PaymentPayload,
    ReturnLinePayload,
    SaleCompleted,
    SaleReturned,
    ShiftClosed,
    ShiftOpened,
    Tender,
    make_event,
    uuid7,
)
from sync.pricing import Cart, CartLine, PricedCart, PricingContext, price_cart
from sync.protocol import PROTOCOL_VERSION, PushRequest
from sync.store_time import STORE_TZ

TERMINALS_PER_STORE = 2
POOL_SIZE = 400
"""Products a store's shoppers pick from (the long tail beyond them rarely sells in weeks)."""
BATCH = 400
HOURLY_WEIGHT = [0, 0, 0, 0, 0, 0, 0, 1, 3, 4, 4, 5, 8, 7, 4, 3, 4, 6, 9, 8, 6, 4, 2, 0]
"""How busy each local hour is (lunch and after-work peaks); the stores open 07:00–23:00."""
TENDERS = [(Tender.WECHAT, 38), (Tender.ALIPAY, 24), (Tender.CASH, 28), (Tender.BANK_CARD, 10)]
OPENING_FLOAT_FEN = 50_000


@dataclass
class HistorySummary:
    created: bool
    sales: int = 0
    returns: int = 0
    shifts: int = 0
    terminals: int = 0
    results: dict[str, int] = field(default_factory=dict)


@dataclass
class _Till:
    terminal_id: int
    code: str
    store_id: int
    cashier_id: int
    seq: int = 0
    receipt_n: int = 0
    return_n: int = 0
    events: list[Any] = field(default_factory=list)

    def add(self, payload: BaseModel, at: datetime) -> None:
        self.seq += 1
        self.events.append(make_event(terminal_id=self.terminal_id, seq=self.seq, payload=payload, occurred_at=at))


def _local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=STORE_TZ).astimezone(UTC)


def _zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank ** 1.05) for rank in range(1, n + 1)]


def _enrol_tills(session: Any, stores: list[Store], now: datetime) -> list[_Till]:
    tills = []
    for store in stores:
        cashiers = list(session.scalars(select(User.id).where(User.store_id == store.id, User.role == Role.CASHIER,
                                                              User.active).order_by(User.id)))
        if not cashiers:
            continue
        for n in range(TERMINALS_PER_STORE):
            code, _row = make_enrolment_code(session, store_id=store.id, kind=DeviceKind.POS, now=now)
            terminal, _secret = enroll(session, code=code, name=f"演示收银机 {n + 1}", nonce=uuid7() + uuid7(), now=now)
            tills.append(_Till(terminal_id=terminal.id, code=terminal.code, store_id=store.id,
                               cashier_id=cashiers[n % len(cashiers)]))
    return tills


def _payments(rng: random.Random, total: int) -> tuple[list[PaymentPayload], int]:
    if total == 0:
        return [], 0
    tender = rng.choices([t for t, _ in TENDERS], weights=[w for _, w in TENDERS])[0]
    if tender is not Tender.CASH:
        return [PaymentPayload(tender=tender, amount_fen=total, reference=f"DEMO{rng.randrange(10**12):012d}")], 0
    step = rng.choice([1000, 5000, 10000]) if total > 1000 else 1000
    tendered = -(-total // step) * step
    return [PaymentPayload(tender=Tender.CASH, amount_fen=total, tendered_fen=tendered)], tendered - total


def _sale(rng: random.Random, till: _Till, ctx: PricingContext, pool: list[tuple[int, str]], weights: list[float],
          members: list[tuple[str, str]], at: datetime, shift_id: str) -> tuple[SaleCompleted, PricedCart] | None:
    picks = rng.choices(range(len(pool)), weights=weights, k=rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6]))
    lines, seen = [], set()
    for i in picks:
        if i in seen:
            continue
        seen.add(i)
        pid, unit = pool[i]
        lines.append(CartLine(product_id=pid, unit_code=unit, qty=rng.choice([1, 1, 1, 1, 2, 2, 3])))
    member = None
    if members and rng.random() < 0.36:
        mid, level = rng.choice(members)
        member = MemberRef(member_id=mid, level=level)
    priced = price_cart(Cart(lines=tuple(lines), member=member), ctx.at_time(at))
    if priced.total_fen <= 0:
        return None
    payments, change = _payments(rng, priced.total_fen)
    till.receipt_n += 1
    sale = SaleCompleted.model_validate({
        "sale_id": uuid7(), "receipt_no": f"{till.code}-{till.receipt_n:06d}", "store_id": till.store_id,
        "terminal_id": till.terminal_id, "shift_id": shift_id, "cashier_id": till.cashier_id,
        "member_id": member.member_id if member else None, "member_level": member.level if member else None,
        "sold_at": at, "lines": [ln.to_payload_dict() for ln in priced.lines], "payments": payments,
        "subtotal_fen": priced.subtotal_fen, "discount_fen": priced.discount_fen, "rounding_fen": priced.rounding_fen,
        "total_fen": priced.total_fen, "change_fen": change, "tax_fen": priced.tax_fen,
        "points_earned": priced.points_earned, "points_redeemed": 0, "promotion_ids": list(priced.promotion_ids)})
    return sale, priced


def _return_of(till: _Till, sale: SaleCompleted, at: datetime, shift_id: str) -> SaleReturned | None:
    """A whole line brought back (the first sold line that is not a gift) on a sale without a member."""
    line = next((ln for ln in sale.lines if not ln.is_gift and ln.amount_fen > 0), None)
    if line is None or sale.member_id is not None:
        return None
    tender = sale.payments[0].tender if sale.payments else Tender.CASH
    till.return_n += 1
    return SaleReturned(
        return_id=uuid7(), receipt_no=f"{till.code}-R{till.return_n:05d}", original_sale_id=sale.sale_id,
        original_receipt_no=sale.receipt_no, store_id=till.store_id, terminal_id=till.terminal_id,
        shift_id=shift_id, cashier_id=till.cashier_id, returned_at=at,
        lines=[ReturnLinePayload(original_line_no=line.line_no, product_id=line.product_id, sku=line.sku,
                                 unit_code=line.unit_code, unit_factor=line.unit_factor, qty=line.qty,
                                 amount_fen=line.amount_fen, tax_fen=line.tax_fen)],
        refunds=[PaymentPayload(tender=tender, amount_fen=line.amount_fen)],
        total_fen=line.amount_fen, tax_fen=line.tax_fen, reason="顾客退货 / customer returned it")


def _trading_day(rng: random.Random, till: _Till, day: date, ctx: PricingContext, pool: list[tuple[int, str]],
                 weights: list[float], members: list[tuple[str, str]], now: datetime, busy: float) -> tuple[int, int]:
    """One shift of one till on one day: open, sell, a return or two, close (unless it is still today)."""
    opened = _local(day, 7, rng.randint(0, 20))
    if opened >= now:
        return 0, 0
    shift_id = uuid7()
    till.add(ShiftOpened(shift_id=shift_id, store_id=till.store_id, terminal_id=till.terminal_id,
                         cashier_id=till.cashier_id, opened_at=opened, opening_float_fen=OPENING_FLOAT_FEN), opened)
    weekend = day.weekday() >= 5
    n_sales = int(rng.randint(28, 46) * busy * (1.35 if weekend else 1.0))
    hours = rng.choices(range(24), weights=HOURLY_WEIGHT, k=n_sales)
    times = sorted(_local(day, h, rng.randint(0, 59), rng.randint(0, 59)) for h in hours)
    cash_in = cash_out = 0
    by_tender: dict[str, int] = defaultdict(int)
    sold: list[SaleCompleted] = []
    returned: set[str] = set()
    n_returns = 0
    for at in times:
        if at >= now - timedelta(minutes=2):
            break
        made = _sale(rng, till, ctx, pool, weights, members, at, shift_id)
        if made is None:
            continue
        sale, _priced = made
        till.add(sale, at)
        sold.append(sale)
        for p in sale.payments:
            by_tender[p.tender.value] += p.amount_fen
            if p.tender is Tender.CASH:
                cash_in += p.amount_fen
        if len(sold) > 5 and rng.random() < 0.02:
            back = at + timedelta(minutes=rng.randint(3, 40))
            original = rng.choice(sold[:-1])
            ret = _return_of(till, original, back, shift_id) if back < now and original.sale_id not in returned else None
            if ret is not None:
                returned.add(original.sale_id)
                till.add(ret, back)
                n_returns += 1
                for r in ret.refunds:
                    by_tender[r.tender.value] -= r.amount_fen
                    if r.tender is Tender.CASH:
                        cash_out += r.amount_fen
    closed = _local(day, 22, rng.randint(30, 59))
    if closed < now:
        expected = OPENING_FLOAT_FEN + cash_in - cash_out
        off = rng.choice([0] * 12 + [-500, -200, -100, 100, 300])
        till.add(ShiftClosed(shift_id=shift_id, store_id=till.store_id, terminal_id=till.terminal_id,
                             cashier_id=till.cashier_id, closed_at=closed, counted_cash_fen=max(0, expected + off),
                             expected_cash_fen=expected, sales_count=len(sold), returns_count=n_returns,
                             totals_by_tender=dict(by_tender)), closed)
    return len(sold), n_returns


def _batches(events: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(events), BATCH):
        yield events[start:start + BATCH]


def _week_of(at: datetime) -> date:
    """The Monday (store-local) of the week `at` falls in."""
    local = at.astimezone(STORE_TZ).date()
    return local - timedelta(days=local.weekday())


def _restock(session: Any, rng: random.Random, warehouse_id: int, week: date, events: list[Any],
             costs: dict[int, int | None], start: datetime) -> None:
    """采购入库 at the start of a week of about what the week will sell (some products short, so the
    dashboard has a stock warning or two), posted through the stock ledger like any receipt."""
    demand: dict[int, int] = defaultdict(int)
    for env in events:
        if env.type == "sale.completed":
            for line in env.payload["lines"]:
                demand[line["product_id"]] += int(Decimal(str(line["qty"])) * 1000) * line["unit_factor"]
    doc = f"GR-DEMO-{warehouse_id:03d}-{week:%Y%m%d}"
    moves = [Movement(warehouse_id=warehouse_id, product_id=pid, kind="purchase_receipt",
                      qty_m=-(-int(qty_m * rng.choice([0.5, 0.9, 1.1, 1.2, 1.3, 1.5])) // 1000) * 1000,
                      source_type="purchase_receipt", source_id=doc, source_line=n, occurred_at=start,
                      unit_cost_fen=costs.get(pid), note="每周补货 / weekly restock")
             for n, (pid, qty_m) in enumerate(sorted(demand.items()), start=1)]
    if moves:
        post_movements(session, moves, recorded_at=start)


def seed_history(engine: Engine, *, days: int, now: datetime | None = None, seed: int = 11) -> HistorySummary:
    """Sell for the last `days` days (and today until now) at every store; nothing when sales exist."""
    now = now or datetime.now(UTC)
    today = now.astimezone(STORE_TZ).date()
    rng = random.Random(seed)
    with session_scope(engine) as session:
        if session.scalar(select(Sale.id).limit(1)) is not None:
            return HistorySummary(created=False)
        stores = list(session.scalars(select(Store).where(Store.active).order_by(Store.code)))
        tills = _enrol_tills(session, stores, now - timedelta(days=days + 1))
    summary = HistorySummary(created=True, terminals=len(tills))
    for store_index, store in enumerate(stores):
        store_tills = [t for t in tills if t.store_id == store.id]
        if not store_tills:
            continue
        with session_scope(engine, write=False) as session:
            warehouse = default_warehouse_id(session, store.id)
            assert warehouse is not None
            stocked = session.execute(
                select(Product.id, ProductUnit.price_fen).join(StockOnHand, StockOnHand.product_id == Product.id)
                .join(ProductUnit, (ProductUnit.product_id == Product.id) & (ProductUnit.factor == 1))
                .where(StockOnHand.warehouse_id == warehouse, Product.active, ~Product.weighed)
                .order_by(Product.id)).all()
            costs = dict(session.execute(
                select(StockMovement.product_id, func.max(StockMovement.unit_cost_fen))
                .where(StockMovement.warehouse_id == warehouse).group_by(StockMovement.product_id)).all())
            members = [(m.id, m.level) for m in session.execute(
                select(Member.id, Member.level).where(Member.home_store_id == store.id, Member.active))]
        # everyday goods (under ¥20) sell most: they lead the long tail, shuffled, then the rest
        store_rng = random.Random(seed * 100 + store_index)
        cheap = [pid for pid, price in stocked if price <= 2000]
        dear = [pid for pid, price in stocked if price > 2000]
        store_rng.shuffle(cheap)
        store_rng.shuffle(dear)
        pool_ids = (cheap[:POOL_SIZE * 3 // 4] + dear)[:POOL_SIZE]
        busy = (1.2, 0.9, 1.0)[store_index % 3]
        # one context per store, as a till holds it, moved to each sale's time (`at_time`): prices and
        # promotions in force are those of that moment
        with session_scope(engine, write=False) as session:
            ctx = build_context(session, store_id=store.id, at=now, product_ids=set(pool_ids))
        pool = [(pid, ctx.products[pid].units[0].code) for pid in pool_ids if pid in ctx.products]
        weights = _zipf_weights(len(pool))
        for offset in range(days, -1, -1):
            day = today - timedelta(days=offset)
            for till in store_tills:
                sales, returns = _trading_day(rng, till, day, ctx, pool, weights, members, now, busy)
                summary.sales += sales
                summary.returns += returns
                summary.shifts += 1 if sales else 0
        # week by week: the week's restock arrives, then the tills push the week's events
        weeks = sorted({_week_of(e.occurred_at) for till in store_tills for e in till.events})
        for week in weeks:
            week_events = {till.terminal_id: [e for e in till.events if _week_of(e.occurred_at) == week]
                           for till in store_tills}
            start = datetime.combine(week, time(6, 0), tzinfo=STORE_TZ).astimezone(UTC)
            with session_scope(engine) as session:
                _restock(session, rng, warehouse, week, [e for evs in week_events.values() for e in evs], costs,
                         min(start, now))
            for till in store_tills:
                for batch in _batches(week_events[till.terminal_id]):
                    received = min(now, max(e.occurred_at for e in batch) + timedelta(minutes=2))
                    with session_scope(engine) as session:
                        answer = push(session, DeviceScope(terminal_id=till.terminal_id, store_id=till.store_id),
                                      PushRequest(protocol_version=PROTOCOL_VERSION, terminal_id=till.terminal_id,
                                                  events=batch), received_at=received)
                        record_contact(session, terminal_id=till.terminal_id, kind="push", at=received,
                                       version="pos-suite 0.1.0", pending=0, address="192.168.1.2")
                        record_contact(session, terminal_id=till.terminal_id, kind="pull", at=received,
                                       version="pos-suite 0.1.0", pending=0, address="192.168.1.2")
                    for result in answer.results:
                        summary.results[result.status.value] = summary.results.get(result.status.value, 0) + 1
        for till in store_tills:
            till.events.clear()
    return summary
