"""Catalogue services: categories (a tree), brands, suppliers, products with units and barcodes.

Barcodes are validated and normalised by the shared contract (`sync.barcodes`: EAN-13, EAN-8,
UPC-A → EAN-13) and are unique across the catalogue; every product also passes
`sync.catalog.Product`'s own checks, so what central stores is what terminals can price.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from central.auth.principal import Principal
from central.auth.roles import Permission
from central.catalog.lookup import normalised
from central.catalog.models import Barcode, Brand, Category, Product, ProductUnit, Supplier
from central.catalog.pinyin import pinyin_initials
from central.errors import Conflict, Forbidden, Invalid, NotFound, not_found
from central.unique import ensure_unique
from sync import catalog as contract
from sync.barcodes import normalize_barcode
from sync.errors import ContractError

# ---------------------------------------------------------------- helpers


def _exists(session: Session, model: type[Any], ident: int | None, zh: str, en: str, field: str) -> None:
    if ident is not None and session.get(model, ident) is None:
        raise not_found(zh, en, field, ident)


# ---------------------------------------------------------------- categories


def get_category(session: Session, category_id: int) -> Category:
    cat = session.get(Category, category_id)
    if cat is None:
        raise not_found("分类", "category", "category_id", category_id)
    return cat


def create_category(session: Session, *, code: str, name: str, name_en: str | None = None,
                    parent_id: int | None = None, sort_order: int = 0) -> Category:
    ensure_unique(session, Category.code, code, "code", what="分类编码")
    if parent_id is not None:
        get_category(session, parent_id)
    cat = Category(code=code, name=name, name_en=name_en, parent_id=parent_id, sort_order=sort_order)
    session.add(cat)
    session.flush()
    return cat


def update_category(session: Session, cat: Category, changes: dict[str, Any]) -> Category:
    if "code" in changes:
        ensure_unique(session, Category.code, changes["code"], "code", exclude_id=cat.id, what="分类编码")
    parent_id = changes.get("parent_id")
    if parent_id is not None:
        get_category(session, parent_id)
        if cat.id in category_ancestry(session, parent_id):
            raise Invalid("分类不能移到自己的下级", "a category cannot move under itself", code="category_cycle",
                          field="parent_id")
    for key, value in changes.items():
        setattr(cat, key, value)
    session.flush()
    return cat


def category_ancestry(session: Session, category_id: int) -> list[int]:
    """The id and every ancestor id of a category, nearest first."""
    parents = dict(session.execute(select(Category.id, Category.parent_id)).all())
    chain: list[int] = []
    current: int | None = category_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def category_descendants(session: Session, category_id: int) -> list[int]:
    """The id and every descendant id of a category."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent, []).append(cid)
    out, todo = [], [category_id]
    while todo:
        cid = todo.pop()
        if cid in out:
            continue
        out.append(cid)
        todo.extend(children.get(cid, []))
    return out


# ---------------------------------------------------------------- brands, suppliers


def create_brand(session: Session, *, name: str, name_en: str | None = None) -> Brand:
    ensure_unique(session, Brand.name, name, "name", what="品牌")
    brand = Brand(name=name, name_en=name_en)
    session.add(brand)
    session.flush()
    return brand


def get_brand(session: Session, brand_id: int) -> Brand:
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise not_found("品牌", "brand", "brand_id", brand_id)
    return brand


def update_brand(session: Session, brand: Brand, changes: dict[str, Any]) -> Brand:
    if "name" in changes:
        ensure_unique(session, Brand.name, changes["name"], "name", exclude_id=brand.id, what="品牌")
    for key, value in changes.items():
        setattr(brand, key, value)
    session.flush()
    return brand


def create_supplier(session: Session, *, code: str, name: str, **fields: Any) -> Supplier:
    ensure_unique(session, Supplier.code, code, "code", what="供应商编码")
    supplier = Supplier(code=code, name=name, **fields)
    session.add(supplier)
    session.flush()
    return supplier


def get_supplier(session: Session, supplier_id: int) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise not_found("供应商", "supplier", "supplier_id", supplier_id)
    return supplier


def update_supplier(session: Session, supplier: Supplier, changes: dict[str, Any]) -> Supplier:
    if "code" in changes:
        ensure_unique(session, Supplier.code, changes["code"], "code", exclude_id=supplier.id, what="供应商编码")
    for key, value in changes.items():
        setattr(supplier, key, value)
    session.flush()
    return supplier


# ---------------------------------------------------------------- products


def get_product(session: Session, product_id: int) -> Product:
    product = session.scalar(select(Product).where(Product.id == product_id).options(
        selectinload(Product.units).selectinload(ProductUnit.barcodes)))
    if product is None:
        raise not_found("商品", "product", "product_id", product_id)
    return product


def product_by_barcode(session: Session, barcode: str) -> Product:
    """The product one of whose units carries `barcode` (UPC-A is found by its EAN-13 form)."""
    code = normalised(barcode)
    product_id = session.scalar(select(Barcode.product_id).where(Barcode.barcode == code))
    if product_id is None:
        raise NotFound(f"条码未找到：{code}", f"no product with barcode {code}", code="barcode_not_found",
                       field="barcode")
    return get_product(session, product_id)


