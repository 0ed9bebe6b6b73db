"""Promotions: list, create and edit every kind the pricing contract knows (特价/直降, 折扣, 买X送Y, 买赠,
满减; member-only, exclusive, time window, stores, target products and categories), with a live
preview that prices a sample cart through `central.pricing.quote.preview_promotion` — the shared
`sync.pricing.price_cart` the tills run — with the draft and without it.

The form is turned into the API's own request body (`PromotionIn` / `PromotionPatch`, the
`sync.promotions` wire form) and saved through `central.pricing.service`, so a promotion the tills
could not price is refused here exactly as by `POST /api/v1/promotions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from central.api.deps import SessionDep
from central.auth.roles import Permission as P
from central.catalog.models import Barcode, Product
from central.console.audit_view import record_change, trail
from central.console.exporting import ListExport, list_page
from central.console.i18n import register
from central.console.listing import Listing, Sort
from central.console.web import (
    NAV,
    ConsoleRoute,
    FormErrors,
    NavItem,
    OptionalId,
    Viewer,
    form_errors,
    page,
    parse_yuan,
    render,
)
from central.db import utcnow
from central.errors import DomainError
from central.excel import Column, Kind
from central.org.models import Store
from central.pricing import service
from central.pricing.models import MemberLevel, Promotion, PromotionStore
from central.pricing.quote import preview_promotion
from central.pricing.schemas import PromotionIn, PromotionPatch
from sync import promotions as contract
from sync.errors import ContractError
from sync.store_time import STORE_TZ

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/promotions", "促销|nav", (P.PRICING_READ,), order=30))
Reader = Annotated[Viewer, page(P.PRICING_READ)]
Writer = Annotated[Viewer, page(P.PRICING_READ, P.PRICING_WRITE)]
SAMPLE_LINES = 5

KINDS: dict[str, str] = {"price_cut": "特价/直降", "percent_off": "折扣|kind", "buy_x_get_y": "买X送Y", "gift": "买赠",
                         "threshold": "满减"}
register({
    "促销": "Promotion", "特价/直降": "Special price / price cut", "买X送Y": "Buy X get Y", "折扣|kind": "Percent off",
    "买赠": "Gift with purchase", "满减": "Spend & save (满减)", "进行中": "Running", "未开始": "Upcoming",
    "已结束": "Ended", "已停用": "Inactive", "开始": "Starts", "结束": "Ends", "全部门店": "All stores",
    "仅会员": "Members only", "不与其他优惠同享": "Not combined with other offers", "新建促销": "New promotion",
    "修改促销": "Edit promotion", "促销类型": "Kind", "适用门店（不选为全部）": "Stores (none = all)",
    "适用商品（编码或条码，空格分隔）": "Products (SKUs or barcodes, space separated)",
    "适用分类": "Categories", "商品和分类都不选 = 全部商品": "No products and no categories = every product",
    "特价（元）": "Special price (yuan)", "特价单位": "Unit of the special price", "每基本单位直降（元）": "Off per base unit (yuan)",
    "折扣（%）": "Percent off", "例如 15 表示八五折": "e.g. 15 means 15% off (八五折)", "买": "Buy", "送": "Free",
    "赠品": "Gift", "赠品单位": "Gift unit", "赠送数量": "Gift quantity", "每满": "Every", "可叠加": "Repeats",
    "满（元）": "Minimum spend (yuan)", "减（元）": "Save (yuan)", "最多次数": "At most", "效果预览": "Live preview",
    "样例购物车": "Sample cart", "数量": "Quantity", "有此促销": "With this promotion", "无此促销": "Without it",
    "应付": "Total", "小计": "Subtotal", "优惠": "Discount", "生效的促销": "Promotions applied",
    "预览时间": "Priced at", "此促销在该门店该时间不生效": "This promotion does not run in that store at that time",
    "按收银机的同一计价函数计算": "Priced by the same function the tills use (sync.pricing.price_cart)",
    "找不到商品：{code}": "No product {code}", "时间格式不对": "Not a valid time", "无会员": "No member",
    "金额格式不对": "The amount is not in a form we can read", "状态": "Status", "单价": "Unit price",
    "金额": "Amount", "节省": "Saved", "停用此促销": "Deactivate", "启用此促销": "Activate",
})


def status_of(p: Promotion, now: datetime) -> str:
    if not p.active:
        return "已停用"
    if now < p.starts_at:
        return "未开始"
    if now >= p.ends_at:
        return "已结束"
    return "进行中"


PROMOTIONS = Listing(sorts=[Sort("starts", "开始", Promotion.starts_at), Sort("ends", "结束", Promotion.ends_at),
                            Sort("code", "编码", Promotion.code)],
                     tiebreak=Promotion.id, default_sort="starts", default_desc=True)


PROMOTION_EXPORT = ListExport("促销", "Promotions", [
    Column("编码", "Code"), Column("名称", "Name", width=24), Column("促销类型", "Kind"),
    Column("开始", "Starts", Kind.DATETIME), Column("结束", "Ends", Kind.DATETIME),
    Column("门店", "Stores", Kind.LIST), Column("状态", "Status"), Column("仅会员", "Members only", Kind.BOOL)])


@router.get("/promotions")
def promotions(request: Request, viewer: Reader, session: SessionDep,
               status: Annotated[str, Query(max_length=12)] = "", kind: Annotated[str, Query(max_length=16)] = "",
               store_id: OptionalId = None) -> Response:
    now = utcnow()
    stmt = select(Promotion).options(selectinload(Promotion.stores))
    if status == "running":
        stmt = stmt.where(Promotion.active, Promotion.starts_at <= now, Promotion.ends_at > now)
    elif status == "upcoming":
        stmt = stmt.where(Promotion.active, Promotion.starts_at > now)
    elif status == "ended":
        stmt = stmt.where(Promotion.ends_at <= now)
    elif status == "inactive":
        stmt = stmt.where(~Promotion.active)
    if kind in KINDS:
        stmt = stmt.where(Promotion.kind == kind)
    scoped = viewer.principal.store_id or store_id
    if scoped is not None:
        in_store = select(PromotionStore.promotion_id).where(PromotionStore.store_id == scoped)
        everywhere = ~select(PromotionStore.promotion_id).where(PromotionStore.promotion_id == Promotion.id).exists()
        stmt = stmt.where(or_(Promotion.id.in_(in_store), everywhere))
    stores = dict(session.execute(select(Store.id, Store.code)).all())

    def cells(p: Promotion) -> list[Any]:
        return [p.code, p.name, viewer.t(KINDS.get(p.kind, p.kind)), p.starts_at, p.ends_at,
                [stores.get(s.store_id, str(s.store_id)) for s in p.stores] or viewer.t("全部门店"),
                viewer.t(status_of(p, now)), bool(p.params.get("member_only"))]

    return list_page(request, viewer, session, PROMOTIONS, stmt, template="promotions/list.html",
                     export=PROMOTION_EXPORT, cells=cells, now=now, status_of=status_of, kinds=KINDS, stores=stores,
                     status_filter=status, kind=kind, store_id=store_id, can_write=viewer.can(P.PRICING_WRITE))


# ---------------------------------------------------------------- the form


@dataclass
class Draft:
    """A promotion form as typed (`values`) and, when it holds together, the API body it makes."""

    values: dict[str, Any]
    body: dict[str, Any] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)


def _local_input(value: datetime | None) -> str:
    return value.astimezone(STORE_TZ).strftime("%Y-%m-%dT%H:%M") if value else ""


def _parse_local(text: str, name: str, draft: Draft) -> str | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=STORE_TZ).isoformat() if text else None
    except ValueError:
        draft.errors.fields[name] = "时间格式不对"
        return None


def _fen(text: str, name: str, draft: Draft) -> int | None:
    try:
        return parse_yuan(text)
    except (ValueError, ArithmeticError):
        draft.errors.fields[name] = "金额格式不对"
        return None


def _products(session: Session, text: str, draft: Draft, name: str = "product_ids") -> list[int]:
    """Products typed as SKUs or barcodes (spaces, commas or new lines between them)."""
    codes = [c for c in text.replace(",", " ").replace("，", " ").split() if c]
    if not codes:
        return []
    by_sku = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(codes))).all())
    by_barcode = dict(session.execute(select(Barcode.barcode, Barcode.product_id).where(Barcode.barcode.in_(codes))).all())
    out = []
    for code in codes:
        pid = by_sku.get(code) or by_barcode.get(code)
        if pid is None:
            draft.errors.fields[name] = f"找不到商品：{code}"
        elif pid not in out:
            out.append(pid)
    return out


def read_form(session: Session, form: Any) -> Draft:
    """The promotion form (`form`) as the `PromotionIn` body; problems in `errors` (Chinese text keys)."""
    text = {k: str(v).strip() for k, v in form.multi_items() if k not in ("store_ids", "category_ids")}
    values: dict[str, Any] = {**text, "store_ids": [int(v) for v in form.getlist("store_ids") if str(v).isdigit()],
                              "category_ids": [int(v) for v in form.getlist("category_ids") if str(v).isdigit()]}
    draft = Draft(values=values)
    kind = text.get("kind", "")
    body: dict[str, Any] = {
        "code": text.get("code", ""), "name": text.get("name", ""), "kind": kind,
        "starts_at": _parse_local(text.get("starts_at", ""), "starts_at", draft),
        "ends_at": _parse_local(text.get("ends_at", ""), "ends_at", draft),
        "store_ids": values["store_ids"], "category_ids": values["category_ids"],
        "product_ids": _products(session, text.get("products", ""), draft),
        "member_only": text.get("member_only") == "on", "exclusive": text.get("exclusive") == "on",
        "priority": text.get("priority") or "0", "active": text.get("active") == "on",
        "repeat": text.get("repeat") == "on" and kind in ("gift", "threshold"),
    }
    if kind == "price_cut":
        if text.get("special_price"):
            body["special_price_fen"] = _fen(text["special_price"], "special_price_fen", draft)
            body["unit_code"] = text.get("unit_code") or "pc"
        if text.get("amount_off"):
            body["amount_off_fen"] = _fen(text["amount_off"], "amount_off_fen", draft)
    elif kind == "percent_off":
        try:
            body["percent_off_bp"] = int(Decimal(text.get("percent_off") or "x") * 100)
        except (InvalidOperation, ValueError):
            draft.errors.fields["percent_off_bp"] = "金额格式不对"
    elif kind == "buy_x_get_y":
        body["buy_qty"], body["free_qty"] = text.get("buy_qty"), text.get("free_qty")
    elif kind == "gift":
        gift = _products(session, text.get("gift_product", ""), draft, "gift_product_id")
        body.update(buy_qty=text.get("gift_buy_qty"), gift_product_id=gift[0] if gift else None,
                    gift_unit_code=text.get("gift_unit_code") or "pc", gift_qty=text.get("gift_qty") or "1")
    elif kind == "threshold":
        body["threshold_fen"] = _fen(text.get("threshold", ""), "threshold_fen", draft)
        body["amount_off_fen"] = _fen(text.get("threshold_off", ""), "amount_off_fen", draft)
        if text.get("max_repeats"):
            body["max_repeats"] = text["max_repeats"]
    draft.body = body
    return draft


_INPUTS = {"special_price_fen": "special_price", "percent_off_bp": "percent_off", "gift_product_id": "gift_product",
           "gift_unit_code": "gift_unit_code", "threshold_fen": "threshold", "product_ids": "products"}
"""The form input that holds each field of the API body (money in yuan, products as codes)."""


def _on_inputs(errors: FormErrors, kind: str) -> FormErrors:
    """Errors keyed by the API's field names, moved onto the form's inputs that hold them."""
    inputs = {**_INPUTS, "amount_off_fen": "threshold_off" if kind == "threshold" else "amount_off",
              "buy_qty": "gift_buy_qty" if kind == "gift" else "buy_qty"}
    return FormErrors(fields={inputs.get(k, k): v for k, v in errors.fields.items()}, general=errors.general)


def validated(draft: Draft, locale: Any, promotion_id: int = 0) -> tuple[PromotionIn, contract.Promotion] | None:
    """The API body and the contract's Promotion of a draft, or None with the errors filled in."""
    kind = str(draft.body.get("kind") or "")
    if draft.errors.fields:
        from central.console.i18n import t

        draft.errors = _on_inputs(FormErrors(fields={k: t(locale, v) for k, v in draft.errors.fields.items()},
                                             general=t(locale, "表单有误，请检查标红的项目")), kind)
        return None
    try:
        body = PromotionIn.model_validate({k: v for k, v in draft.body.items() if v is not None})
        rule = contract.Promotion.from_dict({**body.wire(exclude_unset=False), "id": promotion_id})
    except (ValidationError, ContractError, DomainError) as exc:
        draft.errors = _on_inputs(form_errors(locale, exc), kind)
        return None
    return body, rule


