"""Applying a rep tablet's events at central: field orders, visit notes, customer edits.

Called by the sync engine inside its transaction; never commits. A rep may only act on their
own customers: an event for another rep's customer is refused with `WrongScope`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import column, insert, or_, select, table
from sqlalchemy.orm import Session

from central.customers.history import apply_field_changes
from central.customers.models import (
    REP_EDITABLE_FIELDS,
    Customer,
    CustomerFieldChange,
    FieldOrder,
    FieldOrderLine,
    VisitNote,
)
from central.errors import Conflict, Invalid, not_found
from central.inventory.quantities import to_milli
from central.sales.errors import InconsistentDocument, WrongScope
from sync.events import CustomerUpdated, FieldOrderCreated, VisitNoteCreated

_products = table("products", column("id"))

FIELD_MAX_LENGTH = {"contact_name": 50, "contact_phone": 20, "address": 200, "notes": 2000}


def _rep_customer(session: Session, *, customer_id: int, ev_rep_id: int, ev_terminal_id: int,
                  terminal_id: int, rep_id: int | None) -> Customer:
    """The customer, checked to belong to the rep who sent the event from their own tablet."""
    if ev_terminal_id != terminal_id:
        raise WrongScope(f"事件属于终端 {ev_terminal_id}，不是发送它的终端 {terminal_id}",
                         f"event is for terminal {ev_terminal_id}, not the sending terminal {terminal_id}",
                         field="terminal_id")
    if rep_id is not None and ev_rep_id != rep_id:
        raise WrongScope(f"事件属于业务员 {ev_rep_id}，不是本平板的业务员 {rep_id}",
                         f"event is for rep {ev_rep_id}, not this tablet's rep {rep_id}", field="rep_id")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise not_found("客户", "customer", "customer_id", customer_id)
    if customer.rep_id != ev_rep_id:
        raise WrongScope(f"客户 {customer.code} 不属于业务员 {ev_rep_id}",
                         f"customer {customer.code} is not rep {ev_rep_id}'s", field="customer_id")
    return customer


def apply_field_order_created(session: Session, ev: FieldOrderCreated, *, terminal_id: int,
                              received_at: datetime, rep_id: int | None = None,
                              store_id: int | None = None) -> FieldOrder:
    """Record a rep's order (status open; stock and receivable move when it is fulfilled)."""
    _rep_customer(session, customer_id=ev.customer_id, ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id,
                  terminal_id=terminal_id, rep_id=rep_id)
    if sum(ln.amount_fen for ln in ev.lines) != ev.total_fen:
        raise InconsistentDocument("订单行金额合计不等于订单合计", "order lines do not add up to the total",
                                   field="total_fen")
    wanted = {ln.product_id for ln in ev.lines}
    found = set(session.scalars(select(_products.c.id).where(_products.c.id.in_(wanted))))
    if wanted - found:
        raise not_found("商品", "product", "lines.product_id", min(wanted - found))
    if any(ln.qty <= 0 for ln in ev.lines):
        raise InconsistentDocument("订单数量必须大于零", "order quantities must be positive", field="lines.qty")
    clash = session.execute(select(FieldOrder.id).where(
        or_(FieldOrder.id == ev.order_id, FieldOrder.order_no == ev.order_no))).first()
    if clash is not None:
        raise Conflict(f"订单已存在：{ev.order_no}", f"order already recorded: {ev.order_no}",
                       code="duplicate_document", field="order_id")
    order = FieldOrder(
        id=ev.order_id, order_no=ev.order_no, customer_id=ev.customer_id, rep_id=ev.rep_id,
        terminal_id=terminal_id, ordered_at=ev.ordered_at, received_at=received_at, total_fen=ev.total_fen,
        on_credit=ev.on_credit, status="open", note=ev.note)
    session.add(order)
    session.flush()
    session.execute(insert(FieldOrderLine), [{
        "order_id": ev.order_id, "line_no": i, "product_id": ln.product_id, "sku": ln.sku,
        "unit_code": ln.unit_code, "unit_factor": ln.unit_factor, "qty_m": to_milli(ln.qty),
        "unit_price_fen": ln.unit_price_fen, "amount_fen": ln.amount_fen,
    } for i, ln in enumerate(ev.lines, start=1)])
    return order


def apply_visit_note_created(session: Session, ev: VisitNoteCreated, *, terminal_id: int,
                             received_at: datetime, rep_id: int | None = None,
                             store_id: int | None = None) -> VisitNote:
    """Record a visit note on the rep's customer."""
    _rep_customer(session, customer_id=ev.customer_id, ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id,
                  terminal_id=terminal_id, rep_id=rep_id)
    if session.get(VisitNote, ev.note_id) is not None:
        raise Conflict(f"拜访记录已存在：{ev.note_id}", f"visit note already recorded: {ev.note_id}",
                       code="duplicate_document", field="note_id")
    note = VisitNote(id=ev.note_id, customer_id=ev.customer_id, rep_id=ev.rep_id, terminal_id=terminal_id,
                     visited_at=ev.visited_at, received_at=received_at, text=ev.text)
    session.add(note)
    session.flush()
    return note


def apply_customer_updated(session: Session, ev: CustomerUpdated, *, terminal_id: int,
                           received_at: datetime, rep_id: int | None = None,
                           store_id: int | None = None) -> list[CustomerFieldChange]:
    """Merge a rep's offline edits field by field: this receipt wins, the old value goes to history."""
    customer = _rep_customer(session, customer_id=ev.customer_id, ev_rep_id=ev.rep_id,
                             ev_terminal_id=ev.terminal_id, terminal_id=terminal_id, rep_id=rep_id)
    for field, value in ev.fields.items():
        if field not in REP_EDITABLE_FIELDS:
            raise Invalid(f"业务员不能修改字段 {field}", f"a rep may not edit field {field}",
                          code="field_not_editable", field=f"fields.{field}")
        if value is not None and len(value) > FIELD_MAX_LENGTH[field]:
            raise Invalid(f"{field} 太长（最多 {FIELD_MAX_LENGTH[field]} 字）",
                          f"{field} is too long (max {FIELD_MAX_LENGTH[field]})", code="too_long",
                          field=f"fields.{field}")
    return apply_field_changes(session, customer, dict(ev.fields), source="rep", edited_at=ev.edited_at,
                               user_id=ev.rep_id, terminal_id=terminal_id, recorded_at=received_at)
