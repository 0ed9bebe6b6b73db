"""The till-speed read path: a product by barcode in one SQL statement, no ORM objects.

`GET /products/by-barcode/{code}` is the hottest read of the API (consoles, scanners, rep tablets);
loading ORM objects and their relationships costs several queries and most of the time, so this
module reads the product, its units and their barcodes with one prebuilt Core statement.

The API runs it through `product_json_by_barcode`: one autocommit statement on the read engine
(`central.db.get_read_engine`: no session, no BEGIN/COMMIT, no pre-ping) and the body serialised
straight from the row values, byte for byte what `ProductOut` would give, without validating.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json
from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from central.catalog.models import Barcode, Product, ProductUnit
from central.errors import Invalid, NotFound
from sync.barcodes import normalize_barcode
from sync.errors import ContractError

_scanned = aliased(Barcode)
_BY_BARCODE = (
    select(Product.id, Product.sku, Product.name, Product.name_en, Product.pinyin, Product.spec,
           Product.category_id, Product.brand_id, Product.supplier_id, Product.tax_rate_bp, Product.weighed,
           Product.shelf_life_tracked, Product.shelf_life_days, Product.active, Product.created_at,
           Product.updated_at, ProductUnit.id.label("unit_id"), ProductUnit.code.label("unit_code"),
           ProductUnit.name.label("unit_name"), ProductUnit.factor, ProductUnit.price_fen,
           Barcode.barcode)
    .select_from(_scanned)
    .join(Product, Product.id == _scanned.product_id)
    .join(ProductUnit, ProductUnit.product_id == Product.id)
    .outerjoin(Barcode, Barcode.unit_id == ProductUnit.id)
    .where(_scanned.barcode == bindparam("code"))
    .order_by(ProductUnit.factor, ProductUnit.code, Barcode.id)
)


def normalised(barcode: str) -> str:
    """The barcode in its lookup form (UPC-A → EAN-13), or a 422 naming `barcode`."""
    try:
        return normalize_barcode(barcode)
    except ContractError as e:
        raise Invalid(e.message, e.message_en, code="invalid_barcode", field="barcode") from None


def product_view_by_barcode(session: Session | Connection, barcode: str) -> dict[str, Any]:
    """The product carrying `barcode` as the API's ProductOut fields, from one statement."""
    code = normalised(barcode)
    rows = session.execute(_BY_BARCODE, {"code": code}).all()
    return _view(code, rows)


def product_json_by_barcode(engine: Engine, barcode: str) -> bytes:
    """`product_view_by_barcode` as the JSON body of the API (ProductOut's field order and forms).

    One statement on its own connection from `engine` (the read engine); a connection the database
    dropped (restart, idle timeout) is retried once on a fresh one, as a pre-ping would have.
    """
    code = normalised(barcode)
    try:
        with engine.connect() as conn:
            rows = conn.execute(_BY_BARCODE, {"code": code}).all()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        with engine.connect() as conn:
            rows = conn.execute(_BY_BARCODE, {"code": code}).all()
    return to_json(_view(code, rows))


def _view(code: str, rows: Any) -> dict[str, Any]:
    if not rows:
        raise NotFound(f"条码未找到：{code}", f"no product with barcode {code}", code="barcode_not_found",
                       field="barcode")
    first = rows[0]
    units: dict[int, dict[str, Any]] = {}
    for r in rows:
        unit = units.get(r.unit_id)
        if unit is None:
            unit = units[r.unit_id] = {"id": r.unit_id, "code": r.unit_code, "name": r.unit_name,
                                       "factor": r.factor, "price_fen": r.price_fen, "barcodes": []}
        if r.barcode is not None:
            unit["barcodes"].append(r.barcode)
    return {"id": first.id, "sku": first.sku, "name": first.name, "name_en": first.name_en,
            "pinyin": first.pinyin, "spec": first.spec, "category_id": first.category_id,
            "brand_id": first.brand_id, "supplier_id": first.supplier_id, "tax_rate_bp": first.tax_rate_bp,
            "weighed": first.weighed, "shelf_life_tracked": first.shelf_life_tracked,
            "shelf_life_days": first.shelf_life_days, "active": first.active, "units": list(units.values()),
            "created_at": first.created_at, "updated_at": first.updated_at}