def _form_context(session: Session) -> dict[str, Any]:
    from central.console.catalog import _category_options

    return {"stores": session.execute(select(Store.id, Store.code, Store.name).where(Store.active)
                                      .order_by(Store.code)).all(),
            "categories": _category_options(session), "kinds": KINDS,
            "levels": session.execute(select(MemberLevel.code, MemberLevel.name).order_by(MemberLevel.sort_order)).all()}


def _values_of(session: Session, promo: Promotion) -> dict[str, Any]:
    """The form's values for a stored promotion (money back in yuan, times in the store's zone)."""
    from central.console.web import plain_money

    wire = service.promotion_to_wire(promo)
    skus = dict(session.execute(select(Product.id, Product.sku).where(
        Product.id.in_(list(wire.get("product_ids") or []) + [wire.get("gift_product_id") or 0]))).all())
    bp = wire.get("percent_off_bp")
    return {
        "code": promo.code, "name": promo.name, "kind": promo.kind, "active": promo.active,
        "starts_at": _local_input(promo.starts_at), "ends_at": _local_input(promo.ends_at),
        "store_ids": wire.get("store_ids") or [], "category_ids": wire.get("category_ids") or [],
        "products": " ".join(skus.get(i, str(i)) for i in wire.get("product_ids") or []),
        "member_only": wire.get("member_only"), "exclusive": wire.get("exclusive"), "priority": wire.get("priority", 0),
        "repeat": wire.get("repeat"), "special_price": plain_money(wire.get("special_price_fen")),
        "unit_code": wire.get("unit_code") or "", "amount_off": plain_money(wire.get("amount_off_fen"))
        if promo.kind == "price_cut" else "", "percent_off": f"{Decimal(bp) / 100:f}" if bp is not None else "",
        "buy_qty": wire.get("buy_qty") or "", "free_qty": wire.get("free_qty") or "",
        "gift_buy_qty": wire.get("buy_qty") or "", "gift_product": skus.get(wire.get("gift_product_id") or 0, ""),
        "gift_unit_code": wire.get("gift_unit_code") or "", "gift_qty": wire.get("gift_qty") or "",
        "threshold": plain_money(wire.get("threshold_fen")),
        "threshold_off": plain_money(wire.get("amount_off_fen")) if promo.kind == "threshold" else "",
        "max_repeats": wire.get("max_repeats") or "",
    }


