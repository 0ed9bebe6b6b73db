"""Sales, returns and shifts as central received them: lists by business day and store (keyset-paged on
the `(store, business_date)` index, never counted), each sale with its lines, payments, returns and a
receipt preview laid out as the till printed it (`central.sales.receipt`), each shift with central's
figures by tender, the cash variance and the sales that arrived after it was closed (late postings).
A store manager sees their own store only, as in `/api/v1/sales`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from central.api.deps import SessionDep
from central.auth.roles import Permission as P
from central.console.exporting import ListExport, list_page
from central.console.i18n import register
from central.console.labels import TENDERS, label
from central.console.listing import Listing, Sort
from central.console.qr import qr_svg
from central.console.web import NAV, ConsoleRoute, NavItem, OptionalId, OptionalText, Viewer, page, render
from central.db import utcnow
from central.errors import Invalid, not_found
from central.excel import Column, Kind
from central.members.models import Member
from central.org.models import Store, Terminal
from central.sales.ingest import shift_tender_totals
from central.sales.models import ReturnLine, ReturnRefund, Sale, SaleLine, SalePayment, SaleReturn, Shift
from central.sales.receipt import sale_receipt
from central.users.models import User
from sync.store_time import business_date

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/sales", "销售|nav", (P.SALES_READ,), order=60))
Reader = Annotated[Viewer, page(P.SALES_READ)]
DocId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9A-Za-z-]+$")]
DayQuery = Annotated[date | None, Query()]
MAX_DAYS = 93
"""A list covers at most about three months (the reports cover longer periods)."""

register({
    "销售单|tab": "Sales", "退货单|tab": "Returns", "班次|tab": "Shifts", "销售单": "Sale", "退货单": "Return",
    "班次": "Shift", "从": "From", "到": "to", "收银员": "Cashier", "会员卡号或手机号": "Member card or phone",
    "晚到": "Late", "晚到的销售": "Arrived after its shift was closed", "明细": "Lines", "付款": "Payments",
    "小票预览": "Receipt preview", "退款": "Refunded", "原小票": "Original receipt", "开班": "Opened",
    "交班": "Closed", "开班备用金": "Opening float", "应有现金": "Expected cash", "实点现金": "Counted cash",
    "差额": "Difference", "晚到笔数": "Late postings", "按支付方式": "By tender", "总部统计": "Central's figures",
    "收银机上报": "Till reported", "件数": "Items", "应付": "Total", "找零": "Change", "其中税额": "incl. VAT",
    "抹零": "Rounding", "优惠合计": "Total discount", "积分抵扣": "Points", "本次积分": "Points earned",
    "退换货请出示此码": "Show this code to return goods", "手工折扣": "Discount", "整单优惠": "Order discount",
    "赠品": "Gift", "流水号": "Ref", "实收": "Tendered", "单号|receipt": "No.", "机号": "Till", "只看有差额": "Variance only",
    "只看晚到": "Late only", "营业日": "Business day", "已退": "Returned", "日期范围最多 {n} 天": "At most {n} days",
    "开启": "Open", "已交班": "Closed",
})


def _dates(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    today = business_date(utcnow())
    end = date_to or today
    start = date_from or end
    if end < start:
        start, end = end, start
    if (end - start).days > MAX_DAYS:
        raise Invalid(f"日期范围最多 {MAX_DAYS} 天", f"at most {MAX_DAYS} days", code="date_range", field="to")
    return start, end


def _store_ids(session: Session, viewer: Viewer, store_id: int | None) -> list[int]:
    """The stores this list covers: always named, so the `(store, business_date)` index serves it."""
    if viewer.principal.store_id is not None:
        viewer.principal.check_store(store_id if store_id is not None else viewer.principal.store_id)
        return [viewer.principal.store_id]
    if store_id is not None:
        return [store_id]
    return list(session.scalars(select(Store.id)))


def _names(session: Session) -> dict[str, dict[int, str]]:
    return {"stores": dict(session.execute(select(Store.id, Store.name)).all()),
            "terminals": dict(session.execute(select(Terminal.id, Terminal.code)).all()),
            "users": dict(session.execute(select(User.id, User.display_name)).all())}


SALES = Listing(sorts=[Sort("sold", "时间", Sale.sold_at), Sort("total", "金额", Sale.total_fen)],
                tiebreak=Sale.id, default_sort="sold", default_desc=True)


def _sales_stmt(session: Session, viewer: Viewer, start: date, end: date, store_id: int | None,
                terminal_id: int | None, member: str | None, receipt: str | None, late: str | None) -> Any:
    stmt = select(Sale).where(Sale.store_id.in_(_store_ids(session, viewer, store_id)),
                              Sale.business_date >= start, Sale.business_date <= end)
    if terminal_id is not None:
        stmt = stmt.where(Sale.terminal_id == terminal_id)
    if member:
        ids = select(Member.id).where((Member.card_no == member) | (Member.phone == member))
        stmt = stmt.where(Sale.member_id.in_(ids))
    if receipt:
        stmt = stmt.where(Sale.receipt_no == receipt)
    if late == "1":
        stmt = stmt.where(Sale.late)
    return stmt


SALE_EXPORT = ListExport("销售单", "Sales", [
    Column("小票号", "Receipt"), Column("门店", "Store"), Column("终端", "Terminal"), Column("收银员", "Cashier"),
    Column("时间", "Time", Kind.DATETIME), Column("营业日", "Business day", Kind.DATE),
    Column("小计（元）", "Subtotal (yuan)", Kind.MONEY), Column("优惠（元）", "Discount (yuan)", Kind.MONEY),
    Column("抹零（元）", "Rounding (yuan)", Kind.MONEY), Column("应付（元）", "Total (yuan)", Kind.MONEY),
    Column("已退（元）", "Refunded (yuan)", Kind.MONEY), Column("晚到", "Late", Kind.BOOL)])


@router.get("/sales")
def sales(request: Request, viewer: Reader, session: SessionDep, date_from: DayQuery = None, date_to: DayQuery = None,
          store_id: OptionalId = None, terminal_id: OptionalId = None, member: OptionalText = None,
          receipt: OptionalText = None, late: OptionalText = None) -> Response:
    start, end = _dates(date_from, date_to)
    stmt = _sales_stmt(session, viewer, start, end, store_id, terminal_id, member, receipt, late)
    names = _names(session)

    def cells(s: Sale) -> list[Any]:
        return [s.receipt_no, names["stores"].get(s.store_id), names["terminals"].get(s.terminal_id),
                names["users"].get(s.cashier_id or 0), s.sold_at, s.business_date, s.subtotal_fen,
                s.discount_fen, s.rounding_fen, s.total_fen, s.refunded_fen, s.late]

    return list_page(request, viewer, session, SALES, stmt, template="sales/sales.html", export=SALE_EXPORT,
                     cells=cells, suffix=f"-{start}-{end}", names=names, start=start, end=end, store_id=store_id,
                     terminal_id=terminal_id, member=member or "", receipt=receipt or "", late=late or "",
                     stores=_store_options(session, viewer))


def _store_options(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    stmt = select(Store.id, Store.name).order_by(Store.code)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Store.id == viewer.principal.store_id)
    return [(i, n) for i, n in session.execute(stmt)]


def _visible(viewer: Viewer, store_id: int, entity: tuple[str, str], ident: str) -> None:
    if not viewer.principal.may_see_store(store_id):
        raise not_found(*entity, "id", ident)


@router.get("/sales/{sale_id}")
def sale(request: Request, sale_id: DocId, viewer: Reader, session: SessionDep) -> Response:
    found = session.get(Sale, sale_id)
    if found is None:
        raise not_found("销售单", "sale", "id", sale_id)
    _visible(viewer, found.store_id, ("销售单", "sale"), sale_id)
    lines = session.scalars(select(SaleLine).where(SaleLine.sale_id == sale_id).order_by(SaleLine.line_no)).all()
    payments = session.scalars(select(SalePayment).where(SalePayment.sale_id == sale_id)).all()
    returns = session.scalars(select(SaleReturn).where(SaleReturn.original_sale_id == sale_id)).all()
    member = session.get(Member, found.member_id) if found.member_id else None
    receipt = sale_receipt(session, found)
    return render(request, viewer, "sales/sale.html", sale=found, lines=lines, payments=payments, returns=returns,
                  member=member, receipt=receipt, qr=qr_svg(receipt.qr_payload), names=_names(session),
                  tender=lambda k: label(viewer.locale, TENDERS, k))


RETURNS = Listing(sorts=[Sort("returned", "时间", SaleReturn.returned_at), Sort("total", "金额", SaleReturn.total_fen)],
                  tiebreak=SaleReturn.id, default_sort="returned", default_desc=True)


RETURN_EXPORT = ListExport("退货单", "Returns", [
    Column("时间", "Time", Kind.DATETIME), Column("退货单", "Return"), Column("原小票", "Original receipt"),
    Column("门店", "Store"), Column("收银员", "Cashier"), Column("金额（元）", "Amount (yuan)", Kind.MONEY),
    Column("原因", "Reason", width=24), Column("营业日", "Business day", Kind.DATE)])


@router.get("/returns")
def returns(request: Request, viewer: Reader, session: SessionDep, date_from: DayQuery = None,
            date_to: DayQuery = None, store_id: OptionalId = None) -> Response:
    start, end = _dates(date_from, date_to if date_to or date_from else None)
    if date_from is None and date_to is None:
        start = end - timedelta(days=6)
    original = aliased(Sale)
    stmt = (select(SaleReturn, original.receipt_no).join(original, original.id == SaleReturn.original_sale_id)
            .where(SaleReturn.store_id.in_(_store_ids(session, viewer, store_id)),
                   SaleReturn.business_date >= start, SaleReturn.business_date <= end))
    names = _names(session)

    def cells(row: tuple[SaleReturn, str]) -> list[Any]:
        r, receipt = row
        return [r.returned_at, r.receipt_no, receipt, names["stores"].get(r.store_id),
                names["users"].get(r.cashier_id or 0), r.total_fen, r.reason, r.business_date]

    return list_page(request, viewer, session, RETURNS, stmt, template="sales/returns.html", export=RETURN_EXPORT,
                     cells=cells, suffix=f"-{start}-{end}", names=names, start=start, end=end, store_id=store_id,
                     stores=_store_options(session, viewer))


@router.get("/returns/{return_id}")
def return_detail(request: Request, return_id: DocId, viewer: Reader, session: SessionDep) -> Response:
    found = session.get(SaleReturn, return_id)
    if found is None:
        raise not_found("退货单", "return", "id", return_id)
    _visible(viewer, found.store_id, ("退货单", "return"), return_id)
    lines = session.scalars(select(ReturnLine).where(ReturnLine.return_id == return_id)
                            .order_by(ReturnLine.line_no)).all()
    refunds = session.scalars(select(ReturnRefund).where(ReturnRefund.return_id == return_id)).all()
    original = session.get(Sale, found.original_sale_id)
    return render(request, viewer, "sales/return.html", ret=found, lines=lines, refunds=refunds, original=original,
                  names=_names(session), tender=lambda k: label(viewer.locale, TENDERS, k))


SHIFTS = Listing(sorts=[Sort("opened", "开班", Shift.opened_at)], tiebreak=Shift.id, default_sort="opened",
                 default_desc=True)


SHIFT_EXPORT = ListExport("班次", "Shifts", [
    Column("开班", "Opened", Kind.DATETIME), Column("交班", "Closed", Kind.DATETIME), Column("门店", "Store"),
    Column("终端", "Terminal"), Column("收银员", "Cashier"), Column("笔数", "Sales", Kind.INT),
    Column("销售额（元）", "Sales total (yuan)", Kind.MONEY), Column("应有现金（元）", "Expected cash (yuan)", Kind.MONEY),
    Column("实点现金（元）", "Counted cash (yuan)", Kind.MONEY), Column("差额（元）", "Difference (yuan)", Kind.MONEY),
    Column("晚到笔数", "Late postings", Kind.INT)])


@router.get("/shifts")
def shifts(request: Request, viewer: Reader, session: SessionDep, store_id: OptionalId = None,
           terminal_id: OptionalId = None, variance: OptionalText = None, late: OptionalText = None) -> Response:
    stmt = select(Shift).where(Shift.store_id.in_(_store_ids(session, viewer, store_id)), Shift.opened_at.is_not(None))
    if terminal_id is not None:
        stmt = stmt.where(Shift.terminal_id == terminal_id)
    if late == "1":
        stmt = stmt.where(Shift.late_postings > 0)
    if variance == "1":
        expected = Shift.opening_float_fen + Shift.cash_in_fen - Shift.cash_out_fen
        stmt = stmt.where(Shift.counted_cash_fen.is_not(None), Shift.counted_cash_fen != expected)
    names = _names(session)

    def cells(sh: Shift) -> list[Any]:
        return [sh.opened_at, sh.closed_at, names["stores"].get(sh.store_id), names["terminals"].get(sh.terminal_id),
                names["users"].get(sh.cashier_id or 0), sh.sales_count, sh.sales_total_fen, sh.expected_cash_fen,
                sh.counted_cash_fen, sh.cash_difference_fen, sh.late_postings]

    return list_page(request, viewer, session, SHIFTS, stmt, template="sales/shifts.html", export=SHIFT_EXPORT,
                     cells=cells, names=names, store_id=store_id, terminal_id=terminal_id, variance=variance or "",
                     late=late or "", stores=_store_options(session, viewer))


@router.get("/shifts/{shift_id}")
def shift(request: Request, shift_id: DocId, viewer: Reader, session: SessionDep) -> Response:
    found = session.get(Shift, shift_id)
    if found is None:
        raise not_found("班次", "shift", "id", shift_id)
    _visible(viewer, found.store_id, ("班次", "shift"), shift_id)
    late_sales = session.scalars(select(Sale).where(Sale.shift_id == shift_id, Sale.late)
                                 .order_by(Sale.received_at)).all()
    recent = session.scalars(select(Sale).where(Sale.shift_id == shift_id).order_by(Sale.sold_at.desc())
                             .limit(30)).all()
    return render(request, viewer, "sales/shift.html", shift=found, totals=shift_tender_totals(session, shift_id),
                  late_sales=late_sales, recent=recent, names=_names(session),
                  tender=lambda k: label(viewer.locale, TENDERS, k))
