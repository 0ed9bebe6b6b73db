"""Catalog and prices: products (units, barcodes, category, brand, supplier, base prices), categories,
brands, suppliers, price lists, member prices and customer groups.

Every list and form calls `central.catalog.service` / `central.pricing.service`, the services behind
`/api/v1/products`, `/api/v1/price-lists` ...; forms are validated by the API's own request schemas
(`ProductIn`, `ProductPatch`, `PriceListItemIn`, `MemberPriceIn` ...), and every change is audited.
A price change is on the tills after their next pull (about every 10 s online): the product page
lists each terminal's last pull so head office sees which tills already have it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.api.types import changes_of
from central.auth.roles import Permission as P
from central.catalog import service
from central.catalog.models import Brand, Category, Product, Supplier
from central.catalog.schemas import (
    BrandIn,
    BrandPatch,
    CategoryIn,
    CategoryPatch,
    ProductIn,
    ProductPatch,
    SupplierIn,
    SupplierPatch,
)
from central.console.audit_view import record_change, trail
from central.console.exporting import ListExport, export_url, list_page, wants_export
from central.console.i18n import register
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
from central.db import utcnow
from central.errors import DomainError
from central.excel import Column, Kind
from central.inventory.models import StockOnHand
from central.org.models import Store, Terminal, Warehouse
from central.pricing import service as pricing
from central.pricing.models import MemberLevel, MemberLevelPrice, PriceList, PriceListItem, Promotion
from central.pricing.schemas import MemberPriceIn
from central.syncing.models import TerminalContact
from sync.catalog import VALID_TAX_RATES_BP
from sync.errors import ContractError

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/catalog/products", "商品与价格", (P.CATALOG_READ,), prefix="/catalog", order=20))
Reader = Annotated[Viewer, page(P.CATALOG_READ)]
Writer = Annotated[Viewer, page(P.CATALOG_READ, P.CATALOG_WRITE)]
PriceReader = Annotated[Viewer, page(P.PRICING_READ)]
PriceWriter = Annotated[Viewer, page(P.PRICING_READ, P.PRICING_WRITE)]
SYNC_SECONDS = 10
"""How often an online till pulls master data (terminal/sync_client/loop.py)."""
EXTRA_UNIT_ROWS = 1
MAX_UNITS = 10

register({
    "商品|tab": "Products", "分类": "Category", "品牌": "Brand", "供应商": "Supplier", "价目表|col": "Price list",
    "会员价": "Member price", "客户分组": "Customer group", "分类|tab": "Categories", "品牌|tab": "Brands",
    "供应商|tab": "Suppliers", "价目表|tab": "Price lists", "会员价|tab": "Member levels & prices",
    "客户分组|tab": "Customer groups", "商品编码": "SKU", "商品名称": "Name",
    "英文名": "English name", "规格": "Spec", "税率": "VAT rate", "称重": "Sold by weight", "零售价": "Price",
    "条码": "Barcodes", "单位": "Unit", "单位代码": "Unit code", "单位名称": "Unit name", "换算": "Factor",
    "价格（元）": "Price (yuan)", "条码（空格分隔）": "Barcodes (space separated)", "状态": "Status",
    "更新时间": "Updated", "新建商品": "New product", "修改商品": "Edit product", "搜索商品": "Search products",
    "编码、名称、拼音首字母或条码": "SKU, name, pinyin initials or barcode", "全部分类": "All categories",
    "全部品牌": "All brands", "全部供应商": "All suppliers", "启用中": "Active", "已停用": "Inactive",
    "基本单位换算须为 1": "The base unit has factor 1", "库存": "Stock", "各仓库存": "Stock by warehouse",
    "价格": "Prices", "价目表价格": "Price-list prices", "适用": "Applies to", "客户|col": "Customer",
    "生效": "From", "失效": "Until", "优先级": "Priority", "会员等级": "Member level", "新增会员价": "Add member price",
    "删除": "Delete", "参与的促销": "Promotions that include it", "收银机何时生效": "When tills use it",
    "收银机在线时约每 {n} 秒同步一次，同步后即按新价格收款。": "Online tills pull changes about every {n} s and charge the new price after that.",
    "已同步": "Has it", "待同步": "Not yet", "最后同步": "Last pull", "没有收银机": "No terminals",
    "已保存。收银机下次同步（约 {n} 秒内）后按新价格收款。": "Saved. Tills charge the new price after their next pull (within about {n} s).",
    "已保存": "Saved", "返回": "Back", "添加一行": "Add a row", "留空的行会被忽略": "Empty rows are ignored",
    "单位价格必须是金额，最多两位小数": "The price must be an amount with at most two decimals",
    "上级分类": "Parent", "排序号": "Sort order", "新建分类": "New category", "新建品牌": "New brand",
    "新建供应商": "New supplier", "联系人": "Contact", "电话": "Phone", "地址": "Address", "税号": "Tax ID",
    "无": "None", "客户分组价": "Customer group", "指定客户价": "One customer", "价目表明细": "Price-list lines",
    "设置价格": "Set price", "改价": "Change price", "条目": "Lines", "范围": "Scope", "对象": "Target",
    "修改": "Edit", "新建价目表": "New price list", "按基本价": "Base price", "折扣": "Discount",
    "每元积分": "Points per yuan", "等级": "Level", "会员等级与会员价": "Member levels and prices",
    "客户折扣率见客户资料": "Customer discount rates are on each customer's page",
    "移除": "Remove", "基本单位": "base unit", "个商品": "products", "该价目表还没有价格": "This price list has no prices yet",
})


# ---------------------------------------------------------------- shared look-ups


def _names(session: Session) -> dict[str, dict[int, str]]:
    """Category, brand and supplier names by id (small tables) for lists and forms."""
    return {
        "categories": dict(session.execute(select(Category.id, Category.name)).all()),
        "brands": dict(session.execute(select(Brand.id, Brand.name)).all()),
        "suppliers": dict(session.execute(select(Supplier.id, Supplier.name)).all()),
    }


def _category_options(session: Session) -> list[tuple[int, str]]:
    """Categories as `父 › 子` paths, in tree order."""
    rows = session.execute(select(Category.id, Category.name, Category.parent_id)
                           .order_by(Category.sort_order, Category.code)).all()
    by_id = {r.id: r for r in rows}

    def path(cid: int) -> str:
        parts, seen, current = [], set(), by_id.get(cid)
        while current is not None and current.id not in seen:
            seen.add(current.id)
            parts.append(current.name)
            current = by_id.get(current.parent_id) if current.parent_id else None
        return " › ".join(reversed(parts))

    return sorted(((r.id, path(r.id)) for r in rows), key=lambda x: x[1])


def _product_image(p: Product) -> dict[str, Any]:
    """What an audit row keeps of a product: its fields and its units (prices, barcodes)."""
    return {"sku": p.sku, "name": p.name, "name_en": p.name_en, "spec": p.spec, "category_id": p.category_id,
            "brand_id": p.brand_id, "supplier_id": p.supplier_id, "tax_rate_bp": p.tax_rate_bp,
            "weighed": p.weighed, "active": p.active,
            "units": [{"code": u.code, "name": u.name, "factor": u.factor, "price_fen": u.price_fen,
                       "barcodes": [b.barcode for b in u.barcodes]}
                      for u in sorted(p.units, key=lambda u: (u.factor, u.code))]}


# ---------------------------------------------------------------- products: list

PRODUCTS = Listing(
    sorts=[Sort("sku", "商品编码", Product.sku), Sort("name", "商品名称", Product.name),
           Sort("updated", "更新时间", Product.updated_at)],
    tiebreak=Product.id, default_sort="sku")


def _product_filters(session: Session, q: str | None, category_id: int | None, brand_id: int | None,
                     supplier_id: int | None, active: str | None) -> Any:
    categories = service.category_descendants(session, category_id) if category_id else None
    flag = {"1": True, "0": False}.get(active or "")
    stmt = service.search_products(q=(q or "").strip() or None, category_ids=categories, brand_id=brand_id,
                                   supplier_id=supplier_id, active=flag)
    return stmt.order_by(None)


Id = OptionalId
Search = OptionalText


PRODUCT_EXPORT = ListExport("商品", "Products", [
    Column("商品编码", "SKU"), Column("商品名称", "Name", width=28), Column("英文名", "English name"), Column("规格", "Spec"),
    Column("分类", "Category"), Column("品牌", "Brand"), Column("供应商", "Supplier"),
    Column("税率%", "VAT %", Kind.PERCENT), Column("称重", "Weighed", Kind.BOOL),
    Column("单位", "Unit"), Column("换算", "Factor", Kind.INT), Column("零售价（元）", "Price (yuan)", Kind.MONEY),
    Column("条码", "Barcodes", Kind.LIST), Column("启用", "Active", Kind.BOOL),
    Column("更新时间", "Updated", Kind.DATETIME),
])


@router.get("/catalog/products")
def products(request: Request, viewer: Reader, session: SessionDep, q: Search = None, category_id: Id = None,
             brand_id: Id = None, supplier_id: Id = None, active: Annotated[str | None, Query(max_length=1)] = None
             ) -> Response:
    """The product list; exported, one row per unit of sale."""
    names = _names(session)

    def rows_of(p: Product) -> Iterator[list[Any]]:
        for u in sorted(p.units, key=lambda u: (u.factor, u.code)):
            yield [p.sku, p.name, p.name_en, p.spec, names["categories"].get(p.category_id or 0),
                   names["brands"].get(p.brand_id or 0), names["suppliers"].get(p.supplier_id or 0),
                   p.tax_rate_bp, p.weighed, u.code, u.factor, u.price_fen, [b.barcode for b in u.barcodes],
                   p.active, p.updated_at]

    return list_page(request, viewer, session, PRODUCTS,
                     _product_filters(session, q, category_id, brand_id, supplier_id, active),
                     template="catalog/products.html", export=PRODUCT_EXPORT, rows_of=rows_of, names=names,
                     categories=_category_options(session), q=q or "", category_id=category_id, brand_id=brand_id,
                     supplier_id=supplier_id, active=active or "",
                     brands=sorted(names["brands"].items(), key=lambda x: x[1]),
                     suppliers=sorted(names["suppliers"].items(), key=lambda x: x[1]),
                     can_write=viewer.can(P.CATALOG_WRITE))


# ---------------------------------------------------------------- products: detail


def _till_status(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Each active terminal's last pull and whether it was after `since` (then it has the change)."""
    rows = session.execute(
        select(Terminal.id, Terminal.code, Store.code, TerminalContact.last_pull_at)
        .join(Store, Store.id == Terminal.store_id)
        .outerjoin(TerminalContact, TerminalContact.terminal_id == Terminal.id)
        .where(Terminal.revoked_at.is_(None)).order_by(Store.code, Terminal.code)).all()
    return [{"id": r[0], "code": r[1], "store": r[2], "last_pull_at": r[3],
             "has_it": r[3] is not None and r[3] >= since} for r in rows]