def _page(request: Request, viewer: Viewer, session: Session, *, promo: Promotion | None, values: dict[str, Any],
          errors: FormErrors, saved: bool = False) -> Response:
    return render(request, viewer, "promotions/form.html", promo=promo, values=values, errors=errors, saved=saved,
                  can_write=viewer.can(P.PRICING_WRITE),
                  promo_status=status_of(promo, utcnow()) if promo else None,
                  trail=trail(session, "promotion", promo.id) if promo else [], sample_rows=range(SAMPLE_LINES),
                  **_form_context(session))


@router.get("/promotions/new")
def new_promotion(request: Request, viewer: Writer, session: SessionDep) -> Response:
    now = utcnow()
    values = {"kind": "threshold", "active": True, "priority": 0, "store_ids": [], "category_ids": [],
              "starts_at": _local_input(now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)),
              "ends_at": _local_input(now.replace(minute=0, second=0, microsecond=0) + timedelta(days=7, hours=1))}
    return _page(request, viewer, session, promo=None, values=values, errors=FormErrors())


@router.post("/promotions/new")
async def create_promotion(request: Request, viewer: Writer, session: SessionDep) -> Response:
    draft = read_form(session, await request.form())
    checked = validated(draft, viewer.locale)
    if checked is not None:
        body, _rule = checked
        try:
            promo = service.create_promotion(session, code=body.code, data=body.wire(exclude_unset=False),
                                             active=body.active)
            record_change(session, viewer, request, action="promotion.create", entity_type="promotion",
                          entity_id=promo.id, before=None, after={"code": promo.code, **service.promotion_to_wire(promo)})
            return RedirectResponse(f"/promotions/{promo.id}?saved=1", status_code=303)
        except (DomainError, ContractError) as exc:
            session.rollback()
            draft.errors = _on_inputs(form_errors(viewer.locale, exc), str(draft.body.get("kind") or ""))
    return _page(request, viewer, session, promo=None, values=draft.values, errors=draft.errors)