def _check_refs(session: Session, fields: dict[str, Any]) -> None:
    _exists(session, Category, fields.get("category_id"), "分类", "category", "category_id")
    _exists(session, Brand, fields.get("brand_id"), "品牌", "brand", "brand_id")
    _exists(session, Supplier, fields.get("supplier_id"), "供应商", "supplier", "supplier_id")
    check_tax_rate(fields.get("tax_rate_bp"))


def check_tax_rate(rate: int | None) -> None:
    """A VAT rate the contract knows (13%, 9%, 6% ...), in basis points; None passes."""
    if rate is not None and rate not in contract.VALID_TAX_RATES_BP:
        raise Invalid(f"无效的增值税率：{rate} 基点", f"tax_rate_bp must be one of "
                      f"{sorted(contract.VALID_TAX_RATES_BP)}", code="invalid_tax_rate", field="tax_rate_bp")


def normalised_units(units: Sequence[dict[str, Any]], weighed: bool) -> list[dict[str, Any]]:
    """Check units (codes unique, a base unit of factor 1) and normalise their barcodes."""
    if not units:
        raise Invalid("商品至少需要一个销售单位", "a product needs at least one unit of sale", field="units")
    codes = [u["code"] for u in units]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise Invalid(f"单位代码重复：{code}", f"unit code {code} repeats", code="duplicate",
                          field=f"units.{i}.code")
    if not any(u["factor"] == 1 for u in units):
        raise Invalid("须有一个换算系数为 1 的基本单位", "one unit must be the base unit (factor 1)",
                      code="base_unit_required", field="units")
    out, seen = [], set()
    for i, unit in enumerate(units):
        if weighed and unit["factor"] != 1:
            raise Invalid("称重商品的单位系数必须为 1", "a weighed product's units have factor 1",
                          field=f"units.{i}.factor")
        barcodes = []
        for j, raw in enumerate(unit.get("barcodes") or []):
            field = f"units.{i}.barcodes.{j}"
            try:
                code = normalize_barcode(raw)
            except ContractError as e:
                raise Invalid(e.message, e.message_en, code="invalid_barcode", field=field) from None
            if code in seen:
                raise Invalid(f"条码重复：{code}", f"barcode {code} repeats", code="duplicate", field=field)
            seen.add(code)
            barcodes.append((code, field))
        out.append({**unit, "barcodes": barcodes})
    return out


def _check_barcodes_free(session: Session, units: list[dict[str, Any]], product_id: int | None) -> None:
    wanted = {code: field for u in units for code, field in u["barcodes"]}
    if not wanted:
        return
    taken = session.execute(select(Barcode.barcode, Barcode.product_id).where(Barcode.barcode.in_(wanted))).all()
    for code, owner in taken:
        if owner != product_id:
            raise Conflict(f"条码 {code} 已被其他商品使用", f"barcode {code} belongs to another product",
                           code="duplicate_barcode", field=wanted[code])


def _apply_units(session: Session, product: Product, units: list[dict[str, Any]]) -> None:
    """Make the product's units exactly `units` (matched by code: kept units keep their ids)."""
    by_code = {u.code: u for u in product.units}
    keep = {u["code"] for u in units}
    for unit in list(product.units):
        if unit.code not in keep:
            product.units.remove(unit)
    # free every barcode first, so a barcode may move between units of this product
    for unit in product.units:
        unit.barcodes.clear()
    session.flush()
    for spec in units:
        found = by_code.get(spec["code"])
        unit = found if found is not None else ProductUnit(code=spec["code"])
        if found is None:
            product.units.append(unit)
        unit.name = spec.get("name") or ""
        unit.factor = spec["factor"]
        unit.price_fen = spec["price_fen"]
    session.flush()
    for spec in units:
        unit = next(u for u in product.units if u.code == spec["code"])
        for code, _field in spec["barcodes"]:
            unit.barcodes.append(Barcode(barcode=code, product_id=product.id))
    session.flush()


def _check_contract(product: Product) -> None:
    """The stored product must build the shared contract's Product (what terminals price from)."""
    product_to_contract(product)


def create_product(session: Session, *, sku: str, name: str, units: Sequence[dict[str, Any]],
                   **fields: Any) -> Product:
    ensure_unique(session, Product.sku, sku, "sku", what="商品编码")
    _check_refs(session, fields)
    normalised = normalised_units(units, bool(fields.get("weighed")))
    _check_barcodes_free(session, normalised, None)
    product = Product(sku=sku, name=name, pinyin=pinyin_initials(name),
                      **{k: v for k, v in fields.items() if v is not None})
    session.add(product)
    session.flush()
    _apply_units(session, product, normalised)
    _check_contract(product)
    return product


