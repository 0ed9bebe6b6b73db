"""Sales API (read-only: sales arrive from the tills through sync): sales, returns, shifts, audit.

Store-scoped callers see only their store's rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select

from central.api.deps import IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.errors import not_found
from central.inventory.quantities import from_milli
from central.sales.ingest import shift_tender_totals
from central.sales.models import (
    CancelledCart,
    DrawerOpening,
    ReturnLine,
    ReturnRefund,
    Sale,
    SaleLine,
    SalePayment,
    SaleReturn,
    Shift,
)

router = APIRouter(tags=["sales 销售"])

Reader = Annotated[Principal, require(P.SALES_READ, devices=False)]
DocId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9A-Za-z-]+$")]
DateFrom = Annotated[date | None, Query(alias="from", description="first business day (Asia/Shanghai)")]
DateTo = Annotated[date | None, Query(alias="to", description="last business day, inclusive")]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SaleOut(Out):
    id: str
    receipt_no: str
    store_id: int
    terminal_id: int
    shift_id: str
    cashier_id: int | None
    customer_id: int | None
    member_id: str | None
    sold_at: datetime
    received_at: datetime
    business_date: date
    subtotal_fen: int
    discount_fen: int
    rounding_fen: int
    total_fen: int
    tax_fen: int
    points_earned: int
    points_redeemed: int
    price_version: int
    promotion_ids: list[int]
    late: bool
    refunded_fen: int


class SaleLineOut(Out):
    line_no: int
    product_id: int
    sku: str
    name: str
    unit_code: str
    unit_factor: int
    qty: Decimal
    unit_price_fen: int
    price_source: str
    list_amount_fen: int
    line_discount_fen: int
    order_discount_fen: int
    amount_fen: int
    tax_rate_bp: int
    tax_fen: int
    promotion_ids: list[int]
    is_gift: bool
    returned_qty: Decimal


class PaymentOut(Out):
    tender: str
    amount_fen: int
    tendered_fen: int | None = None
    reference: str | None
    points: int | None


class SaleDetail(SaleOut):
    lines: list[SaleLineOut]
    payments: list[PaymentOut]


class ReturnOut(Out):
    id: str
    receipt_no: str
    original_sale_id: str
    store_id: int
    terminal_id: int
    shift_id: str
    returned_at: datetime
    received_at: datetime
    business_date: date
    total_fen: int
    tax_fen: int
    points_reversed: int
    points_refunded: int
    reason: str | None
    late: bool


class ReturnLineOut(Out):
    line_no: int
    original_line_no: int
    product_id: int
    sku: str
    unit_code: str
    qty: Decimal
    amount_fen: int
    tax_fen: int
    restock: bool


class ReturnDetail(ReturnOut):
    lines: list[ReturnLineOut]
    refunds: list[PaymentOut]


class ShiftOut(Out):
    id: str
    store_id: int
    terminal_id: int
    cashier_id: int | None
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    opening_float_fen: int
    sales_count: int
    sales_total_fen: int
    returns_count: int
    returns_total_fen: int
    cash_in_fen: int
    cash_out_fen: int
    expected_cash_fen: int
    counted_cash_fen: int | None
    cash_difference_fen: int | None
    reported_expected_cash_fen: int | None
    reported_sales_count: int | None
    reported_returns_count: int | None
    late_postings: int
    corrected_at: datetime | None


class ShiftDetail(ShiftOut):
    totals_by_tender: dict[str, int]
    reported_totals_by_tender: dict[str, int] | None
    denominations: dict[str, int] | None


class DrawerOut(Out):
    id: int
    store_id: int
    terminal_id: int
    shift_id: str | None
    cashier_id: int | None
    approved_by: int | None
    opened_at: datetime
    received_at: datetime
    reason: str


class CancelledCartOut(Out):
    id: str
    store_id: int
    terminal_id: int
    shift_id: str | None
    cashier_id: int | None
    cancelled_at: datetime
    received_at: datetime
    line_count: int
    amount_fen: int
    reason: str | None


def _filter(stmt: Select[Any], model: Any, who: Principal, store_id: int | None, date_from: date | None,
            date_to: date | None) -> Select[Any]:
    stmt = who.scope(stmt, model.store_id)
    if store_id is not None:
        stmt = stmt.where(model.store_id == store_id)
    if date_from is not None:
        stmt = stmt.where(model.business_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(model.business_date <= date_to)
    return stmt


@router.get("/sales", response_model=Page[SaleOut], summary="销售单 / sales as received")
def list_sales(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None,
               date_from: DateFrom = None, date_to: DateTo = None,
               shift_id: Annotated[str | None, Query(max_length=36)] = None, customer_id: IdQuery = None,
               member_id: Annotated[str | None, Query(max_length=36)] = None,
               late: Annotated[bool | None, Query(description="arrived after their shift was closed")] = None
               ) -> object:
    stmt = _filter(select(Sale), Sale, who, store_id, date_from, date_to).order_by(Sale.received_at.desc(),
                                                                                  Sale.id)
    for column, value in ((Sale.shift_id, shift_id), (Sale.customer_id, customer_id), (Sale.member_id, member_id),
                          (Sale.late, late)):
        if value is not None:
            stmt = stmt.where(column == value)
    return paginate(session, stmt, page, SaleOut.model_validate)


@router.get("/sales/{sale_id}", response_model=SaleDetail, summary="销售单详情（行、付款）")
def get_sale(sale_id: DocId, session: SessionDep, who: Reader) -> object:
    sale = session.get(Sale, sale_id)
    if sale is None or not who.may_see_store(sale.store_id):
        raise not_found("销售单", "sale", "sale_id", sale_id)
    lines = session.scalars(select(SaleLine).where(SaleLine.sale_id == sale_id).order_by(SaleLine.line_no)).all()
    payments = session.scalars(select(SalePayment).where(SalePayment.sale_id == sale_id).order_by(SalePayment.id))
    return {**SaleOut.model_validate(sale).model_dump(),
            "lines": [{**ln.__dict__, "qty": from_milli(ln.qty_m), "returned_qty": from_milli(ln.returned_qty_m)}
                      for ln in lines],
            "payments": [PaymentOut.model_validate(p) for p in payments]}


@router.get("/returns", response_model=Page[ReturnOut], summary="退货单 / returns")
def list_returns(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None,
                 date_from: DateFrom = None, date_to: DateTo = None,
                 original_sale_id: Annotated[str | None, Query(max_length=36)] = None) -> object:
    stmt = _filter(select(SaleReturn), SaleReturn, who, store_id, date_from, date_to).order_by(
        SaleReturn.received_at.desc(), SaleReturn.id)
    if original_sale_id is not None:
        stmt = stmt.where(SaleReturn.original_sale_id == original_sale_id)
    return paginate(session, stmt, page, ReturnOut.model_validate)


@router.get("/returns/{return_id}", response_model=ReturnDetail, summary="退货单详情")
def get_return(return_id: DocId, session: SessionDep, who: Reader) -> object:
    ret = session.get(SaleReturn, return_id)
    if ret is None or not who.may_see_store(ret.store_id):
        raise not_found("退货单", "return", "return_id", return_id)
    lines = session.scalars(select(ReturnLine).where(ReturnLine.return_id == return_id).order_by(ReturnLine.line_no))
    refunds = session.scalars(select(ReturnRefund).where(ReturnRefund.return_id == return_id).order_by(ReturnRefund.id))
    return {**ReturnOut.model_validate(ret).model_dump(),
            "lines": [{**ln.__dict__, "qty": from_milli(ln.qty_m)} for ln in lines],
            "refunds": [PaymentOut.model_validate(r) for r in refunds]}


@router.get("/shifts", response_model=Page[ShiftOut], summary="班次 / shifts with central's figures")
def list_shifts(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None,
                terminal_id: IdQuery = None,
                status: Annotated[str | None, Query(pattern="^(open|closed|unknown)$")] = None,
                corrected: Annotated[bool | None, Query(description="late postings changed the figures")] = None
                ) -> object:
    stmt = who.scope(select(Shift), Shift.store_id).order_by(Shift.opened_at.desc(), Shift.id)
    for column, value in ((Shift.store_id, store_id), (Shift.terminal_id, terminal_id), (Shift.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if corrected is not None:
        stmt = stmt.where(Shift.late_postings > 0 if corrected else Shift.late_postings == 0)
    return paginate(session, stmt, page, ShiftOut.model_validate)


@router.get("/shifts/{shift_id}", response_model=ShiftDetail, summary="班次详情（按支付方式）")
def get_shift(shift_id: DocId, session: SessionDep, who: Reader) -> object:
    shift = session.get(Shift, shift_id)
    if shift is None or not who.may_see_store(shift.store_id):
        raise not_found("班次", "shift", "shift_id", shift_id)
    return {**ShiftOut.model_validate(shift).model_dump(), "totals_by_tender": shift_tender_totals(session, shift_id),
            "reported_totals_by_tender": shift.reported_totals_by_tender, "denominations": shift.denominations}


@router.get("/audit/drawer-openings", response_model=Page[DrawerOut], summary="无销售开钱箱 / no-sale drawer opens")
def list_drawer_openings(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None) -> object:
    stmt = who.scope(select(DrawerOpening), DrawerOpening.store_id).order_by(DrawerOpening.opened_at.desc())
    if store_id is not None:
        stmt = stmt.where(DrawerOpening.store_id == store_id)
    return paginate(session, stmt, page, DrawerOut.model_validate)


@router.get("/audit/cancelled-carts", response_model=Page[CancelledCartOut], summary="作废购物车 / cancelled carts")
def list_cancelled_carts(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None) -> object:
    stmt = who.scope(select(CancelledCart), CancelledCart.store_id).order_by(CancelledCart.cancelled_at.desc())
    if store_id is not None:
        stmt = stmt.where(CancelledCart.store_id == store_id)
    return paginate(session, stmt, page, CancelledCartOut.model_validate)