# ---------------------------------------------------------------- live preview


@router.post("/promotions/preview")
async def preview(request: Request, viewer: Reader, session: SessionDep) -> Response:
    """The sample cart priced with the draft as typed (htmx swaps the preview panel on every change)."""
    form = await request.form()
    draft = read_form(session, form)
    promotion_id = int(str(form.get("promotion_id"))) if str(form.get("promotion_id") or "").isdigit() else 0
    checked = validated(draft, viewer.locale, promotion_id)
    ctx: dict[str, Any] = {"errors": draft.errors, "result": None}
    lines_draft = Draft(values={})
    lines = []
    for i in range(SAMPLE_LINES):
        code = str(form.get(f"sample.{i}.product") or "").strip()
        if not code:
            continue
        found = _products(session, code, lines_draft, f"sample.{i}.product")
        product = session.get(Product, found[0]) if found else None
        if product is None:
            continue
        try:
            qty = Decimal(str(form.get(f"sample.{i}.qty") or "1"))
        except InvalidOperation:
            qty = Decimal(1)
        unit = str(form.get(f"sample.{i}.unit") or "") or min(product.units, key=lambda u: u.factor).code
        lines.append({"product_id": product.id, "unit_code": unit, "qty": qty})
    store_id = int(str(form.get("sample_store"))) if str(form.get("sample_store") or "").isdigit() else None
    if viewer.principal.store_id is not None:
        store_id = viewer.principal.store_id
    if checked is not None and lines and store_id is not None:
        _body, rule = checked
        at = _parse_local(str(form.get("sample_at") or ""), "sample_at", lines_draft)
        when = datetime.fromisoformat(at) if at else max(utcnow(), rule.starts_at)
        level = str(form.get("sample_level") or "") or None
        try:
            result = preview_promotion(session, draft=rule, store_id=store_id, at=when, lines=lines,
                                       member_level=level)
            names = dict(session.execute(select(Product.id, Product.name).where(
                Product.id.in_({ln.product_id for ln in result.with_draft.lines}))).all())
            ctx.update(result=result, names=names)
        except (DomainError, ContractError) as exc:
            ctx["errors"] = form_errors(viewer.locale, exc)
    ctx["lookup_errors"] = [viewer.t(v) for v in lines_draft.errors.fields.values()]
    return render(request, viewer, "promotions/_preview.html", **ctx)


