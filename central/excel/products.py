"""Products in and out: one row per product, its base unit and up to nine more units beside it.

One row per product is what a shop's staff edit (and what 管家婆-style templates use): sorting or
filtering in Excel never splits a product. The base unit (factor 1) has `单位 / 单位名称 / 零售价 /
条码`; each further unit n has `单位n / 单位n名称 / 单位n换算 / 单位n零售价 / 单位n条码`. An export
has as many unit groups as the product with the most units needs (at least two).

On import, products are matched by SKU: new SKUs are created, others updated, and a product
whose row says what it already holds is left alone (so an export imported again changes nothing).
A column left out of the file keeps what the product has; with no `单位2` columns at all, units
not in the file are kept too (a price-only file cannot delete box units), while a file with unit
groups gives each product exactly the units of its row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.auth.principal import Principal
from central.auth.roles import Permission
from central.catalog import importing as bulk
from central.catalog.models import Barcode, Brand, Category, Product, ProductUnit, Supplier
from central.catalog.schemas import ProductIn
from central.catalog.service import check_price_change
from central.errors import DomainError
from central.excel import cells
from central.excel.columns import Column, Kind
from central.excel.importing import Applied, Reporter, read_cells, validation_problems
from central.excel.reader import Row, Table
from central.syncing import feed
from sync.errors import ContractError

MAX_UNITS = 10

PRODUCT_COLUMNS: tuple[Column, ...] = (
    Column("商品编码", "SKU", key="sku", required=True, note="字母、数字和 _ . -，最多 32 位；按它匹配已有商品"),
    Column("商品名称", "Name", key="name", required=True, width=28),
    Column("英文名称", "English name", key="name_en", width=20),
    Column("规格", "Spec", key="spec", note="如 330ml、500g×12"),
    Column("分类编码", "Category code", key="category", note="已有分类的编码"),
    Column("品牌", "Brand", key="brand", note="已有品牌的名称"),
    Column("供应商编码", "Supplier code", key="supplier"),
    Column("税率(%)", "VAT (%)", Kind.PERCENT, key="tax_rate_bp", note="13、9、6、3、1 或 0"),
    Column("称重", "Weighed", Kind.BOOL, key="weighed", note="是/否"),
    Column("批次效期管理", "Batch & expiry", Kind.BOOL, key="shelf_life_tracked"),
    Column("保质期(天)", "Shelf life (days)", Kind.INT, key="shelf_life_days"),
    Column("启用", "Active", Kind.BOOL, key="active"),
    Column("单位", "Unit", key="unit1", required=True, note="基本单位代码（换算系数 1），如 个、瓶、kg"),
    Column("单位名称", "Unit name", key="unit1_name"),
    Column("零售价（元）", "Price (yuan)", Kind.MONEY, key="unit1_price", required=True, note="元，最多两位小数"),
    Column("条码", "Barcodes", Kind.LIST, key="unit1_barcodes", width=30, note="多个条码用 ; 分隔；请设为文本格式"),
)


def unit_columns(n: int) -> tuple[Column, ...]:
    """The five columns of the n-th unit (n ≥ 2)."""
    return (Column(f"单位{n}", f"Unit {n}", key=f"unit{n}", note="如 箱"),
            Column(f"单位{n}名称", f"Unit {n} name", key=f"unit{n}_name"),
            Column(f"单位{n}换算", f"Unit {n} factor", Kind.INT, key=f"unit{n}_factor", note="含多少个基本单位"),
            Column(f"单位{n}零售价（元）", f"Unit {n} price (yuan)", Kind.MONEY, key=f"unit{n}_price"),
            Column(f"单位{n}条码", f"Unit {n} barcodes", Kind.LIST, key=f"unit{n}_barcodes", width=30))


EXTRA_UNIT_COLUMNS = tuple(c for n in range(2, MAX_UNITS + 1) for c in unit_columns(n))


# ---------------------------------------------------------------------------- export


def export_columns(session: Session) -> list[Column]:
    per_product = select(func.count().label("n")).select_from(ProductUnit).group_by(ProductUnit.product_id).subquery()
    most = session.scalar(select(func.max(per_product.c.n))) or 1
    return [*PRODUCT_COLUMNS, *(c for n in range(2, max(2, int(most)) + 1) for c in unit_columns(n))]


def export_rows(session: Session, columns: Sequence[Column], *, page: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Every product in SKU order, a page at a time (keyset on SKU): memory stays flat."""
    slots = (len(columns) - len(PRODUCT_COLUMNS)) // 5 + 1
    categories = dict(session.execute(select(Category.id, Category.code)).all())
    brands = dict(session.execute(select(Brand.id, Brand.name)).all())
    suppliers = dict(session.execute(select(Supplier.id, Supplier.code)).all())
    after = ""
    while True:
        products = session.execute(
            select(Product.id, Product.sku, Product.name, Product.name_en, Product.spec, Product.category_id,
                   Product.brand_id, Product.supplier_id, Product.tax_rate_bp, Product.weighed,
                   Product.shelf_life_tracked, Product.shelf_life_days, Product.active)
            .where(Product.sku > after).order_by(Product.sku).limit(page)).all()
        if not products:
            return
        ids = [p.id for p in products]
        units: dict[int, list[tuple[Any, ...]]] = {}
        for unit_row in sorted(feed.rows_by_keys(session, (ProductUnit.product_id, ProductUnit.factor,
                                                           ProductUnit.code, ProductUnit.id, ProductUnit.name,
                                                           ProductUnit.price_fen), ProductUnit.product_id, ids)):
            units.setdefault(unit_row[0], []).append(unit_row)
        codes: dict[int, list[str]] = {}
        for _bid, uid, code in sorted(feed.rows_by_keys(session, (Barcode.id, Barcode.unit_id, Barcode.barcode),
                                                        Barcode.product_id, ids)):
            codes.setdefault(uid, []).append(code)
        for p in products:
            its = units.get(p.id, [])
            base = its[0] if its else None
            row: list[Any] = [p.sku, p.name, p.name_en, p.spec, categories.get(p.category_id), brands.get(p.brand_id),
                              suppliers.get(p.supplier_id), p.tax_rate_bp, p.weighed, p.shelf_life_tracked,
                              p.shelf_life_days, p.active,
                              base[2] if base else None, base[4] if base else None, base[5] if base else None,
                              codes.get(base[3], []) if base else []]
            for n in range(1, slots):
                unit = its[n] if n < len(its) else None
                row += ([unit[2], unit[4], unit[1], unit[5], codes.get(unit[3], [])] if unit
                        else [None, None, None, None, []])
            yield tuple(row)
        after = products[-1].sku


