"""Customers API (B2B): list and edit customers with field history, visit notes, field orders.

A sales rep (user or tablet) sees only their own customers; others read as 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import or_, select

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.auth.deps import require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission as P
from central.customers import service
from central.customers.models import Customer, CustomerFieldChange, FieldOrder, FieldOrderLine, VisitNote
from central.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    FieldChangeOut,
    FieldOrderDetail,
    FieldOrderOut,
    FulfilIn,
    FulfilOut,
    VisitNoteOut,
)
from central.errors import not_found

router = APIRouter(tags=["customers 客户"])

Reader = Annotated[Principal, require(P.CUSTOMERS_READ)]
Writer = Annotated[Principal, require(P.CUSTOMERS_WRITE, devices=False)]
Shipper = Annotated[Principal, require(P.INVENTORY_WRITE, devices=False)]
OrderId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]


def _user_id(who: Principal) -> int | None:
    return who.user_id if isinstance(who, UserPrincipal) else None


@router.get("/customers", response_model=Page[CustomerOut], summary="客户列表 / customers")
def list_customers(session: SessionDep, who: Reader, page: PageDep,
                   q: Annotated[str | None, Query(max_length=50, description="code, name, contact or phone")] = None,
                   region: Annotated[str | None, Query(max_length=50)] = None, rep_id: IdQuery = None,
                   active: bool | None = None) -> object:
    stmt = select(Customer).order_by(Customer.code)
    if who.rep_id is not None:
        stmt = stmt.where(Customer.rep_id == who.rep_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Customer.code == q, Customer.name.like(like), Customer.contact_name.like(like),
                              Customer.contact_phone.like(like)))
    if region:
        stmt = stmt.where(Customer.region == region)
    if rep_id is not None:
        stmt = stmt.where(Customer.rep_id == rep_id)
    if active is not None:
        stmt = stmt.where(Customer.active == active)
    return paginate(session, stmt, page, CustomerOut.model_validate)


@router.post("/customers", response_model=CustomerOut, status_code=201, summary="新客户 / new customer")
def create_customer(body: CustomerIn, session: SessionDep, who: Writer) -> object:
    return service.create_customer(session, who, **body.model_dump())


@router.get("/customers/{customer_id}", response_model=CustomerOut, summary="客户详情")
def get_customer(customer_id: IdPath, session: SessionDep, who: Reader) -> object:
    return service.get_customer(session, customer_id, who)


@router.patch("/customers/{customer_id}", response_model=CustomerOut,
              summary="修改客户（逐字段记录历史） / edit, each field kept in history")
def patch_customer(customer_id: IdPath, body: CustomerPatch, session: SessionDep, who: Writer) -> object:
    customer = service.get_customer(session, customer_id, who)
    service.update_customer(session, customer, who, _user_id(who), changes_of(
        body, required=("code", "name", "tags", "credit_limit_fen", "credit_days", "active")))
    return customer


@router.get("/customers/{customer_id}/history", response_model=Page[FieldChangeOut],
            summary="字段修改历史 / field history")
def customer_history(customer_id: IdPath, session: SessionDep, who: Reader, page: PageDep) -> object:
    service.get_customer(session, customer_id, who)
    stmt = (select(CustomerFieldChange).where(CustomerFieldChange.customer_id == customer_id)
            .order_by(CustomerFieldChange.id.desc()))
    return paginate(session, stmt, page, FieldChangeOut.model_validate)


@router.get("/customers/{customer_id}/visits", response_model=Page[VisitNoteOut], summary="拜访记录 / visit notes")
def customer_visits(customer_id: IdPath, session: SessionDep, who: Reader, page: PageDep) -> object:
    service.get_customer(session, customer_id, who)
    stmt = select(VisitNote).where(VisitNote.customer_id == customer_id).order_by(VisitNote.visited_at.desc())
    return paginate(session, stmt, page, VisitNoteOut.model_validate)


@router.get("/field-orders", response_model=Page[FieldOrderOut], summary="业务员订单 / field orders")
def list_field_orders(session: SessionDep, who: Reader, page: PageDep, customer_id: IdQuery = None,
                      status: Annotated[str | None, Query(pattern="^(open|fulfilled)$")] = None) -> object:
    stmt = select(FieldOrder).order_by(FieldOrder.received_at.desc())
    if who.rep_id is not None:
        stmt = stmt.where(FieldOrder.rep_id == who.rep_id)
    if customer_id is not None:
        stmt = stmt.where(FieldOrder.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(FieldOrder.status == status)
    return paginate(session, stmt, page, FieldOrderOut.model_validate)


@router.get("/field-orders/{order_id}", response_model=FieldOrderDetail, summary="订单详情")
def get_field_order(order_id: OrderId, session: SessionDep, who: Reader) -> object:
    order = session.get(FieldOrder, order_id)
    if order is None or (who.rep_id is not None and order.rep_id != who.rep_id):
        raise not_found("订单", "field order", "order_id", order_id)
    lines = session.scalars(select(FieldOrderLine).where(FieldOrderLine.order_id == order_id)
                            .order_by(FieldOrderLine.line_no)).all()
    return FieldOrderDetail.model_validate({**FieldOrderOut.model_validate(order).model_dump(),
                                            "lines": [ln.__dict__ for ln in lines]})


@router.post("/field-orders/{order_id}/fulfil", response_model=FulfilOut,
             summary="发货 / ship the order (stock out, receivable when on credit)")
def fulfil_field_order(order_id: OrderId, body: FulfilIn, session: SessionDep, who: Shipper) -> object:
    warnings = service.fulfil_field_order(session, order_id=order_id, warehouse_id=body.warehouse_id,
                                          user_id=_user_id(who))
    order = session.get(FieldOrder, order_id)
    return {"order": FieldOrderOut.model_validate(order),
            "negative_stock": [w.__dict__ for w in warnings]}
