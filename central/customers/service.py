"""Head-office and rep work on customers: create, edit with history, fulfil field orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.customers.history import apply_field_changes
from central.customers.models import (
    REP_EDITABLE_FIELDS,
    Customer,
    CustomerFieldChange,
    FieldOrder,
    FieldOrderLine,
)
from central.db import utcnow
from central.errors import Conflict, Forbidden, Invalid, not_found
from central.finance.receivables import post_receivable
from central.inventory.ledger import Movement, NegativeStock, post_movements
from central.org.models import Warehouse
from central.pricing.models import CustomerGroup, PriceList
from central.sales.dates import business_date
from central.users.models import User


def get_customer(session: Session, customer_id: int, who: Principal | None = None) -> Customer:
    """The customer; a rep (user or tablet) only sees their own (others read as not found)."""
    customer = session.get(Customer, customer_id)
    if customer is None or (who is not None and who.rep_id is not None and customer.rep_id != who.rep_id):
        raise not_found("客户", "customer", "customer_id", customer_id)
    return customer


def _check_refs(session: Session, fields: dict[str, Any]) -> None:
    if fields.get("rep_id") is not None:
        rep = session.get(User, fields["rep_id"])
        if rep is None or rep.role != "sales_rep":
            raise Invalid("业务员不存在", "no such sales rep", code="rep_not_found", field="rep_id")
    if fields.get("group_id") is not None and session.get(CustomerGroup, fields["group_id"]) is None:
        raise not_found("客户分组", "customer group", "group_id", fields["group_id"])
    if fields.get("price_list_id") is not None and session.get(PriceList, fields["price_list_id"]) is None:
        raise not_found("价目表", "price list", "price_list_id", fields["price_list_id"])
    if "code" in fields and session.scalar(select(Customer.id).where(Customer.code == fields["code"])) is not None:
        raise Conflict(f"客户编码已存在：{fields['code']}", f"customer code {fields['code']} already exists",
                       code="duplicate", field="code")


def create_customer(session: Session, who: Principal | None, **fields: Any) -> Customer:
    """A new customer; a rep's new customer is theirs (`who` None: a command, not a person)."""
    if who is not None and who.rep_id is not None:
        fields["rep_id"] = who.rep_id
    _check_refs(session, fields)
    customer = Customer(**{**{"tags": []}, **fields})
    session.add(customer)
    session.flush()
    return customer


def update_customer(session: Session, customer: Customer, who: Principal | None, user_id: int | None,
                    changes: dict[str, Any]) -> list[CustomerFieldChange]:
    """Edit fields one by one into the history; reps may only touch contact fields and notes."""
    rep = who is not None and who.rep_id is not None
    if rep:
        denied = sorted(set(changes) - set(REP_EDITABLE_FIELDS))
        if denied:
            raise Forbidden(f"业务员不能修改 {denied[0]}", f"a rep may not change {denied[0]}",
                            code="field_not_editable", field=denied[0])
    if "code" in changes and changes["code"] == customer.code:
        changes.pop("code")
    _check_refs(session, changes)
    return apply_field_changes(session, customer, changes, source="rep" if rep else "console",
                               edited_at=utcnow(), user_id=user_id)


def fulfil_field_order(session: Session, *, order_id: str, warehouse_id: int, user_id: int | None = None
                       ) -> list[NegativeStock]:
    """Ship a rep's order: stock leaves the warehouse, and an order on credit becomes a receivable."""
    order = session.get(FieldOrder, order_id, with_for_update=True)
    if order is None:
        raise not_found("订单", "field order", "order_id", order_id)
    if order.status != "open":
        raise Conflict(f"订单已{'发货' if order.status == 'fulfilled' else order.status}：{order.order_no}",
                       f"order {order.order_no} is already {order.status}", code="order_not_open", field="order_id")
    if session.get(Warehouse, warehouse_id) is None:
        raise not_found("仓库", "warehouse", "warehouse_id", warehouse_id)
    now = utcnow()
    lines = session.scalars(select(FieldOrderLine).where(FieldOrderLine.order_id == order.id)
                            .order_by(FieldOrderLine.line_no)).all()
    warnings = post_movements(session, [
        Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind="sale", qty_m=-ln.qty_m * ln.unit_factor,
                 source_type="field_order", source_id=order.id, source_line=ln.line_no, occurred_at=now,
                 user_id=user_id) for ln in lines], recorded_at=now)
    if order.on_credit:
        customer = session.get(Customer, order.customer_id)
        assert customer is not None
        post_receivable(session, customer=customer, kind="charge", amount_fen=order.total_fen, doc_type="field_order",
                        doc_id=order.id, doc_no=order.order_no, doc_date=business_date(now), occurred_at=now,
                        user_id=user_id, recorded_at=now)
    order.status, order.fulfilled_at, order.warehouse_id = "fulfilled", now, warehouse_id
    session.flush()
    return warnings
