"""Delivery notes (发货单): made per warehouse when an order is approved, delivered whole or in part.

Delivering a note posts the stock movements out of its warehouse and the receivable (due by the
customer's credit days, or at once for cash on delivery), and settles it with any advance the
customer paid (a collection larger than what was open). A partial delivery leaves the rest on a new
open note of the same warehouse (a backorder), which is delivered later or cancelled with a reason;
a delivered note is never changed again (returns are documents of their own: `central.orders.returns`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.catalog.models import Product
from central.customers.models import Customer
from central.db import utcnow
from central.errors import Conflict, Forbidden, Invalid, not_found
from central.finance.receivables import post_receivable
from central.inventory.ledger import Movement, NegativeStock, post_movements
from central.inventory.models import StockOnHand
from central.orders.models import (
    DeliveryNote,
    DeliveryNoteLine,
    ProductDefaultWarehouse,
    SalesOrder,
    SalesOrderLine,
)
from central.orders.service import get_order, log, share, touch
from central.orders.split import LineToShip, plan_split
from central.org.models import Warehouse
from sync.events import uuid7
from sync.field import OrderStatus
from sync.store_time import business_date

S = OrderStatus


def check_ships_from(session: Session, who: Principal | None, warehouse_id: int, *, field: str = "warehouse_id",
                     central_ok: bool = False) -> None:
    """Forbidden unless `who` may move goods out of this warehouse: head office any; a store-scoped
    user (store manager) their own store's warehouses only — and, with `central_ok`, a central one
    (an order entered at a store may ask head office's warehouse to ship it, not deliver from it)."""
    if who is None or who.store_id is None:
        return
    store_id = session.scalar(select(Warehouse.store_id).where(Warehouse.id == warehouse_id))
    if store_id == who.store_id or (central_ok and store_id is None):
        return
    raise Forbidden("不能从其他门店（或总部）的仓库发货", "you may not ship from another store's (or head office's) warehouse",
                    code="other_store", field=field)


def eligible_warehouses(session: Session, order: SalesOrder) -> list[int]:
    """Warehouses that may ship the order, most preferred first: the one asked for, the central
    warehouses, then the store's own."""
    rows = session.execute(select(Warehouse.id, Warehouse.store_id).where(
        Warehouse.active.is_(True), (Warehouse.store_id.is_(None)) | (Warehouse.store_id == order.store_id))
        .order_by(Warehouse.id)).all()
    ids = [wid for wid, sid in rows if sid is None] + [wid for wid, sid in rows if sid is not None]
    if order.warehouse_id in ids:
        ids.remove(order.warehouse_id)
        ids.insert(0, order.warehouse_id)
    if not ids:
        raise Invalid("没有可发货的仓库", "no warehouse can ship this order", code="no_warehouse", field="warehouse_id")
    return ids


def _lines(session: Session, order_id: str) -> dict[int, SalesOrderLine]:
    return {ln.line_no: ln for ln in session.scalars(
        select(SalesOrderLine).where(SalesOrderLine.order_id == order_id).order_by(SalesOrderLine.line_no)
        .execution_options(populate_existing=True))}


def _notes(session: Session, order_id: str) -> list[DeliveryNote]:
    return list(session.scalars(select(DeliveryNote).where(DeliveryNote.order_id == order_id)
                                .order_by(DeliveryNote.created_at, DeliveryNote.delivery_no)))


def make_delivery_notes(session: Session, order: SalesOrder) -> list[DeliveryNote]:
    """Split the approved order's undelivered quantities into one open note per warehouse."""
    lines = _lines(session, order.id)
    todo = [ln for ln in lines.values() if ln.qty_m - ln.delivered_qty_m - ln.cancelled_qty_m > 0]
    if not todo:
        return []
    warehouses = eligible_warehouses(session, order)
    products = {ln.product_id for ln in todo}
    stock = {(w, p): q for w, p, q in session.execute(select(
        StockOnHand.warehouse_id, StockOnHand.product_id, StockOnHand.qty_m).where(
        StockOnHand.product_id.in_(products), StockOnHand.warehouse_id.in_(warehouses)))}
    defaults = dict(session.execute(select(ProductDefaultWarehouse.product_id, ProductDefaultWarehouse.warehouse_id)
                                    .where(ProductDefaultWarehouse.product_id.in_(products))).all())
    weighed = set(session.scalars(select(Product.id).where(Product.id.in_(products), Product.weighed.is_(True))))
    plan = plan_split([LineToShip(ln.line_no, ln.product_id, ln.unit_factor,
                                  ln.qty_m - ln.delivered_qty_m - ln.cancelled_qty_m,
                                  whole_units=ln.product_id not in weighed) for ln in todo],
                      warehouses=warehouses, stock=stock, defaults=defaults)
    made = []
    n = len(_notes(session, order.id))
    for wid, parts in plan.items():
        n += 1
        note = DeliveryNote(id=uuid7(), delivery_no=f"{order.order_no}-D{n}", order_id=order.id, warehouse_id=wid,
                            status="open", created_at=utcnow(), amount_fen=0)
        session.add(note)
        session.flush()
        session.add_all([DeliveryNoteLine(note_id=note.id, line_no=i, order_line_no=no,
                                          product_id=lines[no].product_id, unit_code=lines[no].unit_code,
                                          unit_factor=lines[no].unit_factor, planned_qty_m=q, qty_m=q, amount_fen=0)
                         for i, (no, q) in enumerate(parts, start=1)])
        made.append(note)
    session.flush()
    log(session, order, "split", detail={"deliveries": [
        {"delivery_no": n.delivery_no, "warehouse_id": n.warehouse_id} for n in made]})
    return made


def get_note(session: Session, key: str, *, lock: bool = False) -> DeliveryNote:
    stmt = select(DeliveryNote).where((DeliveryNote.id == key) | (DeliveryNote.delivery_no == key))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    note = session.scalars(stmt).first()
    if note is None:
        raise not_found("发货单", "delivery note", "delivery_id", key)
    return note


def note_lines(session: Session, note_id: str) -> list[DeliveryNoteLine]:
    return list(session.scalars(select(DeliveryNoteLine).where(DeliveryNoteLine.note_id == note_id)
                                .order_by(DeliveryNoteLine.line_no)))


def deliver(session: Session, note: DeliveryNote, *, quantities: dict[int, int] | None = None,
            user_id: int | None = None, at: datetime | None = None, driver: str | None = None
            ) -> tuple[DeliveryNote, DeliveryNote | None, list[NegativeStock]]:
    """Deliver an open note: all of it, or `quantities` (note line no → qty_m, in the line's unit;
    lines not named deliver nothing). Returns (the delivered note, the backorder note with the rest
    or None, negative-stock warnings)."""
    if note.status != "open":
        raise Conflict(f"发货单 {note.delivery_no} 不是待发货状态（{note.status}）",
                       f"delivery {note.delivery_no} is {note.status}", code="delivery_not_open", field="delivery_id")
    order = get_order(session, note.order_id, lock=True)
    lines = note_lines(session, note.id)
    by_no = {ln.line_no: ln for ln in lines}
    if quantities is not None:
        for no, qty in quantities.items():
            if no not in by_no:
                raise not_found("发货单行", "delivery line", "lines.line_no", no)
            if qty < 0 or qty > by_no[no].qty_m:
                raise Invalid(f"第 {no} 行送货数量超出发货单", f"line {no}: more than the delivery holds",
                              code="qty", field="lines.qty")
    take = {ln.line_no: (ln.qty_m if quantities is None else quantities.get(ln.line_no, 0)) for ln in lines}
    if not any(take.values()):
        raise Invalid("没有要送的货（要取消请用取消发货）", "nothing to deliver (cancel the delivery instead)",
                      code="nothing_to_deliver", field="lines")
    now = at or utcnow()
    order_lines = _lines(session, order.id)
    rest = {no: ln.qty_m - take[no] for no, ln in by_no.items() if ln.qty_m - take[no] > 0}
    backorder = None
    if rest:
        backorder = DeliveryNote(id=uuid7(), delivery_no=f"{order.order_no}-D{len(_notes(session, order.id)) + 1}",
                                 order_id=order.id, warehouse_id=note.warehouse_id, status="open",
                                 backorder_of=note.id, created_at=now, amount_fen=0)
        session.add(backorder)
        session.flush()
        session.add_all([DeliveryNoteLine(note_id=backorder.id, line_no=i, order_line_no=by_no[no].order_line_no,
                                          product_id=by_no[no].product_id, unit_code=by_no[no].unit_code,
                                          unit_factor=by_no[no].unit_factor, planned_qty_m=q, qty_m=q, amount_fen=0)
                         for i, (no, q) in enumerate(sorted(rest.items()), start=1)])
    movements, total = [], 0
    for ln in lines:
        q = take[ln.line_no]
        ln.qty_m = q
        if q == 0:
            continue
        ol = order_lines[ln.order_line_no]
        ln.amount_fen = share(ol.amount_fen, ol.qty_m, ol.delivered_qty_m + q) - share(
            ol.amount_fen, ol.qty_m, ol.delivered_qty_m)
        ol.delivered_qty_m += q
        total += ln.amount_fen
        movements.append(Movement(warehouse_id=note.warehouse_id, product_id=ln.product_id, kind="sale",
                                  qty_m=-q * ln.unit_factor, source_type="delivery", source_id=note.id,
                                  source_line=ln.line_no, occurred_at=now, user_id=user_id))
    warnings = post_movements(session, movements, recorded_at=now)
    day = business_date(now)
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    note.status, note.delivered_at, note.delivered_by, note.business_date = "delivered", now, user_id, day
    note.amount_fen, note.driver = total, driver
    if total > 0:
        entry = post_receivable(session, customer=customer, kind="charge", amount_fen=total, doc_type="delivery",
                                doc_id=note.id, doc_no=note.delivery_no, doc_date=day, occurred_at=now,
                                user_id=user_id, recorded_at=now, due_date=None if order.on_credit else day)
        note.due_date = entry.due_date
        session.flush()
        from central.field.collections import apply_advances

        apply_advances(session, customer, at=now)
    order.delivered_fen += total
    refresh_status(session, order)
    log(session, order, "delivered", user_id=user_id, at=now, detail={
        "delivery_no": note.delivery_no, "amount_fen": total,
        "backorder": backorder.delivery_no if backorder is not None else None})
    touch(session, order)
    session.flush()
    return note, backorder, warnings


def cancel_note(session: Session, note: DeliveryNote, *, reason: str, user_id: int | None = None) -> DeliveryNote:
    """Cancel what an open note would still deliver (with a reason): the order will not get it."""
    if note.status != "open":
        raise Conflict(f"发货单 {note.delivery_no} 不是待发货状态", f"delivery {note.delivery_no} is {note.status}",
                       code="delivery_not_open", field="delivery_id")
    if not reason.strip():
        raise Invalid("取消必须填写原因", "a cancellation needs a reason", code="reason_required", field="reason")
    order = get_order(session, note.order_id, lock=True)
    order_lines = _lines(session, order.id)
    for ln in note_lines(session, note.id):
        order_lines[ln.order_line_no].cancelled_qty_m += ln.qty_m
    note.status, note.cancelled_at, note.cancel_reason = "cancelled", utcnow(), reason
    refresh_status(session, order)
    log(session, order, "delivery_cancelled", user_id=user_id, note=reason, detail={"delivery_no": note.delivery_no})
    touch(session, order)
    session.flush()
    return note


def cancel_order(session: Session, order: SalesOrder, *, reason: str, user_id: int | None = None) -> SalesOrder:
    """Cancel everything not yet delivered (its open notes): cancelled when nothing was delivered,
    closed short otherwise."""
    if order.status not in (S.APPROVED.value, S.PARTLY_DELIVERED.value):
        raise Conflict(f"订单 {order.order_no} 当前状态为 {order.status}，不能取消",
                       f"order {order.order_no} is {order.status}: cannot cancel it", code="order_state",
                       field="status")
    if not reason.strip():
        raise Invalid("取消必须填写原因", "a cancellation needs a reason", code="reason_required", field="reason")
    for note in _notes(session, order.id):
        if note.status == "open":
            cancel_note(session, note, reason=reason, user_id=user_id)
    order.cancel_reason = reason
    refresh_status(session, order)
    session.flush()
    return order


def close_order(session: Session, order: SalesOrder, *, user_id: int | None = None, note: str | None = None
                ) -> SalesOrder:
    """Head office closes a delivered order (nothing more will happen to it)."""
    if order.status != S.DELIVERED.value:
        raise Conflict(f"订单 {order.order_no} 尚未全部送达，不能关闭（请先取消未送的部分）",
                       f"order {order.order_no} is {order.status}: cancel what is open before closing it",
                       code="order_state", field="status")
    order.status = S.CLOSED.value
    log(session, order, "closed", user_id=user_id, note=note)
    touch(session, order)
    session.flush()
    return order


def refresh_status(session: Session, order: SalesOrder) -> None:
    """Approved / partly delivered / delivered / closed / cancelled, from the lines and notes."""
    if order.status not in (S.APPROVED.value, S.PARTLY_DELIVERED.value, S.DELIVERED.value):
        return
    session.flush()
    lines = _lines(session, order.id).values()
    open_notes = any(n.status == "open" for n in _notes(session, order.id))
    delivered = sum(ln.delivered_qty_m for ln in lines)
    cancelled = sum(ln.cancelled_qty_m for ln in lines)
    remaining = sum(ln.qty_m - ln.delivered_qty_m - ln.cancelled_qty_m for ln in lines)
    if open_notes or remaining > 0:
        status = S.PARTLY_DELIVERED if delivered else S.APPROVED
    elif delivered == 0:
        status = S.CANCELLED
    elif cancelled:
        status = S.CLOSED
    else:
        status = S.DELIVERED
    if status.value != order.status:
        order.status = status.value


def delivered_by_warehouse(session: Session, order_id: str) -> dict[int, dict[int, int]]:
    """order line no → {warehouse id: qty_m delivered from it} (where returns go back to)."""
    out: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for no, wid, q in session.execute(
            select(DeliveryNoteLine.order_line_no, DeliveryNote.warehouse_id, DeliveryNoteLine.qty_m)
            .join(DeliveryNote, DeliveryNote.id == DeliveryNoteLine.note_id)
            .where(DeliveryNote.order_id == order_id, DeliveryNote.status == "delivered")):
        out[no][wid] += q
    return out
