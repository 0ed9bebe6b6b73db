"""Sales orders at central: taking them in, the credit check, the approval queue.

Every order, from a tablet or entered at head office, goes through `take_order`: central checks it
with `sync.field.check_order` over what *it* knows (the receivable balance, other open orders, open
items, floor prices, the store's policy) and holds it or approves it; the tablet's own verdict is
kept beside, never used. Approving makes the delivery notes (`central.orders.delivery`).
Services take an open session, flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.catalog.models import Product, ProductUnit
from central.customers.models import Customer
from central.db import utcnow
from central.errors import Conflict, Invalid, not_found
from central.finance.receivables import balance_of, open_charges
from central.inventory.quantities import from_milli
from central.orders.models import SalesOrder, SalesOrderEvent, SalesOrderLine
from central.org.models import Store, Warehouse
from central.pricing.models import FloorPrice
from central.sales.errors import InconsistentDocument
from central.syncing import feed
from sync.field import (
    COMMITTED_ORDER_STATUSES,
    CreditPolicy,
    CreditState,
    CustomerStatus,
    HoldReason,
    OpenItem,
    OrderLineCheck,
    OrderStatus,
    Verdict,
    check_order,
    hold_message,
)
from sync.master import Entity
from sync.quantity import to_milli
from sync.store_time import business_date

S = OrderStatus


@dataclass(frozen=True)
class LineIn:
    """An order line as it arrives (tablet event or head office's priced line)."""

    product_id: int
    unit_code: str
    unit_factor: int
    qty: Decimal
    unit_price_fen: int
    amount_fen: int
    sku: str = ""
    name: str = ""
    is_gift: bool = False
    discount_fen: int = 0
    promotion_ids: tuple[int, ...] = ()


@dataclass
class OrderIn:
    """Everything `take_order` needs; `claimed_*` is the tablet's verdict (kept, not used)."""

    id: str
    order_no: str
    source: str
    store_id: int
    customer: Customer
    lines: Sequence[LineIn]
    total_fen: int
    ordered_at: datetime
    received_at: datetime
    on_credit: bool = True
    rep_id: int | None = None
    terminal_id: int | None = None
    created_by: int | None = None
    requested_date: date | None = None
    warehouse_id: int | None = None
    claimed_held: bool = False
    claimed_hold_reasons: Sequence[str] = ()
    note: str | None = None
    visit_id: str | None = None
    price_version: int = 0
    refuse_when_failing: bool = False
    """Head office under a `block` store policy: refuse (422) instead of holding."""
    extra: dict[str, Any] = field(default_factory=dict)


def log(session: Session, order: SalesOrder, action: str, *, user_id: int | None = None,
        terminal_id: int | None = None, note: str | None = None, detail: dict[str, Any] | None = None,
        at: datetime | None = None) -> None:
    """Append to the order's history (what happened, who, why)."""
    session.add(SalesOrderEvent(order_id=order.id, at=at or utcnow(), action=action, status=order.status,
                                user_id=user_id, terminal_id=terminal_id, note=note, detail=detail))


def take_order(session: Session, data: OrderIn) -> SalesOrder:
    """Record an order, check it, and hold or approve it (approved: its delivery notes are made).

    Raises before writing anything when the order itself is wrong (unknown product, lines that do
    not add up, a clash of id or number); a failing credit check holds it (or, for head office
    under a `block` policy, refuses it)."""
    from central.orders import delivery

    lines = _checked_lines(session, data)
    clash = session.execute(select(SalesOrder.id).where(
        (SalesOrder.id == data.id) | (SalesOrder.order_no == data.order_no))).first()
    if clash is not None:
        raise Conflict(f"订单已存在：{data.order_no}", f"order already recorded: {data.order_no}",
                       code="duplicate_document", field="order_id")
    store = session.get(Store, data.store_id)
    if store is None:
        raise not_found("门店", "store", "store_id", data.store_id)
    if data.warehouse_id is not None:
        wh = session.get(Warehouse, data.warehouse_id)
        if wh is None or not wh.active or wh.store_id not in (None, data.store_id):
            raise Invalid("不能从这个仓库发货", "this warehouse cannot ship the order", code="warehouse_not_eligible",
                          field="warehouse_id")
    order = SalesOrder(
        id=data.id, order_no=data.order_no, source=data.source, store_id=data.store_id, customer_id=data.customer.id,
        rep_id=data.rep_id, terminal_id=data.terminal_id, created_by=data.created_by, ordered_at=data.ordered_at,
        received_at=data.received_at, business_date=business_date(data.ordered_at),
        requested_date=data.requested_date, warehouse_id=data.warehouse_id, on_credit=data.on_credit,
        status=S.SUBMITTED.value, total_fen=data.total_fen, original_total_fen=data.total_fen, hold_reasons=[],
        hold_details={}, held_on_receipt=False, claimed_held=data.claimed_held,
        claimed_hold_reasons=list(data.claimed_hold_reasons), delivered_fen=0, returned_fen=0,
        visit_id=data.visit_id, price_version=data.price_version, note=data.note, updated_at=data.received_at)
    session.add(order)
    session.flush()
    session.add_all([SalesOrderLine(
        order_id=order.id, line_no=i, product_id=ln.product_id, sku=ln.sku, name=ln.name, unit_code=ln.unit_code,
        unit_factor=ln.unit_factor, original_qty_m=to_milli(ln.qty), qty_m=to_milli(ln.qty), delivered_qty_m=0,
        returned_qty_m=0, cancelled_qty_m=0, unit_price_fen=ln.unit_price_fen, original_amount_fen=ln.amount_fen,
        amount_fen=ln.amount_fen, discount_fen=ln.discount_fen, is_gift=ln.is_gift,
        promotion_ids=list(ln.promotion_ids)) for i, ln in enumerate(data.lines, start=1)])
    session.flush()
    verdict = verdict_for(session, order, extra_reasons=lines.extra_reasons, at=data.received_at)
    log(session, order, "received", user_id=data.created_by, terminal_id=data.terminal_id, at=data.received_at,
        detail={"claimed_hold_reasons": list(data.claimed_hold_reasons)} if data.claimed_held else None)
    if verdict.held:
        if data.refuse_when_failing and store.credit_policy == CreditPolicy.BLOCK:
            zh, en = hold_message(verdict.reasons)
            raise Invalid(f"订单未通过信用检查：{zh}", f"the order fails the credit check: {en}",
                          code="credit_check_failed", field="lines")
        _hold(order, verdict)
        order.held_on_receipt = True
        log(session, order, "held", terminal_id=data.terminal_id, at=data.received_at,
            note=hold_message(verdict.reasons)[0], detail=verdict.details or None)
    else:
        order.status = S.APPROVED.value
        order.decided_at = data.received_at
        log(session, order, "approved", note="自动通过信用检查 / passed the credit check", at=data.received_at)
        delivery.make_delivery_notes(session, order)
    session.flush()
    return order


@dataclass
class _Checked:
    extra_reasons: list[HoldReason]


def _checked_lines(session: Session, data: OrderIn) -> _Checked:
    """Lines must name known products, add up to the total and be positive; a unit central does not
    know (or knows with another factor) holds the order instead (head office changed the catalog)."""
    if not data.lines:
        raise Invalid("订单没有明细行", "the order has no lines", code="no_lines", field="lines")
    if sum(ln.amount_fen for ln in data.lines) != data.total_fen:
        raise InconsistentDocument("订单行金额合计不等于订单合计", "order lines do not add up to the total",
                                   field="total_fen")
    wanted = {ln.product_id for ln in data.lines}
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}
    if wanted - set(products):
        raise not_found("商品", "product", "lines.product_id", min(wanted - set(products)))
    units = {(u.product_id, u.code): u.factor for u in session.scalars(
        select(ProductUnit).where(ProductUnit.product_id.in_(wanted)))}
    extra: list[HoldReason] = []
    for i, ln in enumerate(data.lines):
        if ln.qty <= 0:
            raise InconsistentDocument("订单数量必须大于零", "order quantities must be positive",
                                       field=f"lines.{i}.qty")
        if ln.is_gift and ln.amount_fen != 0:
            raise InconsistentDocument("赠品行金额必须为零", "a gift line's amount must be 0",
                                       field=f"lines.{i}.amount_fen")
        if not products[ln.product_id].weighed and ln.qty != ln.qty.to_integral_value():
            raise Invalid(f"{products[ln.product_id].name} 按件计数，数量必须是整数",
                          f"{products[ln.product_id].sku} is counted in pieces: whole numbers only",
                          code="qty", field=f"lines.{i}.qty")
        if units.get((ln.product_id, ln.unit_code)) != ln.unit_factor and HoldReason.CATALOG_CHANGED not in extra:
            extra.append(HoldReason.CATALOG_CHANGED)
    if not data.customer.active:
        extra.append(HoldReason.CUSTOMER_INACTIVE)
    return _Checked(extra)


