"""Customers API (B2B): list and edit customers with field history and (older tablets') visit notes.

A sales rep (user or tablet) sees only their own customers; others read as 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.auth.deps import require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission as P
from central.customers import service
from central.customers.models import Customer, CustomerFieldChange, VisitNote
from central.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    FieldChangeOut,
    VisitNoteOut,
)

router = APIRouter(tags=["customers 客户"])

Reader = Annotated[Principal, require(P.CUSTOMERS_READ)]
Writer = Annotated[Principal, require(P.CUSTOMERS_WRITE, devices=False)]


def _user_id(who: Principal) -> int | None:
    return who.user_id if isinstance(who, UserPrincipal) else None


@router.get("/customers", response_model=Page[CustomerOut], summary="客户列表 / customers")
def list_customers(session: SessionDep, who: Reader, page: PageDep,
                   q: Annotated[str | None, Query(max_length=50, description="code, name, contact or phone")] = None,
                   region: Annotated[str | None, Query(max_length=50)] = None, rep_id: IdQuery = None,
                   active: bool | None = None,
                   status: Annotated[str | None, Query(pattern="^(active|pending)$",
                                                       description="pending: made on a tablet, to review")] = None,
                   customer_type: Annotated[str | None, Query(max_length=16)] = None) -> object:
    stmt = service.search_customers(who, q=q, region=region, rep_id=rep_id, active=active, status=status,
                                    customer_type=customer_type).order_by(Customer.code)
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
        body, required=("code", "name", "tags", "credit_limit_fen", "credit_days", "active", "customer_type",
                           "status", "discount_bp", "contacts")))
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
