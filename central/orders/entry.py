"""Orders entered at head office (or by a rep at a console): priced by central with the same
`sync.pricing` contract the tablets use, then taken like a tablet's order (`service.take_order`).

Under a store's `block` credit policy an order failing the check is refused here (422
`credit_check_failed`, with the reasons); otherwise it is held for approval."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.customers.models import Customer
from central.customers.service import get_customer
from central.db import utcnow
from central.errors import Invalid
from central.orders.delivery import check_ships_from
from central.orders.models import SalesOrder
from central.orders.schemas import OrderIn as OrderBody
from central.orders.service import LineIn, OrderIn, next_number, take_order
from central.pricing.quote import build_context
from central.users.models import User
from sync.catalog import CustomerTerms
from sync.events import uuid7
from sync.pricing import Cart, CartLine, price_cart


def _store_for(session: Session, who: Principal, body: OrderBody, customer: Customer) -> int:
    if body.store_id is not None:
        who.check_store(body.store_id)
        return body.store_id
    if who.store_id is not None:
        return who.store_id
    rep = session.get(User, customer.rep_id) if customer.rep_id is not None else None
    if rep is not None and rep.store_id is not None:
        return rep.store_id
    raise Invalid("请指定订单所属门店", "say which store the order belongs to", code="store_required",
                  field="store_id")


def enter_order(session: Session, who: Principal, body: OrderBody, *, user_id: int | None) -> SalesOrder:
    customer = get_customer(session, body.customer_id, who)  # a rep's own, a store manager's store's
    store_id = _store_for(session, who, body, customer)
    if body.warehouse_id is not None:
        check_ships_from(session, who, body.warehouse_id, central_ok=True)
    now = utcnow()
    ctx = build_context(session, store_id=store_id, at=now, product_ids={ln.product_id for ln in body.lines})
    cart = Cart(lines=tuple(CartLine(product_id=ln.product_id, unit_code=ln.unit_code, qty=ln.qty,
                                     price_override_fen=ln.unit_price_fen) for ln in body.lines),
                customer=CustomerTerms(customer_id=customer.id, group_id=customer.group_id,
                                       percent_off_bp=customer.discount_bp))
    priced = price_cart(cart, ctx)
    lines = [LineIn(product_id=p.product_id, unit_code=p.unit_code, unit_factor=p.unit_factor, qty=Decimal(p.qty),
                    unit_price_fen=p.unit_price_fen, amount_fen=p.amount_fen, sku=p.sku, name=p.name,
                    is_gift=p.is_gift, discount_fen=p.line_discount_fen + p.order_discount_fen,
                    promotion_ids=tuple(p.promotion_ids)) for p in priced.lines]
    return take_order(session, OrderIn(
        id=uuid7(), order_no=next_number(session, "SO", "order_no"), source="console", store_id=store_id,
        customer=customer, lines=lines, total_fen=sum(ln.amount_fen for ln in lines), ordered_at=now,
        received_at=now, on_credit=body.on_credit, rep_id=customer.rep_id, created_by=user_id,
        requested_date=body.requested_date, warehouse_id=body.warehouse_id, note=body.note,
        refuse_when_failing=True))
