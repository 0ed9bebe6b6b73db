"""Loans of goods API (借还货): lend, take back, settle, and what is still out per party."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import OptLong, OptName, RefId, Strict, text
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.errors import not_found
from central.inventory.quantities import from_milli
from central.loans import service
from central.loans.models import Loan
from central.org.models import Warehouse

router = APIRouter(tags=["loans 借还货"])

Reader = Annotated[Principal, require(P.INVENTORY_READ, devices=False)]
Writer = Annotated[Principal, require(P.INVENTORY_WRITE, devices=False)]
Qty = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
PartyType = Literal["staff", "customer", "supplier", "other"]


class LineIn(Strict):
    product_id: RefId
    qty: Qty


class LoanIn(Strict):
    warehouse_id: RefId
    party_type: PartyType
    party_id: RefId | None = None
    party_name: OptName = None
    due_date: date | None = None
    note: OptLong = None
    lines: list[LineIn] = Field(min_length=1, max_length=500)


class BackLineIn(Strict):
    line_no: int = Field(ge=1)
    qty: Qty


class BackIn(Strict):
    note: OptLong = None
    lines: list[BackLineIn] = Field(min_length=1, max_length=500)


class SettleIn(Strict):
    reason: text(200)  # type: ignore[valid-type]
    lines: list[BackLineIn] = Field(min_length=1, max_length=500)


class LoanLineOut(BaseModel):
    line_no: int
    product_id: int
    qty: Decimal
    returned_qty: Decimal
    settled_qty: Decimal
    out_qty: Decimal
    value_fen: int | None


class LoanOut(BaseModel):
    id: int
    no: str
    warehouse_id: int
    party_type: str
    party_id: int | None
    party_name: str
    status: str
    lent_at: datetime
    due_date: date | None
    value_fen: int | None
    note: str | None
    closed_at: datetime | None


class LoanDetail(LoanOut):
    lines: list[LoanLineOut]


class OutstandingOut(BaseModel):
    party_type: str
    party_id: int | None
    party_name: str
    product_id: int
    out_qty: Decimal
    value_fen: int | None
    loans: list[str]
    oldest_due: date | None


def _visible_warehouse(session: Session, who: Principal, warehouse_id: int) -> None:
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", "warehouse_id", warehouse_id)
    who.check_store(wh.store_id, "warehouse_id")


def _out(loan: Loan) -> dict[str, Any]:
    return {k: getattr(loan, k) for k in LoanOut.model_fields}


def _detail(session: Session, loan: Loan) -> dict[str, Any]:
    return {**_out(loan), "lines": [LoanLineOut(
        line_no=ln.line_no, product_id=ln.product_id, qty=from_milli(ln.qty_m), returned_qty=from_milli(ln.returned_m),
        settled_qty=from_milli(ln.settled_m), out_qty=from_milli(ln.out_m), value_fen=ln.value_fen)
        for ln in service.lines_of(session, loan.id)]}


def _visible_loan(session: Session, who: Principal, loan_id: int) -> Loan:
    loan = service.get_loan(session, loan_id)
    _visible_warehouse(session, who, loan.warehouse_id)
    return loan


@router.post("/loans", response_model=LoanDetail, status_code=201, summary="借出 / lend goods")
def post_loan(body: LoanIn, session: SessionDep, who: Writer) -> Any:
    _visible_warehouse(session, who, body.warehouse_id)
    loan, _w = service.lend(session, actor=who, warehouse_id=body.warehouse_id, party_type=body.party_type,
                            party_id=body.party_id, party_name=body.party_name, due_date=body.due_date, note=body.note,
                            lines=[service.LineIn(ln.product_id, ln.qty) for ln in body.lines])
    return _detail(session, loan)


@router.get("/loans", response_model=Page[LoanOut], summary="借出单 / loans")
def list_loans(session: SessionDep, who: Reader, page: PageDep,
               status: Annotated[Literal["open", "closed"] | None, Query()] = None,
               party_type: Annotated[PartyType | None, Query()] = None, party_id: IdQuery = None) -> Any:
    stmt = select(Loan).order_by(Loan.id.desc())
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == Loan.warehouse_id).where(Warehouse.store_id == who.store_id)
    for column, value in ((Loan.status, status), (Loan.party_type, party_type), (Loan.party_id, party_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return paginate(session, stmt, page, _out)


@router.get("/loans/outstanding", response_model=list[OutstandingOut],
            summary="未还汇总 / what is still out, per party and product")
def get_outstanding(session: SessionDep, who: Reader, party_type: Annotated[PartyType | None, Query()] = None,
                    party_id: IdQuery = None) -> Any:
    own = None
    if who.store_id is not None:
        own = list(session.scalars(select(Warehouse.id).where(Warehouse.store_id == who.store_id)))
    return [OutstandingOut(party_type=o.party_type, party_id=o.party_id, party_name=o.party_name,
                           product_id=o.product_id, out_qty=from_milli(o.out_m), value_fen=o.value_fen, loans=o.loans,
                           oldest_due=o.oldest_due)
            for o in service.outstanding(session, party_type=party_type, party_id=party_id, warehouse_ids=own)]


@router.get("/loans/{loan_id}", response_model=LoanDetail, summary="借出单详情 / one loan")
def get_loan(loan_id: IdPath, session: SessionDep, who: Reader) -> Any:
    return _detail(session, _visible_loan(session, who, loan_id))


@router.post("/loans/{loan_id}/returns", response_model=LoanDetail, status_code=201,
             summary="归还 / goods given back (in part, as often as it takes)")
def post_return(loan_id: IdPath, body: BackIn, session: SessionDep, who: Writer) -> Any:
    _visible_loan(session, who, loan_id)
    service.take_back(session, actor=who, loan_id=loan_id, note=body.note,
                      lines=[service.BackIn(ln.line_no, ln.qty) for ln in body.lines])
    return _detail(session, service.get_loan(session, loan_id))


@router.post("/loans/{loan_id}/settle", response_model=LoanDetail,
             summary="结清 / what is not coming back (bought, used, lost), with a reason")
def post_settle(loan_id: IdPath, body: SettleIn, session: SessionDep, who: Writer) -> Any:
    _visible_loan(session, who, loan_id)
    service.settle(session, actor=who, loan_id=loan_id, reason=body.reason,
                   lines=[service.BackIn(ln.line_no, ln.qty) for ln in body.lines])
    return _detail(session, service.get_loan(session, loan_id))