def open_orders_fen(session: Session, customer_id: int, *, exclude: str | None = None,
                    only: str | None = None) -> int:
    """Undelivered value of the customer's approved orders (what they will owe when delivered);
    `only`: of that one order, whatever its status."""
    stmt = (select(SalesOrderLine.amount_fen, SalesOrderLine.qty_m, SalesOrderLine.delivered_qty_m,
                   SalesOrderLine.cancelled_qty_m)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(SalesOrder.customer_id == customer_id))
    if only is not None:
        stmt = stmt.where(SalesOrder.id == only)
    else:
        stmt = stmt.where(SalesOrder.status.in_([s.value for s in COMMITTED_ORDER_STATUSES]))
    if exclude is not None:
        stmt = stmt.where(SalesOrder.id != exclude)
    total = 0
    for amount, qty, delivered, cancelled in session.execute(stmt):
        if qty > 0:
            total += amount - share(amount, qty, delivered + cancelled)
    return total


def share(amount_fen: int, qty_m: int, part_m: int) -> int:
    """The money of `part_m` out of a line of `qty_m` worth `amount_fen`, floored; cumulative
    shares (share(a, q, x + y) − share(a, q, x)) add up to the whole line exactly."""
    if qty_m <= 0:
        return 0
    return amount_fen * min(part_m, qty_m) // qty_m


