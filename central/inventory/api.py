"""Stock API: on-hand, the movement ledger, and the warehouse documents that move stock.

Store-scoped callers (store manager) see and move only their store's warehouses.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import OptLong, RefId, Strict, text
from central.auth.deps import require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission as P
from central.errors import not_found
from central.inventory import service
from central.inventory.check import check_stock
from central.inventory.models import StockMovement, StockOnHand
from central.inventory.quantities import from_milli
from central.org.models import Warehouse

router = APIRouter(tags=["inventory 库存"])

Reader = Annotated[Principal, require(P.INVENTORY_READ, devices=False)]
Writer = Annotated[Principal, require(P.INVENTORY_WRITE, devices=False)]
Qty = Annotated[Decimal, Field(max_digits=12, decimal_places=3, description="base units (pieces, or kg)")]


class Names(BaseModel):
    """What a person reads beside the ids: the warehouse's code and name, the product's SKU and names."""

    warehouse_code: str = ""
    warehouse_name: str = ""
    product_sku: str = ""
    product_name: str = ""
    product_name_en: str | None = None


class OnHandOut(Names):
    model_config = ConfigDict(from_attributes=True)

    warehouse_id: int
    product_id: int
    qty: Decimal
    negative: bool
    updated_at: datetime


class MovementOut(Names):
    model_config = ConfigDict(from_attributes=True)

    id: int
    warehouse_id: int
    product_id: int
    kind: str
    qty: Decimal
    balance_after: Decimal
    unit_cost_fen: int | None
    batch_no: str | None
    expiry_date: date | None
    source_type: str
    source_id: str
    source_line: int | None
    occurred_at: datetime
    recorded_at: datetime
    note: str | None


class LineIn(Strict):
    product_id: RefId
    qty: Qty
    unit_cost_fen: int | None = Field(default=None, ge=0, le=10**9)
    batch_no: text(40) | None = None  # type: ignore[valid-type]
    expiry_date: date | None = None


class ReceiptIn(Strict):
    warehouse_id: RefId
    doc_no: text(40) | None = None  # type: ignore[valid-type]
    lines: list[LineIn] = Field(min_length=1, max_length=1000)
    note: OptLong = None


class TransferIn(Strict):
    from_warehouse_id: RefId
    to_warehouse_id: RefId
    lines: list[LineIn] = Field(min_length=1, max_length=1000)
    note: OptLong = None


class AdjustmentIn(Strict):
    warehouse_id: RefId
    kind: Literal["adjustment", "loss"]
    reason: text(200)  # type: ignore[valid-type]
    lines: list[LineIn] = Field(min_length=1, max_length=1000)


class CountLineIn(Strict):
    product_id: RefId
    counted_qty: Qty


class CountIn(Strict):
    warehouse_id: RefId
    lines: list[CountLineIn] = Field(min_length=1, max_length=5000)


class PostedOut(BaseModel):
    doc_id: str
    movements: int
    negative_stock: list[dict[str, int]]


class CheckOut(BaseModel):
    ok: bool
    pairs: int
    movements: int
    negative: int
    mismatches: list[dict[str, int | str | None]]


def _named(session: Session, page: dict[str, object]) -> dict[str, object]:
    """The page's rows with their warehouses' and products' names, read once for the page."""
    from central.catalog.models import Product

    items = page["items"]
    assert isinstance(items, list)
    warehouses = {w: (c, n) for w, c, n in session.execute(select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.id.in_({i.warehouse_id for i in items})))} if items else {}
    products = {p: (s, n, e) for p, s, n, e in session.execute(
        select(Product.id, Product.sku, Product.name, Product.name_en).where(
            Product.id.in_({i.product_id for i in items})))} if items else {}
    for i in items:
        i.warehouse_code, i.warehouse_name = warehouses.get(i.warehouse_id, ("", ""))
        i.product_sku, i.product_name, i.product_name_en = products.get(i.product_id, ("", "", None))
    return page


def _visible_warehouse(session: Session, who: Principal, warehouse_id: int, field: str = "warehouse_id") -> None:
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", field, warehouse_id)
    if who.store_id is not None:
        who.check_store(wh.store_id, field)


def _user_id(who: Principal) -> int | None:
    return who.user_id if isinstance(who, UserPrincipal) else None


def _lines(body_lines: list[LineIn]) -> list[service.DocLine]:
    return [service.DocLine(product_id=ln.product_id, qty=ln.qty, unit_cost_fen=ln.unit_cost_fen,
                            batch_no=ln.batch_no, expiry_date=ln.expiry_date) for ln in body_lines]


def _posted(p: service.Posted) -> dict[str, object]:
    return {"doc_id": p.doc_id, "movements": p.movements, "negative_stock": [w.__dict__ for w in p.warnings]}