@router.get("/promotions/{promotion_id}")
def promotion(request: Request, promotion_id: int, viewer: Reader, session: SessionDep) -> Response:
    promo = service.get_promotion(session, promotion_id, viewer.principal)
    return _page(request, viewer, session, promo=promo, values=_values_of(session, promo), errors=FormErrors(),
                 saved=request.query_params.get("saved") == "1")


@router.post("/promotions/{promotion_id}")
async def update_promotion(request: Request, promotion_id: int, viewer: Writer, session: SessionDep) -> Response:
    promo = service.get_promotion(session, promotion_id)
    before = {"code": promo.code, "active": promo.active, **service.promotion_to_wire(promo)}
    draft = read_form(session, await request.form())
    checked = validated(draft, viewer.locale, promo.id)
    if checked is not None:
        body, _rule = checked
        # every field set (None for a parameter the form left empty): the stored one is replaced whole
        patch = PromotionPatch.model_validate({k: draft.body.get(k) for k in PromotionPatch.model_fields})
        changes = patch.wire(exclude_unset=True)
        changes.update(code=body.code, active=body.active)
        try:
            service.update_promotion(session, promo, changes=changes)
            record_change(session, viewer, request, action="promotion.update", entity_type="promotion",
                          entity_id=promo.id, before=before,
                          after={"code": promo.code, "active": promo.active, **service.promotion_to_wire(promo)})
            return RedirectResponse(f"/promotions/{promo.id}?saved=1", status_code=303)
        except (DomainError, ContractError) as exc:
            session.rollback()
            draft.errors = _on_inputs(form_errors(viewer.locale, exc), str(draft.body.get("kind") or ""))
    promo = service.get_promotion(session, promotion_id)
    return _page(request, viewer, session, promo=promo, values=draft.values, errors=draft.errors)


