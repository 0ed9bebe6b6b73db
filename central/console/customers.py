"""Customers (B2B, 客户): search by code, name, contact, phone or pinyin initials; each customer's rep,
group, price list, credit limit and days, receivables with ageing and entries, field history; edits
(`CustomerPatch`, kept field by field in the customer's history) and payments received
(`PaymentIn`, finance). A sales rep sees only their own customers, as in `/api/v1/customers`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.api.types import changes_of
from central.auth.roles import Permission as P
from central.console.audit_view import record_change, trail
from central.console.exporting import ListExport, list_page
from central.console.i18n import register
from central.console.labels import RECEIVABLE_KINDS, label
from central.console.listing import Listing, Sort
from central.console.web import (
    NAV,
    ConsoleRoute,
    FormErrors,
    NavItem,
    OptionalId,
    OptionalText,
    Viewer,
    form_errors,
    page,
    parse_yuan,
    render,
)
from central.customers import service
from central.customers.models import Customer, CustomerFieldChange, customer_dict
from central.customers.schemas import CustomerPatch
from central.db import utcnow
from central.errors import DomainError, Invalid
from central.excel import Column, Kind
from central.finance.ageing import BUCKETS
from central.finance.api import PaymentIn
from central.finance.models import ReceivableAccount, ReceivableEntry
from central.finance.receivables import PAYMENT_METHODS, ageing_report, record_payment
from central.pricing.models import CustomerGroup, PriceList
from central.sales.models import Sale
from central.users.models import User
from sync.store_time import business_date

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/customers", "客户|nav", (P.CUSTOMERS_READ,), order=50))
Reader = Annotated[Viewer, page(P.CUSTOMERS_READ)]
Writer = Annotated[Viewer, page(P.CUSTOMERS_READ, P.CUSTOMERS_WRITE)]
Cashier = Annotated[Viewer, page(P.CUSTOMERS_READ, P.RECEIVABLES_WRITE)]
CustomerId = Annotated[int, Path(ge=1, le=2_147_483_647)]

register({
    "客户编码": "Code", "客户名称": "Name", "联系人": "Contact", "业务员": "Sales rep", "区域": "Region",
    "行业": "Industry", "信用额度": "Credit limit", "账期（天）": "Credit days", "应收余额": "Balance",
    "编码、名称、联系人、电话或拼音首字母": "Code, name, contact, phone or pinyin initials", "全部业务员": "All reps",
    "全部分组": "All groups", "账龄": "Ageing", "逾期": "Overdue", "预收": "Paid in advance", "应收明细": "Entries",
    "单据": "Document", "日期": "Date", "到期日": "Due", "超额度": "Over limit", "修改记录（字段）": "Field history",
    "字段": "Field", "旧值": "Old value", "新值": "New value", "来源": "Source", "登记收款": "Record a payment",
    "收款金额（元）": "Amount (yuan)", "收款方式": "Method", "收款日期": "Paid on", "参考号": "Reference",
    "已登记收款": "Payment recorded", "修改客户": "Edit customer", "专属价目表": "Own price list",
    "最近销售": "Recent sales", "天": "days", "0-30": "0-30", "31-60": "31-60", "61-90": "61-90", "90+": "90+",
    "银行转账": "Bank transfer", "微信": "WeChat", "其他": "Other",
})
METHOD_NAMES = {"cash": "现金", "bank_transfer": "银行转账", "wechat": "微信", "alipay": "支付宝", "other": "其他"}

CUSTOMERS = Listing(sorts=[Sort("code", "客户编码", Customer.code), Sort("name", "客户名称", Customer.name_pinyin),
                           Sort("balance", "应收余额", func.coalesce(ReceivableAccount.balance_fen, 0))],
                    tiebreak=Customer.id, default_sort="code")


def _filters(viewer: Viewer, q: str | None, rep_id: int | None, group_id: int | None, region: str | None) -> Any:
    stmt = service.search_customers(viewer.principal, q=(q or "").strip() or None, rep_id=rep_id, group_id=group_id,
                                    region=region or None)
    return (stmt.add_columns(func.coalesce(ReceivableAccount.balance_fen, 0))
            .outerjoin(ReceivableAccount, ReceivableAccount.customer_id == Customer.id))


def _names(session: Session) -> dict[str, dict[int, str]]:
    return {"reps": dict(session.execute(select(User.id, User.display_name).where(User.role == "sales_rep")
                                         .order_by(User.username)).all()),
            "groups": dict(session.execute(select(CustomerGroup.id, CustomerGroup.name).order_by(CustomerGroup.code)).all())}


CUSTOMER_EXPORT = ListExport("客户", "Customers", [
    Column("客户编码", "Code"), Column("客户名称", "Name", width=28), Column("联系人", "Contact"), Column("电话", "Phone"),
    Column("区域", "Region"), Column("业务员", "Sales rep"), Column("客户分组", "Group"),
    Column("信用额度（元）", "Credit limit (yuan)", Kind.MONEY), Column("账期（天）", "Credit days", Kind.INT),
    Column("应收余额（元）", "Balance (yuan)", Kind.MONEY)])


@router.get("/customers")
def customers(request: Request, viewer: Reader, session: SessionDep, q: OptionalText = None, rep_id: OptionalId = None,
              group_id: OptionalId = None, region: OptionalText = None) -> Response:
    names = _names(session)

    def cells(row: tuple[Any, int]) -> list[Any]:
        c, balance = row
        return [c.code, c.name, c.contact_name, c.contact_phone, c.region, names["reps"].get(c.rep_id or 0),
                names["groups"].get(c.group_id or 0), c.credit_limit_fen, c.credit_days, balance]

    return list_page(request, viewer, session, CUSTOMERS, _filters(viewer, q, rep_id, group_id, region),
                     template="customers/list.html", export=CUSTOMER_EXPORT, cells=cells, q=q or "", rep_id=rep_id,
                     group_id=group_id, region=region or "", names=names,
                     is_rep=viewer.principal.rep_id is not None)


ENTRIES = Listing(sorts=[Sort("id", "日期", ReceivableEntry.id)], tiebreak=ReceivableEntry.id, default_sort="id",
                  default_desc=True)


def _customer_page(request: Request, viewer: Viewer, session: Session, customer: Customer, *,
                   errors: FormErrors | None = None, values: dict[str, Any] | None = None, flash: str | None = None,
                   pay_errors: FormErrors | None = None, pay_values: dict[str, Any] | None = None) -> Response:
    today = business_date(utcnow())
    aged = ageing_report(session, as_of=today, customer_ids=[customer.id])
    balance = session.scalar(select(ReceivableAccount.balance_fen).where(ReceivableAccount.customer_id == customer.id))
    entries = ENTRIES.page(session, select(ReceivableEntry).where(ReceivableEntry.customer_id == customer.id),
                           ENTRIES.params(request))
    history = session.scalars(select(CustomerFieldChange).where(CustomerFieldChange.customer_id == customer.id)
                              .order_by(CustomerFieldChange.id.desc()).limit(30)).all()
    sales = session.execute(select(Sale.id, Sale.receipt_no, Sale.sold_at, Sale.total_fen).where(
        Sale.customer_id == customer.id).order_by(Sale.sold_at.desc()).limit(10)).all()
    price_lists = session.execute(select(PriceList.id, PriceList.name).order_by(PriceList.code)).all()
    return render(request, viewer, "customers/detail.html", customer=customer, names=_names(session),
                  ageing=aged[0].ageing if aged else None, buckets=BUCKETS, balance=int(balance or 0),
                  entries=entries, history=history, sales=sales, price_lists=price_lists, today=today,
                  errors=errors or FormErrors(), values=values or {}, flash_ok=flash,
                  pay_errors=pay_errors or FormErrors(), pay_values=pay_values or {},
                  methods=[(m, viewer.t(METHOD_NAMES.get(m, m))) for m in PAYMENT_METHODS],
                  kind_label=lambda k: label(viewer.locale, RECEIVABLE_KINDS, k), trail=trail(session, "customer", customer.id),
                  can_write=viewer.can(P.CUSTOMERS_WRITE), can_collect=viewer.can(P.RECEIVABLES_WRITE),
                  can_receivables=viewer.can(P.RECEIVABLES_READ), is_rep=viewer.principal.rep_id is not None)


@router.get("/customers/{customer_id}")
def customer(request: Request, customer_id: CustomerId, viewer: Reader, session: SessionDep) -> Response:
    found = service.get_customer(session, customer_id, viewer.principal)
    return _customer_page(request, viewer, session, found,
                          flash=viewer.t("已保存") if request.query_params.get("saved") else None)


@router.post("/customers/{customer_id}")
async def edit_customer(request: Request, customer_id: CustomerId, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    found = service.get_customer(session, customer_id, viewer.principal)
    before = customer_dict(found)
    fields = ("contact_name", "contact_phone", "address", "notes") if viewer.principal.rep_id is not None else (
        "name", "contact_name", "contact_phone", "address", "region", "industry", "rep_id", "group_id",
        "price_list_id", "credit_days", "notes")
    data: dict[str, Any] = {k: (str(form.get(k) or "").strip() or None) for k in fields}
    try:
        if viewer.principal.rep_id is None:
            data["credit_limit_fen"] = parse_yuan(str(form.get("credit_limit") or "0")) or 0
            data["active"] = form.get("active") == "on"
    except (ValueError, ArithmeticError):
        return _customer_page(request, viewer, session, found, values=data, errors=FormErrors(
            fields={"credit_limit_fen": viewer.t("金额格式不对")}, general=viewer.t("表单有误，请检查标红的项目")))
    try:
        body = CustomerPatch.model_validate(data)
        changes = changes_of(body, required=("code", "name", "credit_limit_fen", "credit_days", "active", "tags"))
        service.update_customer(session, found, viewer.principal, viewer.user_id, changes)
        record_change(session, viewer, request, action="customer.update", entity_type="customer", entity_id=found.id,
                      before=before, after=customer_dict(found))
    except (ValidationError, DomainError) as exc:
        session.rollback()
        found = service.get_customer(session, customer_id, viewer.principal)
        return _customer_page(request, viewer, session, found, errors=form_errors(viewer.locale, exc), values=data)
    return RedirectResponse(f"/customers/{found.id}?saved=1", status_code=303)


@router.post("/customers/{customer_id}/payments")
async def payment(request: Request, customer_id: CustomerId, viewer: Cashier, session: SessionDep) -> Response:
    form = await request.form()
    found = service.get_customer(session, customer_id, viewer.principal)
    values = {k: str(form.get(k) or "").strip() for k in ("amount", "method", "paid_on", "reference", "note")}
    try:
        try:
            amount = parse_yuan(values["amount"])
        except (ValueError, ArithmeticError):
            raise Invalid("金额格式不对", "not a valid amount", field="amount_fen") from None
        body = PaymentIn.model_validate({"customer_id": found.id, "amount_fen": amount, "method": values["method"],
                                         "paid_on": values["paid_on"] or None, "reference": values["reference"] or None,
                                         "note": values["note"] or None})
        paid_on = body.paid_on or business_date(utcnow())
        entry = record_payment(session, customer_id=found.id, amount_fen=body.amount_fen, method=body.method,
                               paid_on=paid_on, reference=body.reference, user_id=viewer.user_id, note=body.note)
        record_change(session, viewer, request, action="customer.payment", entity_type="customer", entity_id=found.id,
                      before=None, after={"amount_fen": body.amount_fen, "method": body.method,
                                          "paid_on": paid_on, "balance_after_fen": entry.balance_after_fen},
                      reason=body.note)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        found = service.get_customer(session, customer_id, viewer.principal)
        return _customer_page(request, viewer, session, found, pay_errors=form_errors(viewer.locale, exc),
                              pay_values=values)
    return RedirectResponse(f"/customers/{found.id}?saved=1#receivables", status_code=303)