def credit_state(session: Session, customer: Customer, *, exclude_order: str | None = None) -> CreditState:
    items = tuple(OpenItem(doc_no=c.doc_no or str(c.entry_id), doc_date=c.doc_date,
                           due_date=c.due_date or c.doc_date, open_fen=c.open_fen)
                  for c in open_charges(session, customer.id))
    return CreditState(credit_limit_fen=customer.credit_limit_fen, balance_fen=balance_of(session, customer.id),
                       advances_fen=advances_of(session, customer.id),
                       open_orders_fen=open_orders_fen(session, customer.id, exclude=exclude_order),
                       open_items=items, pending=customer.status == CustomerStatus.PENDING)


def advances_of(session: Session, customer_id: int) -> int:
    """Money collected from the customer that nothing was open for yet (预收)."""
    from central.field.models import Collection

    return int(session.scalar(select(func.coalesce(func.sum(Collection.unapplied_fen), 0)).where(
        Collection.customer_id == customer_id, Collection.unapplied_fen > 0)) or 0)


def verdict_for(session: Session, order: SalesOrder, *, extra_reasons: Sequence[HoldReason] = (),
                at: datetime | None = None) -> Verdict:
    """Central's check of the order over central's data (`sync.field.check_order`)."""
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    store = session.get(Store, order.store_id)
    assert store is not None
    lines = session.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)
                            .order_by(SalesOrderLine.line_no)).all()
    floors = {(f.product_id, f.unit_code): f.price_fen for f in session.scalars(
        select(FloorPrice).where(FloorPrice.product_id.in_({ln.product_id for ln in lines})))}
    verdict = check_order(
        total_fen=order.total_fen, on_credit=order.on_credit,
        lines=[OrderLineCheck(ln.product_id, ln.unit_code, from_milli(ln.qty_m), ln.amount_fen, ln.is_gift)
               for ln in lines if ln.qty_m > 0],
        credit=credit_state(session, customer, exclude_order=order.id), floor_prices=floors,
        allowed_overdue_days=store.allowed_overdue_days, today=business_date(at or utcnow()))
    if extra_reasons:
        return Verdict(tuple(verdict.reasons) + tuple(extra_reasons), verdict.details)
    return verdict


def _hold(order: SalesOrder, verdict: Verdict) -> None:
    order.status = S.HELD.value
    order.hold_reasons = [r.value for r in verdict.reasons]
    order.hold_details = dict(verdict.details)


def get_order(session: Session, key: str, *, lock: bool = False) -> SalesOrder:
    """The order by id or by order number (locked for update when it will change)."""
    stmt = select(SalesOrder).where((SalesOrder.id == key) | (SalesOrder.order_no == key))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    order = session.scalars(stmt).first()
    if order is None:
        raise not_found("订单", "order", "order_id", key)
    return order


def _require(order: SalesOrder, *allowed: OrderStatus, doing: tuple[str, str]) -> None:
    if order.status not in {s.value for s in allowed}:
        raise Conflict(f"订单 {order.order_no} 当前状态为 {order.status}，不能{doing[0]}",
                       f"order {order.order_no} is {order.status}: cannot {doing[1]}",
                       code="order_state", field="status")


