"""Prices beyond the base price: price lists (per customer group or customer), member levels (points rate,
level discount) and customer groups. Same services and request schemas as `/api/v1/price-lists`,
`/api/v1/member-levels`, `/api/v1/customer-groups`; every change audited on the record it changes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.api.types import changes_of
from central.auth.roles import Permission as P
from central.catalog.models import Product
from central.console.audit_view import record_change, trail
from central.console.exporting import ListExport, export_url, list_page, wants_export
from central.console.i18n import register
from central.console.listing import Listing, PageOf, Sort
from central.console.web import (
    ConsoleRoute,
    FormErrors,
    OptionalId,
    Viewer,
    form_errors,
    page,
    parse_yuan,
    render,
)
from central.customers.models import Customer
from central.errors import DomainError, Invalid
from central.excel import Column, Kind
from central.pricing import service
from central.pricing.models import CustomerGroup, MemberLevel, PriceList, PriceListItem
from central.pricing.schemas import (
    CustomerGroupIn,
    CustomerGroupPatch,
    MemberLevelIn,
    MemberLevelPatch,
    PriceListIn,
    PriceListItemIn,
)
from sync.errors import ContractError

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Reader = Annotated[Viewer, page(P.PRICING_READ)]
Writer = Annotated[Viewer, page(P.PRICING_READ, P.PRICING_WRITE)]
Id = OptionalId

register({
    "商品编码或条码": "SKU or barcode", "价格（元），留空表示移除": "Price (yuan); empty removes it",
    "该商品没有此单位": "The product has no such unit", "找不到此商品": "No such product",
    "价目表里的商品": "Products in the price list", "分组": "Group", "客户数": "Customers",
    "会员等级折扣": "Level discount", "会员数": "Members", "基本价": "Base price", "数值无效": "Invalid number",
})

PRICE_LISTS = Listing(sorts=[Sort("code", "编码", PriceList.code), Sort("name", "名称", PriceList.name)],
                      tiebreak=PriceList.id, default_sort="code")
ITEMS = Listing(sorts=[Sort("sku", "商品编码", Product.sku)], tiebreak=PriceListItem.id, default_sort="sku")


def _targets(session: Session) -> dict[str, dict[int, str]]:
    return {"customer_group": dict(session.execute(select(CustomerGroup.id, CustomerGroup.name)).all()),
            "customer": {}}


@router.get("/catalog/price-lists")
def price_lists(request: Request, viewer: Reader, session: SessionDep) -> Response:
    targets = _targets(session)

    def per_page(result: PageOf) -> dict[str, Any]:
        counts = dict(session.execute(select(PriceListItem.price_list_id, func.count()).where(
            PriceListItem.price_list_id.in_([p.id for p in result.rows])).group_by(PriceListItem.price_list_id)).all())
        customers = dict(session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(
            [p.target_id for p in result.rows if p.scope == "customer"]))).all())
        return {"counts": counts, "targets": {**targets, "customer": customers}}

    def cells(pl: PriceList) -> list[Any]:
        shown = per_page(PageOf(rows=[pl], next_cursor=None, prev_cursor=None, params=PRICE_LISTS.params(request)))
        return [pl.code, pl.name, viewer.t("客户分组价" if pl.scope == "customer_group" else "指定客户价"),
                shown["targets"][pl.scope].get(pl.target_id, str(pl.target_id)), shown["counts"].get(pl.id, 0),
                pl.priority, pl.active]

    return list_page(request, viewer, session, PRICE_LISTS, select(PriceList), template="catalog/price_lists.html",
                     export=PRICE_LIST_EXPORT, cells=cells, per_page=per_page,
                     groups=sorted(targets["customer_group"].items(), key=lambda x: x[1]), errors=FormErrors(),
                     values={}, can_write=viewer.can(P.PRICING_WRITE))


PRICE_LIST_EXPORT = ListExport("价目表", "Price lists", [
    Column("编码", "Code"), Column("名称", "Name", width=24), Column("范围", "Scope"), Column("对象", "For", width=24),
    Column("条目", "Items", Kind.INT), Column("优先级", "Priority", Kind.INT), Column("启用", "Active", Kind.BOOL)])
PRICE_ITEM_EXPORT = ListExport("价目表明细", "Price list items", [
    Column("商品编码", "SKU"), Column("商品名称", "Name", width=28), Column("单位", "Unit"),
    Column("价格（元）", "Price (yuan)", Kind.MONEY)])


@router.post("/catalog/price-lists")
async def create_price_list(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    data: dict[str, Any] = {k: (str(form.get(k) or "").strip() or None) for k in ("code", "name", "scope", "target_id")}
    data["priority"] = str(form.get("priority") or "0")
    try:
        body = PriceListIn.model_validate({k: v for k, v in data.items() if v is not None})
        pl = service.create_price_list(session, **body.model_dump())
        record_change(session, viewer, request, action="price_list.create", entity_type="price_list",
                      entity_id=pl.id, before=None, after=body.model_dump(exclude={"items"}))
    except (ValidationError, DomainError, ContractError) as exc:
        session.rollback()
        result = PRICE_LISTS.page(session, select(PriceList), PRICE_LISTS.params(request))
        targets = _targets(session)
        return render(request, viewer, "catalog/price_lists.html", page=result, counts={}, targets=targets,
                      groups=sorted(targets["customer_group"].items(), key=lambda x: x[1]),
                      errors=form_errors(viewer.locale, exc), values=data, can_write=True)
    return RedirectResponse(f"/catalog/price-lists/{pl.id}?saved=1", status_code=303)


def _list_page(request: Request, viewer: Viewer, session: Session, pl: PriceList, errors: FormErrors,
               values: dict[str, Any]) -> Response:
    stmt = (select(PriceListItem.id, Product.id, Product.sku, Product.name, PriceListItem.unit_code,
                   PriceListItem.price_fen)
            .join(Product, Product.id == PriceListItem.product_id).where(PriceListItem.price_list_id == pl.id))
    target = (session.get(CustomerGroup, pl.target_id) if pl.scope == "customer_group"
              else session.get(Customer, pl.target_id))
    return list_page(request, viewer, session, ITEMS, stmt, template="catalog/price_list.html",
                     export=PRICE_ITEM_EXPORT, cells=lambda r: [r[2], r[3], r[4], r[5]], suffix=f"-{pl.code}", pl=pl,
                     target=target, errors=errors, values=values, can_write=viewer.can(P.PRICING_WRITE),
                     trail=trail(session, "price_list", pl.id), saved=request.query_params.get("saved") == "1")


@router.get("/catalog/price-lists/{price_list_id}")
def price_list(request: Request, price_list_id: int, viewer: Reader, session: SessionDep) -> Response:
    return _list_page(request, viewer, session, service.get_price_list(session, price_list_id), FormErrors(), {})


def _product_by_code(session: Session, code: str) -> Product:
    """A product by SKU, or by any barcode of its units."""
    from central.catalog.service import product_by_barcode

    found = session.scalar(select(Product).where(Product.sku == code))
    if found is not None:
        return found
    try:
        return product_by_barcode(session, code)
    except DomainError:
        raise Invalid("找不到此商品", "no such product", code="product_not_found", field="product") from None


@router.post("/catalog/price-lists/{price_list_id}/items")
async def set_item(request: Request, price_list_id: int, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    pl = service.get_price_list(session, price_list_id)
    values = {k: str(form.get(k) or "").strip() for k in ("product", "unit_code", "price")}
    try:
        product = _product_by_code(session, values["product"])
        try:
            price = parse_yuan(values["price"])
        except (ValueError, ArithmeticError):
            raise Invalid("单位价格必须是金额，最多两位小数", "the price must be an amount with at most two decimals",
                          field="price") from None
        unit = values["unit_code"] or min(product.units, key=lambda u: u.factor).code
        if price is not None:
            PriceListItemIn.model_validate({"product_id": product.id, "unit_code": unit, "price_fen": price})
        before = next(({"price_fen": i.price_fen} for i in pl.items
                       if i.product_id == product.id and i.unit_code == unit), {"price_fen": None})
        service.set_price_list_item(session, pl, product_id=product.id, unit_code=unit, price_fen=price)
        record_change(session, viewer, request, action="price_list.set_price", entity_type="price_list",
                      entity_id=pl.id, before={"product": product.sku, "unit": unit, **before},
                      after={"product": product.sku, "unit": unit, "price_fen": price})
    except (ValidationError, DomainError, ContractError) as exc:
        session.rollback()
        return _list_page(request, viewer, session, service.get_price_list(session, price_list_id),
                          form_errors(viewer.locale, exc), values)
    return RedirectResponse(f"/catalog/price-lists/{pl.id}?saved=1", status_code=303)


# ---------------------------------------------------------------- member levels


LEVEL_EXPORT = ListExport("会员等级", "Member levels", [
    Column("编码", "Code"), Column("名称", "Name"), Column("每元积分", "Points per yuan", Kind.QTY),
    Column("会员等级折扣(%)", "Level discount (%)", Kind.PERCENT), Column("会员数", "Members", Kind.INT)])
GROUP_EXPORT = ListExport("客户分组", "Customer groups", [
    Column("编码", "Code"), Column("名称", "Name"), Column("客户数", "Customers", Kind.INT)])


@router.get("/catalog/member-levels")
def member_levels(request: Request, viewer: Reader, session: SessionDep, edit: Id = None) -> Response:
    from central.members.models import Member

    levels = session.scalars(select(MemberLevel).order_by(MemberLevel.sort_order, MemberLevel.code)).all()
    members = dict(session.execute(select(Member.level, func.count()).group_by(Member.level)).all())
    row = session.get(MemberLevel, edit) if edit else None
    values = ({"id": row.id, "code": row.code, "name": row.name, "points_per_yuan": row.points_per_yuan,
               "percent_off_bp": row.percent_off_bp, "sort_order": row.sort_order} if row else {})
    if wants_export(request):
        return LEVEL_EXPORT.response(viewer, ([lv.code, lv.name, int(lv.points_per_yuan * 1000), lv.percent_off_bp,
                                               members.get(lv.code, 0)] for lv in levels))
    return render(request, viewer, "catalog/member_levels.html", levels=levels, members=members, values=values,
                  errors=FormErrors(), can_write=viewer.can(P.PRICING_WRITE), export_url=export_url(request))


@router.post("/catalog/member-levels")
async def save_member_level(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("id", "code", "name", "points_per_yuan", "percent_off",
                                                         "sort_order")}
    try:
        try:
            percent_bp = int(Decimal(values["percent_off"] or "0") * 100)
        except (InvalidOperation, ValueError):
            raise Invalid("数值无效", "invalid number", field="percent_off_bp") from None
        data = {"name": values["name"], "points_per_yuan": values["points_per_yuan"] or "1",
                "percent_off_bp": percent_bp, "sort_order": values["sort_order"] or "0"}
        if values["id"].isdigit():
            level = service.get_member_level(session, int(values["id"]))
            before = {"name": level.name, "points_per_yuan": level.points_per_yuan,
                      "percent_off_bp": level.percent_off_bp, "sort_order": level.sort_order}
            body = MemberLevelPatch.model_validate(data)
            service.update_member_level(session, level, changes_of(body, required=tuple(MemberLevelPatch.model_fields)))
            record_change(session, viewer, request, action="member_level.update", entity_type="member_level",
                          entity_id=level.id, before=before, after={k: getattr(level, k) for k in before})
        else:
            body_in = MemberLevelIn.model_validate({**data, "code": values["code"]})
            level = service.create_member_level(session, **body_in.model_dump())
            record_change(session, viewer, request, action="member_level.create", entity_type="member_level",
                          entity_id=level.id, before=None, after=body_in.model_dump())
    except (ValidationError, DomainError, ContractError) as exc:
        session.rollback()
        levels = session.scalars(select(MemberLevel).order_by(MemberLevel.sort_order, MemberLevel.code)).all()
        return render(request, viewer, "catalog/member_levels.html", levels=levels, members={}, values=values,
                      errors=form_errors(viewer.locale, exc), can_write=True)
    return RedirectResponse("/catalog/member-levels?saved=1", status_code=303)


# ---------------------------------------------------------------- customer groups


@router.get("/catalog/customer-groups")
def customer_groups(request: Request, viewer: Reader, session: SessionDep, edit: Id = None) -> Response:
    groups = session.scalars(select(CustomerGroup).order_by(CustomerGroup.code)).all()
    counts = dict(session.execute(select(Customer.group_id, func.count()).group_by(Customer.group_id)).all())
    row = session.get(CustomerGroup, edit) if edit else None
    if wants_export(request):
        return GROUP_EXPORT.response(viewer, ([g.code, g.name, counts.get(g.id, 0)] for g in groups))
    return render(request, viewer, "catalog/customer_groups.html", groups=groups, counts=counts,
                  values={"id": row.id, "code": row.code, "name": row.name} if row else {}, errors=FormErrors(),
                  can_write=viewer.can(P.PRICING_WRITE), export_url=export_url(request))


@router.post("/catalog/customer-groups")
async def save_customer_group(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("id", "code", "name")}
    try:
        if values["id"].isdigit():
            group = service.get_customer_group(session, int(values["id"]))
            before = {"code": group.code, "name": group.name}
            body = CustomerGroupPatch.model_validate({"code": values["code"], "name": values["name"]})
            service.update_customer_group(session, group, changes_of(body, required=("code", "name")))
            record_change(session, viewer, request, action="customer_group.update", entity_type="customer_group",
                          entity_id=group.id, before=before, after={"code": group.code, "name": group.name})
        else:
            body_in = CustomerGroupIn.model_validate({"code": values["code"], "name": values["name"]})
            group = service.create_customer_group(session, code=body_in.code, name=body_in.name)
            record_change(session, viewer, request, action="customer_group.create", entity_type="customer_group",
                          entity_id=group.id, before=None, after=body_in.model_dump())
    except (ValidationError, DomainError) as exc:
        session.rollback()
        groups = session.scalars(select(CustomerGroup).order_by(CustomerGroup.code)).all()
        return render(request, viewer, "catalog/customer_groups.html", groups=groups, counts={}, values=values,
                      errors=form_errors(viewer.locale, exc), can_write=True)
    return RedirectResponse("/catalog/customer-groups?saved=1", status_code=303)