# ---------------------------------------------------------------------------- import

_READERS: dict[str, Callable[[Any], Any]] = {f"unit{n}_barcodes": cells.barcodes for n in range(1, MAX_UNITS + 1)}
"""Barcode columns are read as barcodes (leading zeros put back when the check digit proves them)."""
_FIELD_COLUMN = {"sku": "sku", "name": "name", "name_en": "name_en", "spec": "spec", "category_id": "category",
                 "brand_id": "brand", "supplier_id": "supplier", "tax_rate_bp": "tax_rate_bp", "weighed": "weighed",
                 "shelf_life_tracked": "shelf_life_tracked", "shelf_life_days": "shelf_life_days",
                 "active": "active", "units": "unit1"}
_UNIT_SUFFIX = {"code": "", "name": "_name", "factor": "_factor", "price_fen": "_price", "barcodes": "_barcodes"}


class ProductImporter:
    kind = "products"
    title = "商品"
    permission = Permission.CATALOG_WRITE
    columns: Sequence[Column] = PRODUCT_COLUMNS
    extra: Sequence[Column] = EXTRA_UNIT_COLUMNS

    def begin(self, session: Session, who: Principal | None, table: Table, report: Reporter) -> None:
        self.table, self.who = table, who
        self.categories = dict(session.execute(select(Category.code, Category.id)).all())
        self.brands = dict(session.execute(select(Brand.name, Brand.id)).all())
        self.suppliers = dict(session.execute(select(Supplier.code, Supplier.id)).all())
        self.slots = [n for n in range(1, MAX_UNITS + 1) if f"unit{n}" in table.columns]
        self.whole_units = any(n > 1 for n in self.slots)
        self.skus: dict[str, int] = {}
        self.barcodes: dict[str, tuple[int, str]] = {}
        self.slots_of: dict[int, list[int]] = {}
        """Sheet row → the unit groups (n) its units came from, in order (to name a bad unit's column)."""

    def _unit_column(self, spec_slots: list[int], loc: tuple[Any, ...]) -> str | None:
        if len(loc) >= 2 and loc[0] == "units" and isinstance(loc[1], int) and loc[1] < len(spec_slots):
            n = spec_slots[loc[1]]
            suffix = _UNIT_SUFFIX.get(str(loc[2]) if len(loc) > 2 else "code", "")
            return f"unit{n}{suffix}" if f"unit{n}{suffix}" in self.table.columns else f"unit{n}"
        return _FIELD_COLUMN.get(str(loc[0])) if loc else None

    def parse(self, row: Row, report: Reporter) -> bulk.ProductSpec | None:
        values = read_cells(row, self.table, report, _READERS)
        if values is None:
            return None
        n_row = row.number
        fields: dict[str, Any] = {}
        ok = True
        for key, col in (("name", "name"), ("name_en", "name_en"), ("spec", "spec"), ("tax_rate_bp", "tax_rate_bp"),
                         ("weighed", "weighed"), ("shelf_life_tracked", "shelf_life_tracked"),
                         ("shelf_life_days", "shelf_life_days"), ("active", "active")):
            if col in values:
                value = values[col]
                if value is None and key in ("tax_rate_bp", "weighed", "shelf_life_tracked", "active"):
                    continue  # empty: keep (or the default for a new product)
                fields[key] = value
        for key, col, known, what, what_en in (("category_id", "category", self.categories, "分类", "category"),
                                               ("brand_id", "brand", self.brands, "品牌", "brand"),
                                               ("supplier_id", "supplier", self.suppliers, "供应商", "supplier")):
            if col in values:
                if values[col] is None:
                    fields[key] = None
                elif values[col] in known:
                    fields[key] = known[values[col]]
                else:
                    report(n_row, col, f"没有这个{what}：{values[col]}（请先在后台建好）",
                           f"no such {what_en}: {values[col]} (create it first)")
                    ok = False
        units: list[dict[str, Any]] = []
        spec_slots: list[int] = []
        for n in self.slots:
            code = values.get(f"unit{n}")
            price = values.get(f"unit{n}_price")
            factor = 1 if n == 1 else values.get(f"unit{n}_factor")
            if code is None:
                if any(values.get(f"unit{n}{s}") not in (None, []) for s in ("_name", "_factor", "_price", "_barcodes")):
                    report(n_row, f"unit{n}", f"单位{n if n > 1 else ''}不能为空（同组还填了其他列）",
                           f"unit {n} is empty while the other columns of its group are filled")
                    ok = False
                continue
            if price is None:
                report(n_row, f"unit{n}_price", "零售价不能为空", "the price is required")
                ok = False
                continue
            if factor is None:
                report(n_row, f"unit{n}_factor", "换算系数不能为空", "the factor is required")
                ok = False
                continue
            unit: dict[str, Any] = {"code": code, "factor": factor, "price_fen": price}
            if f"unit{n}_name" in values:
                unit["name"] = values[f"unit{n}_name"] or ""
            if f"unit{n}_barcodes" in values:
                unit["barcodes"] = values[f"unit{n}_barcodes"]
            units.append(unit)
            spec_slots.append(n)
        if not ok:
            return None
        try:
            ProductIn.model_validate({"sku": values["sku"], "name": fields.get("name"),
                                      **{k: v for k, v in fields.items() if k != "name"},
                                      "units": [{"barcodes": [], "name": "", **u} for u in units]})
        except ValidationError as exc:
            validation_problems(exc, n_row, report, lambda loc: self._unit_column(spec_slots, loc))
            return None
        sku = values["sku"].strip()
        if sku in self.skus:
            report(n_row, "sku", f"商品编码重复：{sku} 已在第 {self.skus[sku]} 行",
                   f"SKU {sku} repeats: already on row {self.skus[sku]}")
            return None
        self.skus[sku] = n_row
        for unit, n in zip(units, spec_slots, strict=True):
            for code in unit.get("barcodes", ()):
                first = self.barcodes.get(code)
                if first is not None:
                    report(n_row, f"unit{n}_barcodes", f"条码重复：{code} 已在第 {first[0]} 行（{first[1]}）",
                           f"barcode {code} repeats: already on row {first[0]} ({first[1]})")
                    ok = False
                else:
                    self.barcodes[code] = (n_row, sku)
        if not ok:
            return None
        self.slots_of[n_row] = spec_slots
        return bulk.ProductSpec(sku=sku, fields=fields, units=units, whole_units=self.whole_units, row=n_row)

    def _column_of(self, spec: bulk.ProductSpec, field: str | None) -> str | None:
        if field and field.startswith("units"):
            parts = field.split(".")
            slots = self.slots_of[spec.row]
            if len(parts) >= 2 and parts[1].isdigit():
                return self._unit_column(slots, ("units", int(parts[1]), *parts[2:3]))
            return "unit1"
        return _FIELD_COLUMN.get(field or "", None)

    def apply(self, session: Session, records: list[bulk.ProductSpec], report: Reporter, *, write: bool) -> Applied:
        stored = bulk.stored_products(session, [s.sku for s in records])
        good: list[bulk.ProductSpec] = []
        for spec in records:
            old = stored.get(spec.sku)
            try:
                bulk.check_spec(spec, old)
                if old is not None:  # a new product's first price is the catalogue's; a change is pricing's
                    prices = {code: u["price_fen"] for code, u in old.units.items()}
                    check_price_change(self.who, prices, [(u["code"], u["price_fen"] if u.get("price_fen") is not None
                                                           else prices.get(u["code"])) for u in spec.units])
            except (DomainError, ContractError) as exc:
                report.error(spec.row, self._column_of(spec, exc.field), exc)
                continue
            good.append(spec)
        owners = bulk.barcode_owners(session, [c for s in good for u in s.units for c in u.get("barcodes", ())])
        clashes = bulk.check_barcodes_free(good, owners)
        for spec, unit_code, clash in clashes:
            slot = next(n for u, n in zip(spec.units, self.slots_of[spec.row], strict=True)
                        if u["code"] == unit_code)
            report.error(spec.row, f"unit{slot}_barcodes", clash)
        bad = {id(s) for s, _u, _e in clashes}
        good = [s for s in good if id(s) not in bad]
        if not write or report.bad:
            creates, updates, unchanged = bulk.classify(good, stored)
            return Applied([s.sku for s in creates], [s.sku for s in updates], unchanged)
        outcome = bulk.write_products(session, good, stored)
        audit.record_many(session, actor=report.who, action="product.import", entity_type="product",
                          changes=((pid, before, after) for pid, _sku, before, after in outcome.changes),
                          reason=report.reason)
        return Applied([str(i) for i in outcome.created], [str(i) for i in outcome.updated], outcome.unchanged)
