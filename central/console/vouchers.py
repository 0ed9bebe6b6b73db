"""Console area 券 (`/vouchers`): voucher batches, issuing codes, looking a code up, voiding.

The forms are checked by the API's own schemas (`central.vouchers.schemas`) and saved by the same
service (`central.vouchers.service`, which audits), so the console and the API cannot disagree.
Store managers see the batches usable at their store; head office (vouchers.write) creates,
issues and voids.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from central.api.deps import IdPath, SessionDep
from central.auth.roles import Permission as P
from central.catalog.models import Product
from central.console.exporting import ListExport, export_url, list_page, wants_export
from central.console.i18n import register
from central.console.listing import Listing, PageOf, Sort
from central.console.web import (
    NAV,
    ConsoleRoute,
    FormErrors,
    NavItem,
    Viewer,
    form_errors,
    page,
    parse_yuan,
    render,
)
from central.errors import Forbidden, Invalid, NotFound
from central.excel import Column, Kind
from central.members.models import Member
from central.org.models import Store
from central.review.models import ReviewFlag
from central.vouchers import service
from central.vouchers.models import Voucher, VoucherBatch
from central.vouchers.schemas import BatchIn, IssueIn, VoidIn
from sync.store_time import day_start_utc

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/vouchers", "代金券", (P.VOUCHERS_READ,)))

Reader = Annotated[Viewer, page(P.VOUCHERS_READ)]
Writer = Annotated[Viewer, page(P.VOUCHERS_WRITE)]

KIND_NAMES = {"value": "代金券", "percent": "折扣券", "goods": "提货券"}
STATUS_NAMES = {"unsold": "未售出", "active": "可用", "redeemed": "已使用", "void": "已作废"}

CODES = Listing(sorts=[Sort("id", "发券顺序", Voucher.__table__.c.id)], tiebreak=Voucher.__table__.c.id,
                default_sort="id")


def _usable_here(viewer: Viewer, batch: VoucherBatch) -> bool:
    return viewer.principal.store_id is None or not batch.store_ids or viewer.principal.store_id in batch.store_ids


def _check_store(viewer: Viewer, batch: VoucherBatch) -> None:
    if not _usable_here(viewer, batch):
        raise Forbidden("此券不能在本店使用", "this voucher is not for this store", code="other_store")


def worth(viewer: Viewer, b: VoucherBatch, product_names: dict[int, str]) -> str:
    """What one voucher of the batch is worth, in words (¥20.00 / 10% off, at most ¥50.00 / 1 × 大米)."""
    from central.console.web import bp_percent, money

    if b.kind == "value":
        return money(b.value_fen)
    if b.kind == "percent":
        off = viewer.t("减 {p}", p=bp_percent(b.percent_off_bp))
        return off + (viewer.t("，最多 {m}", m=money(b.max_off_fen)) if b.max_off_fen is not None else "")
    return f"{b.qty} × {product_names.get(b.product_id or 0, '?')} ({b.unit_code})"


def _stores(session: SessionDep) -> list[tuple[int, str, str]]:
    return [(s.id, s.code, s.name) for s in session.scalars(select(Store).where(Store.active.is_(True))
                                                            .order_by(Store.code))]


def _product_names(session: SessionDep, batches: list[VoucherBatch]) -> dict[int, str]:
    ids = {b.product_id for b in batches if b.product_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(ids))).all())


BATCH_EXPORT = ListExport("券批次", "Voucher batches", [
    Column("批次编号", "Batch"), Column("名称", "Name", width=24), Column("类型", "Kind"), Column("面值", "Worth", width=20),
    Column("满额可用（元）", "Min. spend (yuan)", Kind.MONEY), Column("售价（元）", "Sale price (yuan)", Kind.MONEY),
    Column("生效", "Valid from", Kind.DATETIME), Column("失效", "Valid to", Kind.DATETIME),
    Column("适用门店", "Stores", Kind.LIST), Column("已发", "Issued", Kind.INT), Column("启用", "Active", Kind.BOOL)])
CODE_EXPORT = ListExport("券号", "Voucher codes", [
    Column("券号", "Code"), Column("状态", "Status"), Column("持券会员", "Member card"),
    Column("发出时间", "Issued", Kind.DATETIME), Column("使用次数", "Uses", Kind.INT),
    Column("使用小票", "Redeemed on receipt"), Column("使用门店", "Redeemed at store")])


def _list_page(request: Request, viewer: Viewer, session: SessionDep, *, form: dict[str, Any] | None = None,
               errors: FormErrors | None = None, status: int = 200) -> Response:
    batches = [b for b in session.scalars(select(VoucherBatch).order_by(VoucherBatch.id.desc()))
               if _usable_here(viewer, b)]
    products = _product_names(session, batches)
    stores = _stores(session)
    if wants_export(request) and status == 200:
        codes = {sid: code for sid, code, _n in stores}
        return BATCH_EXPORT.response(viewer, ([
            b.code, b.name, viewer.t(KIND_NAMES[b.kind]), worth(viewer, b, products), b.min_spend_fen or None,
            b.sale_price_fen, b.valid_from, b.valid_to, [codes.get(sid, str(sid)) for sid in b.store_ids] or
            viewer.t("全部门店"), b.issued_count, b.active] for b in batches))
    return render(request, viewer, "vouchers/list.html", status=status, batches=batches,
                  products=products, worth=worth, kinds=KIND_NAMES,
                  stores=stores, form=form or {"kind": "value", "qty": "1"}, errors=errors or FormErrors(),
                  flash_error=errors.general if errors else None, export_url=export_url(request))


@router.get("/vouchers")
def list_batches(request: Request, viewer: Reader, session: SessionDep) -> Response:
    return _list_page(request, viewer, session)


def _day(text: str, *, end: bool = False) -> Any:
    """A date field (the store's calendar day) as the UTC instant it starts (or, for `end`, ends)."""
    if not text.strip():
        return None
    day = date.fromisoformat(text.strip())
    return day_start_utc(day + timedelta(days=1) if end else day)


@router.post("/vouchers/batches")
async def create_batch(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "store_ids"}
    stores = [int(str(s)) for s in form.getlist("store_ids") if str(s).isdigit()]
    try:
        product_id = None
        if values.get("kind") == "goods" and values.get("product_sku", "").strip():
            product_id = session.scalar(select(Product.id).where(Product.sku == values["product_sku"].strip()))
            if product_id is None:
                raise Invalid(f"没有此商品：{values['product_sku']}", f"no such product: {values['product_sku']}",
                              code="product_not_found", field="product_sku")
        body = BatchIn.model_validate({
            "code": values.get("code", ""), "name": values.get("name", ""), "kind": values.get("kind", ""),
            "value_fen": parse_yuan(values.get("value")) or 0,
            "percent_off_bp": round(float(values.get("percent") or 0) * 100),
            "max_off_fen": parse_yuan(values.get("max_off")), "min_spend_fen": parse_yuan(values.get("min_spend")) or 0,
            "product_id": product_id, "unit_code": values.get("unit_code") or None,
            "qty": int(values.get("qty") or 1), "sale_price_fen": parse_yuan(values.get("sale_price")),
            "valid_from": _day(values.get("valid_from", "")), "valid_to": _day(values.get("valid_to", ""), end=True),
            "store_ids": stores, "note": values.get("note") or None})
        batch = service.create_batch(session, actor=viewer.principal, **body.model_dump())
    except (ValidationError, Invalid, NotFound) as exc:
        return _list_page(request, viewer, session, form={**values, "store_ids": stores},
                          errors=form_errors(viewer.locale, exc), status=422)
    except ValueError:
        errors = FormErrors(general=viewer.t("金额、比例或日期格式不对"))
        return _list_page(request, viewer, session, form={**values, "store_ids": stores}, errors=errors, status=422)
    return RedirectResponse(f"/vouchers/batches/{batch.id}?created=1", status_code=303)


@router.get("/vouchers/batches/{batch_id}")
def batch_page(request: Request, batch_id: IdPath, viewer: Reader, session: SessionDep,
               status: str | None = None) -> Response:
    batch = service.get_batch(session, batch_id)
    _check_store(viewer, batch)
    stmt = select(Voucher).where(Voucher.batch_id == batch.id)
    if status in STATUS_NAMES:
        stmt = stmt.where(Voucher.status == status)
    store_codes = {sid: code for sid, code, _n in _stores(session)}

    def cells(v: Voucher) -> list[Any]:
        card = session.scalar(select(Member.card_no).where(Member.id == v.member_id)) if v.member_id else None
        return [v.code, viewer.t(STATUS_NAMES[v.status]), card, v.issued_at, v.uses, v.redeemed_receipt_no,
                store_codes.get(v.redeemed_store_id or 0)]

    def shown(codes: PageOf, url: str) -> Response:
        members = dict(session.execute(select(Member.id, Member.card_no).where(
            Member.id.in_({v.member_id for v in codes.rows if v.member_id}))).all()) if codes.rows else {}
        issued = request.query_params.get("issued")
        flash = None
        if request.query_params.get("created"):
            flash = viewer.t("券批次已建立，可以发券了")
        elif issued and issued.isdigit():
            flash = viewer.t("已发券 {n} 张", n=int(issued))
        return render(request, viewer, "vouchers/batch.html", batch=batch, codes=codes, members=members,
                      worth=worth(viewer, batch, _product_names(session, [batch])), kinds=KIND_NAMES,
                      statuses=STATUS_NAMES, status_filter=status or "", flash_ok=flash, store_codes=store_codes,
                      export_url=url)

    return list_page(request, viewer, session, CODES, stmt, export=CODE_EXPORT, cells=cells, render_with=shown,
                     suffix=f"-{batch.code}")


@router.post("/vouchers/batches/{batch_id}/issue")
def issue(request: Request, batch_id: IdPath, viewer: Writer, session: SessionDep,
          count: Annotated[str, Form(max_length=10)] = "1", member: Annotated[str, Form(max_length=32)] = "",
          code: Annotated[str, Form(max_length=32)] = "") -> Response:
    batch = service.get_batch(session, batch_id)
    member_id = None
    if member.strip():
        member_id = session.scalar(select(Member.id).where(Member.card_no == member.strip()))
        if member_id is None:
            raise NotFound(f"没有卡号为 {member} 的会员", f"no member with card number {member}",
                           code="member_not_found", field="member")
    try:
        body = IssueIn.model_validate({"count": int(count or 1) if count.strip().isdigit() else 0,
                                       "member_id": member_id, "code": code.strip() or None})
    except ValidationError:
        raise Invalid("一次发券 1–10000 张；券号只能是字母、数字和短横", "issue 1–10,000 codes; a code is letters, "
                      "digits and dashes", code="issue_count", field="count") from None
    vouchers = service.issue(session, batch, count=body.count, member_id=body.member_id, code=body.code,
                             actor=viewer.principal)
    return RedirectResponse(f"/vouchers/batches/{batch.id}?issued={len(vouchers)}", status_code=303)


@router.post("/vouchers/batches/{batch_id}/active")
def set_active(batch_id: IdPath, viewer: Writer, session: SessionDep,
               active: Annotated[str, Form(max_length=1)] = "") -> Response:
    batch = service.get_batch(session, batch_id)
    service.update_batch(session, batch, {"active": active == "1"}, actor=viewer.principal)
    return RedirectResponse(f"/vouchers/batches/{batch.id}", status_code=303)


@router.get("/vouchers/code")
def lookup(request: Request, viewer: Reader, session: SessionDep, code: str = "") -> Response:
    code = code.strip()
    if not code:
        return RedirectResponse("/vouchers", status_code=303)
    voucher = service.get_voucher(session, code[:32])
    batch = service.get_batch(session, voucher.batch_id)
    _check_store(viewer, batch)
    uses = service.redemptions(session, voucher.code)
    flags = list(session.scalars(select(ReviewFlag).where(ReviewFlag.kind.like("voucher_%"),
                                                          ReviewFlag.subject.in_([u.receipt_no for u in uses]))
                                 .order_by(ReviewFlag.id))) if uses else []
    member = session.get(Member, voucher.member_id) if voucher.member_id else None
    return render(request, viewer, "vouchers/code.html", voucher=voucher, batch=batch, uses=uses, flags=flags,
                  member=member, statuses=STATUS_NAMES, kinds=KIND_NAMES,
                  worth=worth(viewer, batch, _product_names(session, [batch])),
                  store_codes={sid: c for sid, c, _n in _stores(session)},
                  flash_ok=viewer.t("券已作废") if request.query_params.get("voided") else None)


@router.post("/vouchers/code/{code}/void")
def void(code: str, viewer: Writer, session: SessionDep, reason: Annotated[str, Form(max_length=200)] = "") -> Response:
    try:
        body = VoidIn.model_validate({"reason": reason})
    except ValidationError:
        raise Invalid("作废券必须说明原因", "say why the voucher is withdrawn (reason)", code="reason_required",
                      field="reason") from None
    voucher = service.get_voucher(session, code[:32], for_update=True)
    service.void(session, voucher, reason=body.reason, actor=viewer.principal)
    return RedirectResponse(f"/vouchers/code?code={voucher.code}&voided=1", status_code=303)


register({
    "代金券": "Vouchers",
    "折扣券": "Percent coupon",
    "提货券": "Goods voucher",
    "未售出": "Not sold yet",
    "可用": "Usable",
    "已使用": "Used",
    "已作废": "Withdrawn",
    "发券顺序": "Issued",
    "减 {p}": "{p} off",
    "，最多 {m}": ", at most {m}",
    "金额、比例或日期格式不对": "An amount, percentage or date is not in a form we can read",
    "券批次已建立，可以发券了": "Batch created: you can issue codes now",
    "已发券 {n} 张": "{n} codes issued",
    "券已作废": "Voucher withdrawn",
    "券批次": "Voucher batches",
    "查券": "Look up a voucher",
    "券号": "Code",
    "批次编号": "Batch code",
    "名称": "Name",
    "类型": "Kind",
    "面值": "Worth",
    "满额可用": "Minimum spend",
    "售价": "Sale price",
    "有效期": "Valid",
    "适用门店": "Stores",
    "已发": "Issued",
    "状态": "Status",
    "新建券批次": "New voucher batch",
    "金额（元）": "Amount (yuan)",
    "折扣（%）": "Percent off",
    "最多减（元）": "At most off (yuan)",
    "满（元）": "Minimum spend (yuan)",
    "商品货号": "Product SKU",
    "单位": "Unit",
    "数量": "Quantity",
    "售价（元，预售券才填）": "Sale price (yuan, pre-sold vouchers only)",
    "起始日期": "From",
    "截止日期（含）": "To (inclusive)",
    "备注": "Note",
    "不选 = 全部门店": "none selected = every store",
    "建立": "Create",
    "至": "to",
    "不限": "any",
    "发券": "Issue codes",
    "张数": "How many",
    "会员卡号（可选）": "Member card no. (optional)",
    "指定券号（可选，只发一张）": "Chosen code (optional, one voucher)",
    "停用此批次": "Deactivate this batch",
    "重新启用": "Reactivate",
    "此批次的券": "Codes of this batch",
    "会员": "Members",
    "发出时间": "Issued at",
    "使用": "Used on",
    "作废": "Withdraw",
    "作废原因": "Reason",
    "作废原因：{reason}": "Withdrawn because: {reason}",
    "使用记录": "Uses",
    "小票": "Receipt",
    "抵扣": "Amount",
    "计入": "Counted",
    "被标记": "Flagged",
    "复核事项": "Review flags",
    "已处理": "Resolved",
    "待处理": "Open",
    "没有使用记录": "Not used yet",
    "持券会员": "Member",
    "预售": "Pre-sold",
    "返回券批次": "Back to the batches",
    "券批次：{name}": "Voucher batch: {name}",
    "券 {code}": "Voucher {code}",
    "售出": "Sold",
})
