"""Applying a rep tablet's order events at central: new orders (`field_order.created`) and goods that
came back against an order (`order_return.recorded`).

Called by the sync engine inside its transaction; never commits. The order goes through
`central.orders.service.take_order` like an order entered at head office: central checks it again
and keeps the tablet's verdict only beside its own. A return is priced from the order's lines.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from central.customers.ingest import rep_customer
from central.customers.models import Customer
from central.errors import DomainError, NotYetAtCentral
from central.orders.models import SalesOrder
from central.orders.returns import ReturnLineIn, record_return
from central.orders.service import LineIn, OrderIn, take_order
from sync.events import FieldOrderCreated, OrderReturnRecorded
from sync.quantity import to_milli


def apply_field_order_created(session: Session, ev: FieldOrderCreated, *, terminal_id: int,
                              received_at: datetime, rep_id: int | None = None,
                              store_id: int | None = None) -> SalesOrder:
    """Record a rep's order; central's own credit check decides whether it is held."""
    customer = rep_customer(session, customer_id=ev.customer_id, new_customer_id=ev.new_customer_id,
                            ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id, terminal_id=terminal_id, rep_id=rep_id)
    home = store_id if store_id is not None else _terminal_store(session, terminal_id)
    return take_order(session, OrderIn(
        id=ev.order_id, order_no=ev.order_no, source="tablet", store_id=home, customer=customer,
        lines=[LineIn(product_id=ln.product_id, unit_code=ln.unit_code, unit_factor=ln.unit_factor, qty=ln.qty,
                      unit_price_fen=ln.unit_price_fen, amount_fen=ln.amount_fen, sku=ln.sku, name=ln.name,
                      is_gift=ln.is_gift, discount_fen=ln.discount_fen, promotion_ids=tuple(ln.promotion_ids))
               for ln in ev.lines],
        total_fen=ev.total_fen, ordered_at=ev.ordered_at, received_at=received_at, on_credit=ev.on_credit,
        rep_id=ev.rep_id, terminal_id=terminal_id, requested_date=ev.requested_date, warehouse_id=ev.warehouse_id,
        claimed_held=ev.held, claimed_hold_reasons=tuple(ev.hold_reasons), note=ev.note, visit_id=ev.visit_id,
        price_version=ev.price_version))


def _terminal_store(session: Session, terminal_id: int) -> int:
    from central.org.models import Terminal

    terminal = session.get(Terminal, terminal_id)
    if terminal is None:
        raise DomainError("终端不存在", "unknown terminal", code="terminal_not_found", field="terminal_id")
    return terminal.store_id


def apply_order_return_recorded(session: Session, ev: OrderReturnRecorded, *, terminal_id: int,
                                received_at: datetime, rep_id: int | None = None,
                                store_id: int | None = None) -> None:
    """Goods refused on delivery or returned later, recorded by the rep against the original order.

    An order central has not received yet defers the event (`dependency_missing`)."""
    order = session.get(SalesOrder, ev.order_id, with_for_update=True)
    if order is None:
        raise DomainError(f"订单 {ev.order_id} 尚未到达总部", f"order {ev.order_id} has not reached central yet",
                          code=NotYetAtCentral.DEPENDENCY_MISSING, field="order_id")
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    rep_customer(session, customer_id=customer.id, ev_rep_id=ev.rep_id, ev_terminal_id=ev.terminal_id,
                 terminal_id=terminal_id, rep_id=rep_id)  # the order's customer must be this rep's
    record_return(session, order, return_id=ev.return_id, return_no=ev.return_no, kind=ev.kind,
                  lines=[ReturnLineIn(ln.order_line_no, to_milli(ln.qty), ln.restock) for ln in ev.lines],
                  returned_at=ev.returned_at, received_at=received_at, terminal_id=terminal_id, rep_id=ev.rep_id,
                  reason=ev.reason)
