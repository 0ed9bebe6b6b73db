"""Receivables API: balances, each customer's entries, the ageing report, and recording payments.

A sales rep sees only their own customers' accounts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from central.api.deps import IdPath, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import OptLong, RefId, Strict, text
from central.auth.deps import require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission as P
from central.customers.models import Customer
from central.customers.service import get_customer, scope_customers
from central.db import utcnow
from central.finance.ageing import BUCKETS
from central.finance.models import ReceivableAccount, ReceivableEntry
from central.finance.receivables import PAYMENT_METHODS, ageing_report, record_payment
from sync.store_time import business_date

router = APIRouter(tags=["receivables 应收"])

Reader = Annotated[Principal, require(P.RECEIVABLES_READ, devices=False)]
Writer = Annotated[Principal, require(P.RECEIVABLES_WRITE, devices=False)]


class AccountOut(BaseModel):
    customer_id: int
    code: str
    name: str
    rep_id: int | None
    credit_limit_fen: int
    credit_days: int
    balance_fen: int
    over_limit: bool


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    amount_fen: int
    balance_after_fen: int
    doc_type: str
    doc_id: str
    doc_no: str | None
    doc_date: date
    due_date: date | None
    over_credit_limit: bool
    method: str | None
    occurred_at: datetime
    recorded_at: datetime
    note: str | None


class AgeingRow(BaseModel):
    customer_id: int
    code: str
    name: str
    rep_id: int | None
    credit_limit_fen: int
    balance_fen: int
    overdue_fen: int
    unapplied_fen: int
    buckets: dict[str, int] = Field(description="open amounts by age in days: 0-30, 31-60, 61-90, 90+")


class AgeingOut(BaseModel):
    as_of: date
    totals: dict[str, int]
    balance_fen: int
    overdue_fen: int
    customers: list[AgeingRow]


class PaymentIn(Strict):
    customer_id: RefId
    amount_fen: int = Field(gt=0, le=10**12)
    method: str = Field(pattern="^(" + "|".join(PAYMENT_METHODS) + ")$")
    paid_on: date | None = None
    reference: text(40) | None = None  # type: ignore[valid-type]
    note: OptLong = None


@router.get("/receivables", response_model=Page[AccountOut], summary="应收余额 / balances by customer")
def list_accounts(session: SessionDep, who: Reader, page: PageDep,
                  over_limit: Annotated[bool | None, Query()] = None,
                  nonzero: Annotated[bool, Query(description="only customers who owe or are owed")] = True) -> object:
    stmt = (select(Customer, ReceivableAccount.balance_fen)
            .join(ReceivableAccount, ReceivableAccount.customer_id == Customer.id, isouter=not nonzero)
            .order_by(Customer.code))
    if nonzero:
        stmt = stmt.where(ReceivableAccount.balance_fen != 0)
    stmt = scope_customers(stmt, who, Customer.id)
    if over_limit is not None:
        cond = (Customer.credit_limit_fen > 0) & (ReceivableAccount.balance_fen > Customer.credit_limit_fen)
        stmt = stmt.where(cond if over_limit else ~cond)

    def item(row: Any) -> AccountOut:
        c: Customer = row[0]
        balance = int(row[1] or 0)
        return AccountOut(customer_id=c.id, code=c.code, name=c.name, rep_id=c.rep_id,
                          credit_limit_fen=c.credit_limit_fen, credit_days=c.credit_days, balance_fen=balance,
                          over_limit=c.credit_limit_fen > 0 and balance > c.credit_limit_fen)

    total = len(session.execute(stmt.with_only_columns(Customer.id)).all())
    rows = session.execute(stmt.limit(page.limit).offset(page.offset)).all()
    return {"items": [item(r) for r in rows], "total": total, "limit": page.limit, "offset": page.offset}


@router.get("/receivables/ageing", response_model=AgeingOut, summary="账龄分析 / ageing 0-30/31-60/61-90/90+")
def ageing(session: SessionDep, who: Reader,
           as_of: Annotated[date | None, Query(description="default: today in Asia/Shanghai")] = None) -> object:
    day = as_of or business_date(utcnow())
    rows = ageing_report(session, as_of=day, rep_id=who.rep_id)
    totals = dict.fromkeys(BUCKETS, 0)
    out = []
    for r in rows:
        for b, v in r.ageing.buckets.items():
            totals[b] += v
        out.append(AgeingRow(customer_id=r.customer_id, code=r.code, name=r.name, rep_id=r.rep_id,
                             credit_limit_fen=r.credit_limit_fen, balance_fen=r.ageing.balance_fen,
                             overdue_fen=r.ageing.overdue_fen, unapplied_fen=r.ageing.unapplied_fen,
                             buckets=r.ageing.buckets))
    return {"as_of": day, "totals": totals, "balance_fen": sum(r.balance_fen for r in out),
            "overdue_fen": sum(r.overdue_fen for r in out), "customers": out}


@router.get("/customers/{customer_id}/receivables", response_model=Page[EntryOut],
            summary="客户应收明细 / a customer's receivable entries")
def customer_entries(customer_id: IdPath, session: SessionDep, who: Reader, page: PageDep) -> object:
    get_customer(session, customer_id, who)
    stmt = select(ReceivableEntry).where(ReceivableEntry.customer_id == customer_id).order_by(
        ReceivableEntry.id.desc())
    return paginate(session, stmt, page, EntryOut.model_validate)


@router.post("/receivables/payments", response_model=EntryOut, status_code=201, summary="收款 / record a payment")
def post_payment(body: PaymentIn, session: SessionDep, who: Writer) -> object:
    get_customer(session, body.customer_id, who)
    return record_payment(session, customer_id=body.customer_id, amount_fen=body.amount_fen, method=body.method,
                          paid_on=body.paid_on or business_date(utcnow()), reference=body.reference,
                          user_id=who.user_id if isinstance(who, UserPrincipal) else None, note=body.note)
