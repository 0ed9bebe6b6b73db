"""Goods that come back against an order (剩货 / 拒收 / 退货), never rewriting what was delivered.

A return is a document of its own: stock back into the warehouse it left from (damaged goods are
written off at once, visibly), a credit note on the customer's account for the returned goods'
share of the line's amount, and the order line's returned quantity raised. The order keeps its
delivered quantities and status; what was delivered and what came back are shown side by side.
Nothing can come back that was not delivered (counting earlier returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.customers.models import Customer
from central.db import utcnow
from central.errors import Conflict, Invalid, not_found
from central.finance.receivables import post_receivable
from central.inventory.ledger import Movement, NegativeStock, post_movements
from central.orders.delivery import delivered_by_warehouse, note_lines
from central.orders.models import DeliveryNote, OrderReturn, OrderReturnLine, SalesOrder, SalesOrderLine
from central.orders.service import log, share, touch
from central.sales.errors import ReturnExceedsSale
from sync.field import ReturnKind
from sync.store_time import business_date


@dataclass(frozen=True)
class ReturnLineIn:
    order_line_no: int
    qty_m: int
    """In thousandths of the order line's unit."""
    restock: bool = True


def record_return(session: Session, order: SalesOrder, *, return_id: str, return_no: str, kind: ReturnKind,
                  lines: Sequence[ReturnLineIn], returned_at: datetime, received_at: datetime | None = None,
                  delivery: DeliveryNote | None = None, user_id: int | None = None, terminal_id: int | None = None,
                  rep_id: int | None = None, reason: str | None = None) -> tuple[OrderReturn, list[NegativeStock]]:
    """Record goods coming back against `order` (from `delivery` when the driver brings them back)."""
    now = received_at or utcnow()
    if not lines:
        raise Invalid("退货没有明细行", "the return has no lines", code="no_lines", field="lines")
    clash = session.execute(select(OrderReturn.id).where(
        (OrderReturn.id == return_id) | (OrderReturn.return_no == return_no))).first()
    if clash is not None:
        raise Conflict(f"退货单已存在：{return_no}", f"return already recorded: {return_no}",
                       code="duplicate_document", field="return_id")
    if delivery is not None and (delivery.order_id != order.id or delivery.status != "delivered"):
        raise Invalid("只能退回本订单已送达的发货单", "goods come back only from a delivered delivery of this order",
                      code="delivery_not_delivered", field="delivery_id")
    order_lines = {ln.line_no: ln for ln in session.scalars(
        select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)
        .with_for_update().execution_options(populate_existing=True))}
    from_note = {ln.order_line_no: ln.qty_m for ln in note_lines(session, delivery.id)} if delivery else None
    by_warehouse = delivered_by_warehouse(session, order.id)
    wanted: dict[int, int] = {}
    for i, rl in enumerate(lines):
        ol = order_lines.get(rl.order_line_no)
        if ol is None:
            raise not_found("订单行", "order line", f"lines.{i}.order_line_no", rl.order_line_no)
        if rl.qty_m <= 0:
            raise Invalid("退货数量必须大于零", "returned quantity must be positive", code="qty", field=f"lines.{i}.qty")
        wanted[rl.order_line_no] = wanted.get(rl.order_line_no, 0) + rl.qty_m
    for no, qty in wanted.items():
        ol = order_lines[no]
        limit = ol.delivered_qty_m - ol.returned_qty_m
        if from_note is not None:
            limit = min(limit, from_note.get(no, 0))
        if qty > limit:
            raise ReturnExceedsSale(
                f"第 {no} 行退回超过已送数量（已送 {ol.delivered_qty_m / 1000:g}，已退 {ol.returned_qty_m / 1000:g}，"
                f"本次 {qty / 1000:g}）", f"line {no}: more comes back than was delivered (delivered "
                f"{ol.delivered_qty_m / 1000:g}, returned {ol.returned_qty_m / 1000:g}, now {qty / 1000:g})",
                field="lines.qty")
    first = lines[0].order_line_no
    warehouse_id = delivery.warehouse_id if delivery is not None else max(
        by_warehouse[first].items(), key=lambda kv: kv[1])[0]
    ret = OrderReturn(id=return_id, return_no=return_no, order_id=order.id,
                      delivery_id=delivery.id if delivery else None, kind=kind.value, warehouse_id=warehouse_id,
                      returned_at=returned_at, received_at=now, business_date=business_date(returned_at),
                      terminal_id=terminal_id, user_id=user_id, rep_id=rep_id, reason=reason, amount_fen=0)
    session.add(ret)
    session.flush()
    movements, total = [], 0
    for i, rl in enumerate(lines, start=1):
        ol = order_lines[rl.order_line_no]
        amount = share(ol.amount_fen, ol.qty_m, ol.returned_qty_m + rl.qty_m) - share(
            ol.amount_fen, ol.qty_m, ol.returned_qty_m)
        ol.returned_qty_m += rl.qty_m
        total += amount
        session.add(OrderReturnLine(return_id=ret.id, line_no=i, order_line_no=rl.order_line_no,
                                    product_id=ol.product_id, unit_code=ol.unit_code, unit_factor=ol.unit_factor,
                                    qty_m=rl.qty_m, amount_fen=amount, restock=rl.restock))
        back = Movement(warehouse_id=warehouse_id, product_id=ol.product_id, kind="return",
                        qty_m=rl.qty_m * ol.unit_factor, source_type="order_return", source_id=ret.id,
                        source_line=i, occurred_at=returned_at, user_id=user_id)
        movements.append(back)
        if not rl.restock:
            movements.append(back._replace(kind="loss", qty_m=-back.qty_m, note="退回货物损坏 / came back damaged"))
    ret.amount_fen = total
    warnings = post_movements(session, movements, recorded_at=now)
    if total > 0:
        customer = session.get(Customer, order.customer_id)
        assert customer is not None
        post_receivable(session, customer=customer, kind="credit_note", amount_fen=-total, doc_type="order_return",
                        doc_id=ret.id, doc_no=return_no, doc_date=ret.business_date, occurred_at=returned_at,
                        user_id=user_id, recorded_at=now)
    order.returned_fen += total
    log(session, order, "returned", user_id=user_id, terminal_id=terminal_id, note=reason, at=now,
        detail={"return_no": return_no, "kind": kind.value, "amount_fen": total,
                "delivery_no": delivery.delivery_no if delivery else None})
    touch(session, order)
    session.flush()
    return ret, warnings