def _product_context(session: Session, product: Product) -> dict[str, Any]:
    levels = dict(session.execute(select(MemberLevel.code, MemberLevel.name)).all())
    list_prices = session.execute(
        select(PriceList.id, PriceList.code, PriceList.name, PriceList.scope, PriceList.target_id, PriceList.active,
               PriceListItem.unit_code, PriceListItem.price_fen)
        .join(PriceListItem, PriceListItem.price_list_id == PriceList.id)
        .where(PriceListItem.product_id == product.id).order_by(PriceList.code)).all()
    member_prices = session.scalars(select(MemberLevelPrice).where(MemberLevelPrice.product_id == product.id)
                                    .order_by(MemberLevelPrice.level_code, MemberLevelPrice.id)).all()
    ancestry = service.category_ancestry(session, product.category_id) if product.category_id else []
    promos = [p for p in session.scalars(select(Promotion).where(Promotion.active, Promotion.ends_at > utcnow()))
              if product.id in (p.params.get("product_ids") or []) or set(ancestry) & set(p.params.get("category_ids") or [])
              or (not p.params.get("product_ids") and not p.params.get("category_ids"))]
    stock = session.execute(select(Warehouse.code, Warehouse.name, StockOnHand.qty_m)
                            .join(Warehouse, Warehouse.id == StockOnHand.warehouse_id)
                            .where(StockOnHand.product_id == product.id).order_by(Warehouse.code)).all()
    return {"product": product, "names": _names(session), "levels": levels, "list_prices": list_prices,
            "member_prices": member_prices, "promotions": promos, "stock": stock,
            "tills": _till_status(session, product.updated_at), "sync_seconds": SYNC_SECONDS,
            "trail": trail(session, "product", product.id)}