@router.get("/stock", response_model=Page[OnHandOut], summary="库存 / on-hand by warehouse and product")
def list_on_hand(session: SessionDep, who: Reader, page: PageDep, warehouse_id: IdQuery = None,
                 product_id: IdQuery = None,
                 negative: Annotated[bool | None, Query(description="only rows below zero (warnings)")] = None
                 ) -> object:
    stmt = select(StockOnHand).order_by(StockOnHand.warehouse_id, StockOnHand.product_id)
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == StockOnHand.warehouse_id).where(Warehouse.store_id == who.store_id)
    if warehouse_id is not None:
        stmt = stmt.where(StockOnHand.warehouse_id == warehouse_id)
    if product_id is not None:
        stmt = stmt.where(StockOnHand.product_id == product_id)
    if negative is not None:
        stmt = stmt.where(StockOnHand.qty_m < 0 if negative else StockOnHand.qty_m >= 0)
    return _named(session, paginate(session, stmt, page, lambda r: OnHandOut(
        warehouse_id=r.warehouse_id, product_id=r.product_id, qty=from_milli(r.qty_m), negative=r.qty_m < 0,
        updated_at=r.updated_at)))


@router.get("/stock/movements", response_model=Page[MovementOut], summary="库存流水 / the stock ledger")
def list_movements(session: SessionDep, who: Reader, page: PageDep, warehouse_id: IdQuery = None,
                   product_id: IdQuery = None,
                   kind: Annotated[str | None, Query(max_length=20)] = None,
                   source_id: Annotated[str | None, Query(max_length=40)] = None) -> object:
    stmt = select(StockMovement).order_by(StockMovement.id.desc())
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == StockMovement.warehouse_id).where(
            Warehouse.store_id == who.store_id)
    for column, value in ((StockMovement.warehouse_id, warehouse_id), (StockMovement.product_id, product_id),
                          (StockMovement.kind, kind), (StockMovement.source_id, source_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return _named(session, paginate(session, stmt, page, lambda m: MovementOut.model_validate({
        **{k: getattr(m, k) for k in MovementOut.model_fields if hasattr(m, k)},
        "qty": from_milli(m.qty_m), "balance_after": from_milli(m.balance_after_m)})))


@router.post("/stock/receipts", response_model=PostedOut, status_code=201, summary="采购入库 / goods received")
def post_receipt(body: ReceiptIn, session: SessionDep, who: Writer) -> object:
    _visible_warehouse(session, who, body.warehouse_id)
    return _posted(service.receive_purchase(session, warehouse_id=body.warehouse_id, lines=_lines(body.lines),
                                            doc_no=body.doc_no, user_id=_user_id(who), note=body.note))


@router.post("/stock/transfers", response_model=PostedOut, status_code=201, summary="调拨 / transfer")
def post_transfer(body: TransferIn, session: SessionDep, who: Writer) -> object:
    _visible_warehouse(session, who, body.from_warehouse_id, "from_warehouse_id")
    if session.get(Warehouse, body.to_warehouse_id) is None:
        raise not_found("仓库", "warehouse", "to_warehouse_id", body.to_warehouse_id)
    return _posted(service.transfer(session, from_warehouse_id=body.from_warehouse_id,
                                    to_warehouse_id=body.to_warehouse_id, lines=_lines(body.lines),
                                    user_id=_user_id(who), note=body.note))


@router.post("/stock/adjustments", response_model=PostedOut, status_code=201,
             summary="库存调整 / 报损 — adjustment (signed) or loss (written off)")
def post_adjustment(body: AdjustmentIn, session: SessionDep, who: Writer) -> object:
    _visible_warehouse(session, who, body.warehouse_id)
    return _posted(service.adjust(session, warehouse_id=body.warehouse_id, kind=body.kind, lines=_lines(body.lines),
                                  reason=body.reason, user_id=_user_id(who)))


@router.post("/stock/counts", response_model=PostedOut, status_code=201,
             summary="盘点 / stock count: posts counted − on-hand")
def post_count(body: CountIn, session: SessionDep, who: Writer) -> object:
    _visible_warehouse(session, who, body.warehouse_id)
    lines = [service.DocLine(product_id=ln.product_id, qty=ln.counted_qty) for ln in body.lines]
    return _posted(service.count_stock(session, warehouse_id=body.warehouse_id, counted=lines,
                                       user_id=_user_id(who)))


@router.get("/stock/check", response_model=CheckOut, summary="核对库存与流水 / prove on-hand equals the ledger")
def stock_check(session: SessionDep, _who: Annotated[Principal, require(P.INVENTORY_READ, devices=False)]) -> object:
    result = check_stock(session)
    return {"ok": result.ok, "pairs": result.pairs, "movements": result.movements, "negative": result.negative,
            "mismatches": [m.__dict__ for m in result.mismatches]}
