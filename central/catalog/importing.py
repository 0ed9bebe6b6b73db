"""Many products at once (a spreadsheet import): the checks of `service.create_product` /
`update_product`, set-based so 100,000 products take seconds, not the hours one ORM round trip
after another would.

The same rules as the API, from the same code: fields were validated by `schemas.ProductIn`
(the caller does that per row, to name the cell), units go through `service.normalised_units`,
the tax rate through `service.check_tax_rate`, and every product must build the shared contract's
`Product` (what terminals price from). SKUs and barcodes are unique against the database here, a
chunk at a time; within a file the caller checks them. Writes are a few statements per chunk;
the change feed learns of them through `feed.touch`, so tills pull every imported product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.orm import Session

from central.bulk import insert_returning_ids, insert_tuples
from central.catalog.models import Barcode, Product, ProductUnit
from central.catalog.pinyin import pinyin_initials
from central.catalog.service import check_tax_rate, normalised_units
from central.db import utcnow
from central.errors import Conflict
from central.syncing import feed
from sync import catalog as contract

PRODUCT_FIELDS = ("name", "name_en", "spec", "category_id", "brand_id", "supplier_id", "tax_rate_bp", "weighed",
                  "shelf_life_tracked", "shelf_life_days", "active")
"""The product's own fields an import may set (besides sku and units)."""
UNIT_FIELDS = ("name", "factor", "price_fen", "barcodes")


@dataclass
class ProductSpec:
    """A product as an import wants it. `fields` holds only the fields the file gives (others keep
    their value on update, take their default on create); `units` by code, each a dict of
    UNIT_FIELDS (barcodes normalised); `whole_units`: the units given are all the product's units
    (others are removed), else units not mentioned are kept."""

    sku: str
    fields: dict[str, Any]
    units: list[dict[str, Any]]
    whole_units: bool = True
    row: int = 0


@dataclass
class Stored:
    id: int
    fields: dict[str, Any]
    units: dict[str, dict[str, Any]]
    """By code: id, name, factor, price_fen, barcodes (tuple)."""


@dataclass
class Outcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    changes: list[tuple[int, str, dict[str, Any] | None, dict[str, Any]]] = field(default_factory=list)
    """(product id, sku, before, after) of each product created (before None) or changed: the
    fields that differ, for the audit trail."""


_DEFAULTS: dict[str, Any] = {"name_en": None, "spec": None, "category_id": None, "brand_id": None,
                             "supplier_id": None, "tax_rate_bp": 1300, "weighed": False,
                             "shelf_life_tracked": False, "shelf_life_days": None, "active": True}


def stored_products(session: Session, skus: Sequence[str]) -> dict[str, Stored]:
    """The products with these SKUs, with their units and barcodes: three set-based reads."""
    cols = (Product.id, Product.sku, *(getattr(Product, f) for f in PRODUCT_FIELDS))
    out: dict[str, Stored] = {}
    by_id: dict[int, Stored] = {}
    for row in feed.rows_by_keys(session, cols, Product.sku, list(skus)):
        stored = Stored(row[0], dict(zip(PRODUCT_FIELDS, row[2:], strict=True)), {})
        out[row[1]] = by_id[row[0]] = stored
    if not by_id:
        return out
    unit_of: dict[int, dict[str, Any]] = {}
    for uid, pid, code, name, factor, price in feed.rows_by_keys(
            session, (ProductUnit.id, ProductUnit.product_id, ProductUnit.code, ProductUnit.name, ProductUnit.factor,
                      ProductUnit.price_fen), ProductUnit.product_id, list(by_id)):
        unit_of[uid] = by_id[pid].units[code] = {"id": uid, "name": name, "factor": factor, "price_fen": price,
                                                 "barcodes": []}
    for _bid, uid, code in sorted(feed.rows_by_keys(session, (Barcode.id, Barcode.unit_id, Barcode.barcode),
                                                    Barcode.product_id, list(by_id))):
        unit_of[uid]["barcodes"].append(code)
    for unit in unit_of.values():
        unit["barcodes"] = tuple(unit["barcodes"])
    return out


def barcode_owners(session: Session, codes: Sequence[str]) -> dict[str, tuple[int, str]]:
    """barcode → (product id, sku) for those of `codes` already in the catalogue."""
    rows = feed.rows_by_keys(session, (Barcode.barcode, Barcode.product_id), Barcode.barcode, list(codes))
    skus = dict(feed.rows_by_keys(session, (Product.id, Product.sku), Product.id, list({r[1] for r in rows})))
    return {code: (pid, skus[pid]) for code, pid in rows}