def approve(session: Session, order: SalesOrder, *, user_id: int | None, note: str | None = None) -> SalesOrder:
    """Head office approves a held order (whatever its reasons): its delivery notes are made."""
    from central.orders import delivery

    _require(order, S.HELD, S.SUBMITTED, doing=("审批", "approve it"))
    now = utcnow()
    order.status, order.decided_by, order.decided_at = S.APPROVED.value, user_id, now
    log(session, order, "approved", user_id=user_id, note=note,
        detail={"overridden_hold_reasons": list(order.hold_reasons)} if order.hold_reasons else None)
    delivery.make_delivery_notes(session, order)
    touch(session, order)
    session.flush()
    return order


def reject(session: Session, order: SalesOrder, *, user_id: int | None, reason: str) -> SalesOrder:
    _require(order, S.HELD, S.SUBMITTED, doing=("驳回", "reject it"))
    if not reason.strip():
        raise Invalid("驳回必须填写原因", "a rejection needs a reason", code="reason_required", field="reason")
    order.status, order.decided_by, order.decided_at, order.reject_reason = S.REJECTED.value, user_id, utcnow(), reason
    log(session, order, "rejected", user_id=user_id, note=reason)
    touch(session, order)
    session.flush()
    return order


def edit_quantities(session: Session, order: SalesOrder, changes: dict[int, Decimal], *, user_id: int | None,
                    note: str | None = None) -> SalesOrder:
    """Head office changes ordered quantities of a held order (0 drops a line); each line's amount
    scales with it from what the rep priced. The check runs again; the order stays held."""
    _require(order, S.HELD, S.SUBMITTED, doing=("修改数量", "edit its quantities"))
    lines = {ln.line_no: ln for ln in session.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id))}
    before = {}
    for line_no, qty in changes.items():
        ln = lines.get(line_no)
        if ln is None:
            raise not_found("订单行", "order line", "lines.line_no", line_no)
        if qty < 0:
            raise Invalid("数量不能小于零", "quantity may not be negative", code="qty", field="lines.qty")
        product = session.get(Product, ln.product_id)
        if product is not None and not product.weighed and qty != qty.to_integral_value():
            raise Invalid("按件计数，数量必须是整数", "counted in pieces: whole numbers only", code="qty",
                          field="lines.qty")
        new_m = to_milli(qty)
        before[line_no] = str(from_milli(ln.qty_m))
        ln.qty_m = new_m
        ln.amount_fen = share(ln.original_amount_fen, ln.original_qty_m, new_m) if new_m <= ln.original_qty_m \
            else ln.original_amount_fen * new_m // ln.original_qty_m
    if not any(ln.qty_m > 0 for ln in lines.values()):
        raise Invalid("订单至少要保留一行（要取消整单请驳回）", "keep at least one line (reject the order to drop it)",
                      code="no_lines", field="lines")
    order.total_fen = sum(ln.amount_fen for ln in lines.values())
    session.flush()
    verdict = verdict_for(session, order)
    order.hold_reasons = [r.value for r in verdict.reasons]
    order.hold_details = dict(verdict.details)
    order.status = S.HELD.value
    log(session, order, "edited", user_id=user_id, note=note,
        detail={"before": before, "after": {str(k): str(v) for k, v in changes.items()},
                "total_fen": order.total_fen})
    touch(session, order)
    session.flush()
    return order


def touch(session: Session, order: SalesOrder) -> None:
    """Rewrite the order's feed rows (and its customer's, its rep's target) at commit, also when only
    lines or notes changed (those are tracked, but a status set by Core would not be)."""
    order.updated_at = utcnow()
    feed.touch(session, Entity.SALES_ORDER.value, [order.id])


def next_number(session: Session, prefix: str, counter: str) -> str:
    """A head-office document number: prefix + date + a business-wide sequence."""
    n = feed.allocate(session, 1, counter)
    return f"{prefix}{business_date(utcnow()):%Y%m%d}{n:05d}"


def rep_month_achieved(session: Session, rep_id: int, month: str) -> tuple[int, int, int]:
    """(ordered, delivered, orders) of a rep's orders in a month (YYYY-MM), not rejected or cancelled."""
    year, mon = (int(x) for x in month.split("-"))
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    row = session.execute(
        select(func.coalesce(func.sum(SalesOrder.total_fen), 0), func.coalesce(func.sum(SalesOrder.delivered_fen), 0),
               func.count())
        .where(SalesOrder.rep_id == rep_id, SalesOrder.business_date >= first, SalesOrder.business_date < nxt,
               SalesOrder.status.not_in([S.REJECTED.value, S.CANCELLED.value]))).one()
    return int(row[0]), int(row[1]), int(row[2])