# ---------------------------------------------------------------- products: forms


def _form_units(form: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The units rows of a product form (`units.N.code` ...), blank rows dropped; money typed in yuan."""
    units: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    for i in range(MAX_UNITS + EXTRA_UNIT_ROWS):
        code = str(form.get(f"units.{i}.code") or "").strip()
        price = str(form.get(f"units.{i}.price") or "").strip()
        if not code and not price:
            continue
        try:
            price_fen = parse_yuan(price)
        except (ValueError, ArithmeticError):
            problems[f"units.{len(units)}.price_fen"] = "单位价格必须是金额，最多两位小数"
            price_fen = None
        units.append({"code": code, "name": str(form.get(f"units.{i}.name") or "").strip(),
                      "factor": str(form.get(f"units.{i}.factor") or "1").strip() or "1",
                      "price_fen": price_fen, "barcodes": str(form.get(f"units.{i}.barcodes") or "").split()})
    return units, problems


def _form_fields(form: Any) -> dict[str, Any]:
    """The product form's plain fields as the API's JSON would carry them (blank → null)."""
    data: dict[str, Any] = {}
    for name in ("sku", "name", "name_en", "spec"):
        value = str(form.get(name) or "").strip()
        data[name] = value or None
    for name in ("category_id", "brand_id", "supplier_id"):
        value = str(form.get(name) or "").strip()
        data[name] = value or None
    data["tax_rate_bp"] = str(form.get("tax_rate_bp") or "1300")
    data["weighed"] = form.get("weighed") == "on"
    data["active"] = form.get("active") == "on"
    return data


def _product_form(request: Request, viewer: Viewer, session: Session, *, product: Product | None,
                  values: dict[str, Any], units: list[dict[str, Any]], errors: FormErrors) -> Response:
    rows = units + [{"code": "", "name": "", "factor": 1, "price": "", "barcodes": ""}] * EXTRA_UNIT_ROWS
    return render(request, viewer, "catalog/product_form.html", product=product, values=values, units=rows,
                  errors=errors, categories=_category_options(session),
                  brands=sorted(_names(session)["brands"].items(), key=lambda x: x[1]),
                  suppliers=sorted(_names(session)["suppliers"].items(), key=lambda x: x[1]),
                  tax_rates=sorted(VALID_TAX_RATES_BP))


def _units_for_form(product: Product) -> list[dict[str, Any]]:
    from central.console.web import plain_money

    return [{"code": u.code, "name": u.name, "factor": u.factor, "price": plain_money(u.price_fen),
             "barcodes": " ".join(b.barcode for b in u.barcodes)}
            for u in sorted(product.units, key=lambda u: (u.factor, u.code))]


@router.get("/catalog/products/new")
def new_product_form(request: Request, viewer: Writer, session: SessionDep) -> Response:
    return _product_form(request, viewer, session, product=None, errors=FormErrors(),
                         values={"tax_rate_bp": 1300, "active": True, "weighed": False},
                         units=[{"code": "pc", "name": "个", "factor": 1, "price": "", "barcodes": ""}])


@router.post("/catalog/products/new")
async def create_product(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    values = _form_fields(form)
    units, problems = _form_units(form)
    try:
        if problems:
            raise ValidationErrorLike(problems)
        body = ProductIn.model_validate({**{k: v for k, v in values.items() if v is not None}, "units": units})
        data = body.model_dump()
        product = service.create_product(session, units=data.pop("units"), **data)
        record_change(session, viewer, request, action="product.create", entity_type="product",
                      entity_id=product.id, before=None, after=_product_image(product))
    except (ValidationError, DomainError, ContractError, ValidationErrorLike) as exc:
        session.rollback()
        return _product_form(request, viewer, session, product=None, values=values,
                             units=[{**u, "price": form.get(f"units.{i}.price"), "barcodes": " ".join(u["barcodes"])}
                                    for i, u in enumerate(units)], errors=_errors(viewer, exc))
    return RedirectResponse(f"/catalog/products/{product.id}?saved=1", status_code=303)


def _price(text: str, field: str = "price_fen") -> int | None:
    """A price typed in yuan as fen, or ValidationErrorLike naming `field`."""
    try:
        return parse_yuan(text)
    except (ValueError, ArithmeticError):
        raise ValidationErrorLike({field: "单位价格必须是金额，最多两位小数"}) from None


class ValidationErrorLike(Exception):
    """Problems found before the schema saw the form (a price that is not an amount)."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("form")
        self.fields = fields


def _errors(viewer: Viewer, exc: Exception) -> FormErrors:
    if isinstance(exc, ValidationErrorLike):
        return FormErrors(fields={k: viewer.t(v) for k, v in exc.fields.items()},
                          general=viewer.t("表单有误，请检查标红的项目"))
    return form_errors(viewer.locale, exc)


@router.get("/catalog/products/{product_id}")
def product_detail(request: Request, product_id: int, viewer: Reader, session: SessionDep) -> Response:
    product = service.get_product(session, product_id)
    return render(request, viewer, "catalog/product.html", **_product_context(session, product),
                  can_write=viewer.can(P.CATALOG_WRITE), can_price=viewer.can(P.PRICING_WRITE),
                  saved=request.query_params.get("saved") == "1", errors=FormErrors())


@router.get("/catalog/products/{product_id}/edit")
def edit_product_form(request: Request, product_id: int, viewer: Writer, session: SessionDep) -> Response:
    product = service.get_product(session, product_id)
    image = _product_image(product)
    return _product_form(request, viewer, session, product=product, values=image, units=_units_for_form(product),
                         errors=FormErrors())


@router.post("/catalog/products/{product_id}/edit")
async def update_product(request: Request, product_id: int, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    product = service.get_product(session, product_id)
    before = _product_image(product)
    values = _form_fields(form)
    units, problems = _form_units(form)
    try:
        if problems:
            raise ValidationErrorLike(problems)
        body = ProductPatch.model_validate({**values, "units": units})
        changes = changes_of(body, required=("sku", "name", "tax_rate_bp", "weighed", "shelf_life_tracked",
                                             "active", "units"))
        service.update_product(session, product, changes, viewer.principal)
        session.flush()
        session.refresh(product)
        record_change(session, viewer, request, action="product.update", entity_type="product", entity_id=product.id,
                      before=before, after=_product_image(product))
    except (ValidationError, DomainError, ContractError, ValidationErrorLike) as exc:
        session.rollback()
        product = service.get_product(session, product_id)
        return _product_form(request, viewer, session, product=product, values=values,
                             units=[{**u, "price": form.get(f"units.{i}.price"), "barcodes": " ".join(u["barcodes"])}
                                    for i, u in enumerate(units)], errors=_errors(viewer, exc))
    return RedirectResponse(f"/catalog/products/{product.id}?saved=1", status_code=303)


# ---------------------------------------------------------------- member prices (on the product page)


@router.post("/catalog/products/{product_id}/member-prices")
async def add_member_price(request: Request, product_id: int, viewer: PriceWriter, session: SessionDep) -> Response:
    form = await request.form()
    product = service.get_product(session, product_id)
    try:
        price = _price(str(form.get("price") or ""))
        body = MemberPriceIn.model_validate({"level_code": form.get("level_code"), "product_id": product.id,
                                             "unit_code": form.get("unit_code"), "price_fen": price})
        row = pricing.set_member_price(session, **body.model_dump())
        record_change(session, viewer, request, action="member_price.create", entity_type="product",
                      entity_id=product.id, before=None,
                      after={"member_price": {"level": row.level_code, "unit": row.unit_code, "price_fen": row.price_fen}})
    except (ValidationError, DomainError, ContractError, ValidationErrorLike) as exc:
        session.rollback()
        product = service.get_product(session, product_id)
        errors = _errors(viewer, exc)
        return render(request, viewer, "catalog/product.html", **_product_context(session, product),
                      can_write=viewer.can(P.CATALOG_WRITE), can_price=True, saved=False, errors=errors)
    return RedirectResponse(f"/catalog/products/{product.id}?saved=1#member-prices", status_code=303)


@router.post("/catalog/member-prices/{price_id}/delete")
def delete_member_price(request: Request, price_id: int, viewer: PriceWriter, session: SessionDep) -> Response:
    row = pricing.get_member_price(session, price_id)
    product_id = row.product_id
    record_change(session, viewer, request, action="member_price.delete", entity_type="product", entity_id=product_id,
                  before={"member_price": {"level": row.level_code, "unit": row.unit_code, "price_fen": row.price_fen}},
                  after=None)
    session.delete(row)
    return RedirectResponse(f"/catalog/products/{product_id}?saved=1#member-prices", status_code=303)


# ---------------------------------------------------------------- categories, brands, suppliers


def _editing(session: Session, model: Any, edit: int | None, fields: tuple[str, ...]) -> dict[str, Any]:
    """The form's values when `?edit=<id>` asks to change a row (empty: a new one)."""
    row = session.get(model, edit) if edit else None
    return {"id": row.id, **{f: getattr(row, f) for f in fields}} if row is not None else {}


Edit = OptionalId


CATEGORY_EXPORT = ListExport("分类", "Categories", [
    Column("编码", "Code"), Column("分类", "Category", width=30), Column("英文名", "English name"),
    Column("商品数", "Products", Kind.INT), Column("启用", "Active", Kind.BOOL)])


@router.get("/catalog/categories")
def categories(request: Request, viewer: Reader, session: SessionDep, edit: Edit = None) -> Response:
    counts = dict(session.execute(select(Product.category_id, func.count()).group_by(Product.category_id)).all())
    rows = session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all()
    paths = dict(_category_options(session))
    if wants_export(request):
        return CATEGORY_EXPORT.response(viewer, ([c.code, paths.get(c.id, c.name), c.name_en, counts.get(c.id, 0),
                                                  c.active] for c in rows))
    values = _editing(session, Category, edit, ("code", "name", "name_en", "parent_id", "sort_order", "active"))
    return render(request, viewer, "catalog/categories.html", rows=rows, paths=paths, export_url=export_url(request),
                  counts=counts, can_write=viewer.can(P.CATALOG_WRITE), errors=FormErrors(), values=values,
                  options=_category_options(session))


def _simple_save(request: Request, viewer: Viewer, session: Session, *, kind: str, entity_id: int | None,
                 form: Any, schema_in: Any, schema_patch: Any, fields: tuple[str, ...], create: Callable[..., Any],
                 get: Callable[[Session, int], Any], update: Callable[[Session, Any, dict[str, Any]], Any]
                 ) -> FormErrors | None:
    """Create or edit a category, brand or supplier through its service; audited. None when saved."""
    data = {f: (str(form.get(f) or "").strip() or None) for f in fields}
    if "active" in fields:
        data["active"] = form.get("active") == "on"
    try:
        if entity_id is None:
            body = schema_in.model_validate({k: v for k, v in data.items() if v is not None})
            row = create(session, **body.model_dump())
            record_change(session, viewer, request, action=f"{kind}.create", entity_type=kind, entity_id=row.id,
                          before=None, after=body.model_dump())
        else:
            row = get(session, entity_id)
            before = {f: getattr(row, f) for f in fields}
            body = schema_patch.model_validate(data)
            update(session, row, changes_of(body, required=tuple(f for f in ("code", "name", "active", "sort_order")
                                                                 if f in fields)))
            record_change(session, viewer, request, action=f"{kind}.update", entity_type=kind, entity_id=row.id,
                          before=before, after={f: getattr(row, f) for f in fields})
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return form_errors(viewer.locale, exc)
    return None


@router.post("/catalog/categories")
async def save_category(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    entity_id = int(str(form.get("id"))) if str(form.get("id") or "").isdigit() else None
    errors = _simple_save(request, viewer, session, kind="category", entity_id=entity_id, form=form,
                          schema_in=CategoryIn, schema_patch=CategoryPatch, create=service.create_category,
                          get=service.get_category, update=service.update_category,
                          fields=("code", "name", "name_en", "parent_id", "sort_order") + (("active",) if entity_id else ()))
    if errors:
        counts = dict(session.execute(select(Product.category_id, func.count()).group_by(Product.category_id)).all())
        return render(request, viewer, "catalog/categories.html",
                      rows=session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all(),
                      paths=dict(_category_options(session)), counts=counts, can_write=True, errors=errors,
                      values=dict(form), options=_category_options(session))
    return RedirectResponse("/catalog/categories?saved=1", status_code=303)


BRANDS = Listing(sorts=[Sort("name", "名称", Brand.name)], tiebreak=Brand.id, default_sort="name")
SUPPLIERS = Listing(sorts=[Sort("code", "编码", Supplier.code), Sort("name", "名称", Supplier.name)],
                    tiebreak=Supplier.id, default_sort="code")


@router.get("/catalog/brands")
def brands(request: Request, viewer: Reader, session: SessionDep, q: Search = None, edit: Edit = None) -> Response:
    stmt = select(Brand)
    if q:
        stmt = stmt.where(Brand.name.ilike(f"%{q}%") | Brand.name_en.ilike(f"%{q}%"))

    def counts_of(ids: list[int]) -> dict[Any, int]:
        return dict(session.execute(select(Product.brand_id, func.count()).where(
            Product.brand_id.in_(ids)).group_by(Product.brand_id)).all())

    return list_page(request, viewer, session, BRANDS, stmt, template="catalog/brands.html", export=BRAND_EXPORT,
                     cells=lambda b: [b.name, b.name_en, counts_of([b.id]).get(b.id, 0), b.active],
                     per_page=lambda result: {"counts": counts_of([b.id for b in result.rows])}, q=q or "",
                     can_write=viewer.can(P.CATALOG_WRITE), errors=FormErrors(),
                     values=_editing(session, Brand, edit, ("name", "name_en", "active")))


BRAND_EXPORT = ListExport("品牌", "Brands", [Column("名称", "Name"), Column("英文名", "English name"),
                                             Column("商品数", "Products", Kind.INT), Column("启用", "Active", Kind.BOOL)])
SUPPLIER_EXPORT = ListExport("供应商", "Suppliers", [
    Column("编码", "Code"), Column("名称", "Name", width=28), Column("联系人", "Contact"), Column("电话", "Phone"),
    Column("地址", "Address", width=30), Column("税号", "Tax id"), Column("启用", "Active", Kind.BOOL)])


@router.post("/catalog/brands")
async def save_brand(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    entity_id = int(str(form.get("id"))) if str(form.get("id") or "").isdigit() else None
    errors = _simple_save(request, viewer, session, kind="brand", entity_id=entity_id, form=form, schema_in=BrandIn,
                          schema_patch=BrandPatch, create=service.create_brand, get=service.get_brand,
                          update=service.update_brand, fields=("name", "name_en") + (("active",) if entity_id else ()))
    if errors:
        result = BRANDS.page(session, select(Brand), BRANDS.params(request))
        return render(request, viewer, "catalog/brands.html", page=result, q="", counts={}, can_write=True,
                      errors=errors, values=dict(form))
    return RedirectResponse("/catalog/brands?saved=1", status_code=303)


@router.get("/catalog/suppliers")
def suppliers(request: Request, viewer: Reader, session: SessionDep, q: Search = None, edit: Edit = None
              ) -> Response:
    stmt = select(Supplier)
    if q:
        stmt = stmt.where(Supplier.name.ilike(f"%{q}%") | Supplier.code.ilike(f"{q}%"))
    return list_page(request, viewer, session, SUPPLIERS, stmt, template="catalog/suppliers.html",
                     export=SUPPLIER_EXPORT, cells=lambda s: [s.code, s.name, s.contact_name, s.phone, s.address,
                                                               s.tax_id, s.active],
                     q=q or "", can_write=viewer.can(P.CATALOG_WRITE), errors=FormErrors(),
                     values=_editing(session, Supplier, edit, ("code", "name", "contact_name", "phone", "address",
                                                               "tax_id", "active")))


@router.post("/catalog/suppliers")
async def save_supplier(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    entity_id = int(str(form.get("id"))) if str(form.get("id") or "").isdigit() else None
    errors = _simple_save(request, viewer, session, kind="supplier", entity_id=entity_id, form=form,
                          schema_in=SupplierIn, schema_patch=SupplierPatch, create=service.create_supplier,
                          get=service.get_supplier, update=service.update_supplier,
                          fields=("code", "name", "contact_name", "phone", "address", "tax_id")
                          + (("active",) if entity_id else ()))
    if errors:
        result = SUPPLIERS.page(session, select(Supplier), SUPPLIERS.params(request))
        return render(request, viewer, "catalog/suppliers.html", page=result, q="", can_write=True, errors=errors,
                      values=dict(form))
    return RedirectResponse("/catalog/suppliers?saved=1", status_code=303)