def check_spec(spec: ProductSpec, stored: Stored | None) -> dict[str, Any]:
    """The product's fields after the change (raises Invalid / ContractError like the API would)."""
    merged = {**(stored.fields if stored else _DEFAULTS), **spec.fields}
    check_tax_rate(merged["tax_rate_bp"])
    units = final_units(spec, stored)
    normalised_units([{**u, "barcodes": list(u["barcodes"])} for u in units], bool(merged["weighed"]))
    contract.Product(id=stored.id if stored else 1, sku=spec.sku, name=merged["name"], tax_rate_bp=merged["tax_rate_bp"],
                     weighed=merged["weighed"], category_id=merged["category_id"],
                     units=tuple(contract.SaleUnit(code=u["code"], factor=u["factor"], price_fen=u["price_fen"],
                                                   name=u["name"], barcodes=tuple(u["barcodes"])) for u in units))
    return merged


def final_units(spec: ProductSpec, stored: Stored | None) -> list[dict[str, Any]]:
    """The product's units after the change, each {code, name, factor, price_fen, barcodes}."""
    given = {u["code"]: u for u in spec.units}
    out: list[dict[str, Any]] = []
    if stored is not None and not spec.whole_units:
        for code, unit in stored.units.items():
            if code not in given:
                out.append({"code": code, **{k: unit[k] for k in UNIT_FIELDS}})
    for code, unit in given.items():
        old = stored.units.get(code) if stored else None
        merged = {"code": code, "name": "", "factor": 1, "barcodes": (),
                  **({k: old[k] for k in UNIT_FIELDS} if old else {}),
                  **{k: v for k, v in unit.items() if k != "code"}}
        merged["barcodes"] = tuple(merged["barcodes"])
        out.append(merged)
    return out


def _unit_view(units: Sequence[dict[str, Any]] | dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    items = units.items() if isinstance(units, dict) else ((u["code"], u) for u in units)
    return {code: (u["name"] or "", u["factor"], u["price_fen"], tuple(sorted(u["barcodes"]))) for code, u in items}


def classify(specs: Sequence[ProductSpec], stored: dict[str, Stored]) -> tuple[
        list[ProductSpec], list[ProductSpec], int]:
    """(to create, to update, how many unchanged) — what `write_products` would do."""
    creates, updates, unchanged = [], [], 0
    for spec in specs:
        old = stored.get(spec.sku)
        if old is None:
            creates.append(spec)
        elif _changed(spec, old):
            updates.append(spec)
        else:
            unchanged += 1
    return creates, updates, unchanged


def _changed(spec: ProductSpec, old: Stored) -> bool:
    merged = {**old.fields, **spec.fields}
    return merged != old.fields or _unit_view(final_units(spec, old)) != _unit_view(old.units)


def write_products(session: Session, specs: Sequence[ProductSpec], stored: dict[str, Stored]) -> Outcome:
    """Create or update the products of `specs` (already checked by `check_spec`; barcodes free):
    unchanged ones are not touched. A few statements whatever the number of products."""
    out = Outcome()
    creates: list[tuple[ProductSpec, dict[str, Any], list[dict[str, Any]]]] = []
    updates: list[tuple[ProductSpec, Stored, dict[str, Any], list[dict[str, Any]]]] = []
    to_create, to_update, out.unchanged = classify(specs, stored)
    for spec in to_create:
        creates.append((spec, {**_DEFAULTS, **spec.fields}, final_units(spec, None)))
    for spec in to_update:
        old = stored[spec.sku]
        updates.append((spec, old, {**old.fields, **spec.fields}, final_units(spec, old)))
    now = utcnow()
    if creates:
        columns = ("sku", "pinyin", "created_at", "updated_at", *PRODUCT_FIELDS)
        ids = insert_returning_ids(session, Product.__table__, columns, [  # type: ignore[arg-type]
            (s.sku, pinyin_initials(m["name"]), now, now, *(m[f] for f in PRODUCT_FIELDS)) for s, m, _u in creates])
        for (spec, merged, units), pid in zip(creates, ids, strict=True):
            out.created.append(pid)
            out.changes.append((pid, spec.sku, None, {**merged, "units": _audit_units(units)}))
        _insert_units(session, [(pid, u) for (_s, _m, units), pid in zip(creates, ids, strict=True) for u in units])
    if updates:
        _update(session, updates, now, out)
    feed.touch(session, "product", out.created + out.updated)
    return out


def _audit_units(units: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"code": u["code"], "name": u["name"] or "", "factor": u["factor"], "price_fen": u["price_fen"],
             "barcodes": list(u["barcodes"])} for u in units]