def merged_units(product: Product, units: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A PATCH's units (`schemas.UnitPatch` dumps) over the product's: a field left out or null keeps the
    stored unit's value (its barcodes above all); a new unit gets the defaults and must give a price."""
    stored = {u.code: u for u in product.units}
    out = []
    for i, spec in enumerate(units):
        old = stored.get(spec["code"])
        if old is None and spec.get("price_fen") is None:
            raise Invalid("新单位须填写价格", "a new unit needs its price", code="required", field=f"units.{i}.price_fen")

        def given(key: str, kept: Any, spec: dict[str, Any] = spec) -> Any:
            return spec[key] if spec.get(key) is not None else kept

        out.append({"code": spec["code"], "name": given("name", old.name if old else ""),
                    "factor": given("factor", old.factor if old else 1),
                    "price_fen": given("price_fen", old.price_fen if old else None),
                    "barcodes": given("barcodes", [b.barcode for b in old.barcodes] if old else [])})
    return out


def check_price_change(who: Principal | None, before: dict[str, int],
                       after: Sequence[tuple[str, int | None]]) -> None:
    """Forbidden unless `who` holds pricing.write when a unit's base price changes or a priced unit is added
    (`before`: code → stored price; `after`: (code, price) in the order the caller names them, `units.N`).
    catalog.write alone (the warehouse) keeps names, barcodes and units, not prices."""
    if who is None or who.has(Permission.PRICING_WRITE):
        return
    for i, (code, price) in enumerate(after):
        if before.get(code) != price:
            raise Forbidden("修改商品价格需要定价权限（pricing.write）", "changing a product's price needs pricing.write",
                            code="permission_denied", field=f"units.{i}.price_fen")


def update_product(session: Session, product: Product, changes: dict[str, Any],
                   who: Principal | None = None) -> Product:
    """Apply a PATCH's `changes` (only the fields it names); a price change needs pricing.write."""
    units = changes.pop("units", None)
    if units is not None:
        units = merged_units(product, units)
        check_price_change(who, {u.code: u.price_fen for u in product.units},
                           [(u["code"], u["price_fen"]) for u in units])
    if "sku" in changes:
        ensure_unique(session, Product.sku, changes["sku"], "sku", exclude_id=product.id, what="商品编码")
    _check_refs(session, changes)
    weighed = changes.get("weighed", product.weighed)
    if units is None and weighed and any(u.factor != 1 for u in product.units):
        raise Invalid("称重商品的单位系数必须为 1", "a weighed product's units have factor 1", field="weighed")
    for key, value in changes.items():
        setattr(product, key, value)
    if "name" in changes:
        product.pinyin = pinyin_initials(product.name)
    if units is not None:
        normalised = normalised_units(units, weighed)
        _check_barcodes_free(session, normalised, product.id)
        _apply_units(session, product, normalised)
    session.flush()
    _check_contract(product)
    return product


def search_products(*, q: str | None = None, category_ids: list[int] | None = None,
                    brand_id: int | None = None, supplier_id: int | None = None, active: bool | None = None,
                    weighed: bool | None = None) -> Any:
    """A select of products matching the filters (q: SKU, name, pinyin initials or barcode)."""
    stmt = select(Product).options(selectinload(Product.units).selectinload(ProductUnit.barcodes))
    if q:
        like = f"%{q.lower()}%"
        by_barcode = select(Barcode.product_id).where(Barcode.barcode == q)
        stmt = stmt.where(or_(Product.sku.ilike(f"{q}%"), Product.name.ilike(f"%{q}%"), Product.pinyin.like(like),
                              Product.name_en.ilike(f"%{q}%"), Product.id.in_(by_barcode)))
    if category_ids is not None:
        stmt = stmt.where(Product.category_id.in_(category_ids))
    if brand_id is not None:
        stmt = stmt.where(Product.brand_id == brand_id)
    if supplier_id is not None:
        stmt = stmt.where(Product.supplier_id == supplier_id)
    if active is not None:
        stmt = stmt.where(Product.active == active)
    if weighed is not None:
        stmt = stmt.where(Product.weighed == weighed)
    return stmt.order_by(Product.sku)


# ---------------------------------------------------------------- wire form


def product_to_contract(product: Product) -> contract.Product:
    """The shared contract's Product (raises ContractError when the stored data would not price)."""
    return contract.Product(
        id=product.id, sku=product.sku, name=product.name, tax_rate_bp=product.tax_rate_bp,
        weighed=product.weighed, category_id=product.category_id,
        units=tuple(contract.SaleUnit(code=u.code, factor=u.factor, price_fen=u.price_fen, name=u.name,
                                      barcodes=tuple(b.barcode for b in u.barcodes))
                    for u in sorted(product.units, key=lambda u: (u.factor, u.code))))


def product_to_wire(product: Product) -> dict[str, Any]:
    """`sync.catalog.Product.to_dict()` plus search and display fields terminals use (extra keys are
    ignored by `Product.from_dict`)."""
    d = product_to_contract(product).to_dict()
    d.update({"name_en": product.name_en, "pinyin": product.pinyin, "spec": product.spec,
              "brand_id": product.brand_id, "shelf_life_tracked": product.shelf_life_tracked,
              "active": product.active})
    return d