def _insert_units(session: Session, units: list[tuple[int, dict[str, Any]]]) -> None:
    if not units:
        return
    ids = insert_returning_ids(session, ProductUnit.__table__,  # type: ignore[arg-type]
                               ("product_id", "code", "name", "factor", "price_fen"),
                               [(pid, u["code"], u["name"] or "", u["factor"], u["price_fen"]) for pid, u in units])
    insert_tuples(session, Barcode.__table__, ("barcode", "product_id", "unit_id"),  # type: ignore[arg-type]
                  [(code, pid, uid) for (pid, u), uid in zip(units, ids, strict=True) for code in u["barcodes"]])


def _update(session: Session, updates: list[tuple[ProductSpec, Stored, dict[str, Any], list[dict[str, Any]]]],
            now: Any, out: Outcome) -> None:
    product_rows: list[dict[str, Any]] = []
    unit_rows: list[dict[str, Any]] = []
    new_units: list[tuple[int, dict[str, Any]]] = []
    drop_units: list[int] = []
    drop_barcodes_of: list[int] = []
    add_barcodes: list[tuple[str, int, int]] = []
    for spec, old, merged, units in updates:
        before = {k: v for k, v in old.fields.items() if merged[k] != v}
        after = {k: merged[k] for k in before}
        if merged != old.fields:
            row = {"b_id": old.id, **merged, "updated_at": now}
            if merged["name"] != old.fields["name"]:
                row["pinyin"] = pinyin_initials(merged["name"])
            product_rows.append(row)
        if _unit_view(units) != _unit_view(old.units):
            before["units"], after["units"] = _audit_units(
                [{"code": c, **u} for c, u in old.units.items()]), _audit_units(units)
            keep = {u["code"] for u in units}
            drop_units += [u["id"] for code, u in old.units.items() if code not in keep]
            for unit in units:
                was = old.units.get(unit["code"])
                if was is None:
                    new_units.append((old.id, unit))
                    continue
                if (was["name"] or "", was["factor"], was["price_fen"]) != (unit["name"] or "", unit["factor"],
                                                                            unit["price_fen"]):
                    unit_rows.append({"b_id": was["id"], "name": unit["name"] or "", "factor": unit["factor"],
                                      "price_fen": unit["price_fen"]})
                if tuple(was["barcodes"]) != tuple(unit["barcodes"]):
                    drop_barcodes_of.append(was["id"])
                    add_barcodes += [(code, old.id, was["id"]) for code in unit["barcodes"]]
            if not product_rows or product_rows[-1]["b_id"] != old.id:
                product_rows.append({"b_id": old.id, "updated_at": now})
        out.updated.append(old.id)
        out.changes.append((old.id, spec.sku, before, after))
    # barcodes first (one may move between units of a product), then units, then products
    if drop_barcodes_of or drop_units:
        session.execute(delete(Barcode).where(Barcode.unit_id.in_(drop_barcodes_of + drop_units)))
    if drop_units:
        session.execute(delete(ProductUnit).where(ProductUnit.id.in_(drop_units)))
    if unit_rows:
        units_table: Any = ProductUnit.__table__
        session.execute(update(units_table).where(units_table.c.id == bindparam("b_id")), unit_rows)
    insert_tuples(session, Barcode.__table__, ("barcode", "product_id", "unit_id"),  # type: ignore[arg-type]
                  add_barcodes)
    _insert_units(session, new_units)
    products_table: Any = Product.__table__
    for keys in {tuple(sorted(r)) for r in product_rows}:  # one executemany per set of columns
        rows = [r for r in product_rows if tuple(sorted(r)) == keys]
        session.execute(update(products_table).where(products_table.c.id == bindparam("b_id")), rows)


def check_barcodes_free(specs: Sequence[ProductSpec], owners: dict[str, tuple[int, str]]) -> list[tuple[ProductSpec, str, Conflict]]:
    """(spec, unit code, Conflict) for each barcode another product already carries."""
    found = []
    for spec in specs:
        for unit in spec.units:
            for code in unit.get("barcodes", ()):
                owner = owners.get(code)
                if owner is not None and owner[1] != spec.sku:
                    found.append((spec, unit["code"], Conflict(
                        f"条码 {code} 已被其他商品 {owner[1]} 使用", f"barcode {code} belongs to product {owner[1]}",
                        code="duplicate_barcode", field="barcodes")))
    return found
