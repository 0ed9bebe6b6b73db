"""Stock: on hand by warehouse and product (names, not ids), the movement ledger, and the stock documents
that moved it (receipts, transfers, adjustments, write-offs, counts; the purchasing slice adds its
own). Read from the ledger tables every stock service writes (`central.inventory.ledger`); a store
manager sees their store's warehouses only, as in `/api/v1/stock`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.auth.roles import Permission as P
from central.catalog.models import Product
from central.catalog.service import search_products
from central.console.exporting import ListExport, export_url, list_page, wants_export
from central.console.i18n import register
from central.console.labels import MOVEMENT_KINDS, label
from central.console.listing import Listing, Sort
from central.console.web import NAV, ConsoleRoute, NavItem, OptionalId, OptionalText, Viewer, page, render
from central.db import utcnow
from central.errors import not_found
from central.excel import Column, Kind
from central.inventory.models import StockLevel, StockMovement, StockOnHand
from central.org.models import Warehouse
from sync.store_time import business_date, day_start_utc

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/stock", "库存|nav", (P.INVENTORY_READ,), order=70))
Reader = Annotated[Viewer, page(P.INVENTORY_READ)]
DOCUMENT_SOURCES = ("purchase_receipt", "transfer", "adjustment", "loss", "stock_count")

register({
    "现有库存|tab": "On hand", "库存流水|tab": "Movements", "库存单据|tab": "Documents", "全部仓库": "All warehouses",
    "只看低于下限": "Below minimum only", "变动": "Change", "变动后": "After", "单价成本": "Unit cost",
    "单据号": "Document", "行数": "Rows", "批次": "Batch", "有效期|batch": "Expiry", "库存金额": "Value",
    "采购入库|doc": "Purchase receipt", "调拨|doc": "Transfer", "库存调整|doc": "Adjustment", "报损|doc": "Write-off",
    "盘点|doc": "Stock count", "全部单据": "All documents", "单据类型": "Document kind", "全部类型": "All kinds",
})
DOC_NAMES = {"purchase_receipt": "采购入库|doc", "transfer": "调拨|doc", "adjustment": "库存调整|doc", "loss": "报损|doc",
             "stock_count": "盘点|doc"}


def _warehouses(session: Session, viewer: Viewer) -> list[tuple[int, str, str]]:
    stmt = select(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Warehouse.store_id == viewer.principal.store_id)
    return [(i, c, n) for i, c, n in session.execute(stmt)]


def _warehouse_ids(session: Session, viewer: Viewer, warehouse_id: int | None) -> list[int]:
    visible = [w[0] for w in _warehouses(session, viewer)]
    if warehouse_id is not None:
        if warehouse_id not in visible:
            raise not_found("仓库", "warehouse", "warehouse_id", warehouse_id)
        return [warehouse_id]
    return visible


ON_HAND = Listing(sorts=[Sort("sku", "商品编码", Product.sku), Sort("qty", "现有库存", StockOnHand.qty_m)],
                  tiebreak=StockOnHand.product_id * 1_000_000 + StockOnHand.warehouse_id, default_sort="sku")


def _on_hand(session: Session, viewer: Viewer, warehouse_id: int | None, q: str | None, product_id: int | None,
             below: str | None) -> Any:
    stmt = (select(StockOnHand, Product.sku, Product.name, Product.spec, Warehouse.code, Warehouse.name,
                   StockLevel.min_m)
            .join(Product, Product.id == StockOnHand.product_id)
            .join(Warehouse, Warehouse.id == StockOnHand.warehouse_id)
            .outerjoin(StockLevel, (StockLevel.warehouse_id == StockOnHand.warehouse_id)
                       & (StockLevel.product_id == StockOnHand.product_id))
            .where(StockOnHand.warehouse_id.in_(_warehouse_ids(session, viewer, warehouse_id))))
    if q:
        stmt = stmt.where(Product.id.in_(search_products(q=q).with_only_columns(Product.id).order_by(None)))
    if product_id is not None:
        stmt = stmt.where(StockOnHand.product_id == product_id)
    if below == "1":  # below the warehouse's minimum (库存下限), 0 where none is set
        stmt = stmt.where(StockOnHand.qty_m < func.coalesce(StockLevel.min_m, 0))
    return stmt


ON_HAND_EXPORT = ListExport("库存", "Stock on hand", [
    Column("仓库", "Warehouse"), Column("商品编码", "SKU"), Column("商品名称", "Name", width=28), Column("规格", "Spec"),
    Column("现有库存", "On hand", Kind.QTY), Column("下限", "Minimum", Kind.QTY), Column("更新时间", "Updated", Kind.DATETIME)])


@router.get("/stock")
def on_hand(request: Request, viewer: Reader, session: SessionDep, warehouse_id: OptionalId = None,
            q: OptionalText = None, product_id: OptionalId = None, below: OptionalText = None) -> Response:
    def cells(row: tuple[Any, ...]) -> list[Any]:
        soh, sku, name, spec, wh_code, _wh_name, min_m = row
        return [wh_code, sku, name, spec, soh.qty_m, min_m, soh.updated_at]

    return list_page(request, viewer, session, ON_HAND, _on_hand(session, viewer, warehouse_id, q, product_id, below),
                     template="stock/on_hand.html", export=ON_HAND_EXPORT, cells=cells,
                     warehouses=_warehouses(session, viewer), warehouse_id=warehouse_id, q=q or "",
                     product_id=product_id, below=below or "")


MOVEMENTS = Listing(sorts=[Sort("id", "时间", StockMovement.id)], tiebreak=StockMovement.id, default_sort="id",
                    default_desc=True)


def _days(date_from: date | None, date_to: date | None, default_days: int) -> tuple[date, date]:
    end = date_to or business_date(utcnow())
    start = date_from or end - timedelta(days=default_days - 1)
    return (start, end) if start <= end else (end, start)


MOVEMENT_EXPORT = ListExport("库存流水", "Stock movements", [
    Column("时间", "Time", Kind.DATETIME), Column("仓库", "Warehouse"), Column("商品编码", "SKU"),
    Column("商品名称", "Name", width=28), Column("类型", "Kind"), Column("变动", "Change", Kind.QTY),
    Column("变动后", "Balance after", Kind.QTY), Column("单价成本（元）", "Unit cost (yuan)", Kind.MONEY),
    Column("成本变动（元）", "Value change (yuan)", Kind.MONEY), Column("来源", "Source"), Column("单据号", "Document"),
    Column("批号", "Batch"), Column("备注", "Note", width=24)])


@router.get("/stock/movements")
def movements(request: Request, viewer: Reader, session: SessionDep, warehouse_id: OptionalId = None,
              product_id: OptionalId = None, q: OptionalText = None, kind: OptionalText = None,
              date_from: Annotated[date | None, Query()] = None, date_to: Annotated[date | None, Query()] = None
              ) -> Response:
    start, end = _days(date_from, date_to, 7)
    stmt = (select(StockMovement, Product.sku, Product.name, Warehouse.code)
            .join(Product, Product.id == StockMovement.product_id)
            .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
            .where(StockMovement.warehouse_id.in_(_warehouse_ids(session, viewer, warehouse_id)),
                   StockMovement.occurred_at >= day_start_utc(start),
                   StockMovement.occurred_at < day_start_utc(end + timedelta(days=1))))
    if product_id is not None:
        stmt = stmt.where(StockMovement.product_id == product_id)
    if q:
        stmt = stmt.where(Product.id.in_(search_products(q=q).with_only_columns(Product.id).order_by(None)))
    if kind:
        stmt = stmt.where(StockMovement.kind == kind)

    def cells(row: tuple[Any, ...]) -> list[Any]:
        m, sku, name, wh = row
        return [m.occurred_at, wh, sku, name, label(viewer.locale, MOVEMENT_KINDS, m.kind), m.qty_m, m.balance_after_m,
                m.unit_cost_fen, m.value_fen,
                m.source_type, m.source_id, m.batch_no, m.note]

    return list_page(request, viewer, session, MOVEMENTS, stmt, template="stock/movements.html",
                     export=MOVEMENT_EXPORT, cells=cells, suffix=f"-{start}-{end}",
                     warehouses=_warehouses(session, viewer), warehouse_id=warehouse_id, product_id=product_id,
                     q=q or "", kind=kind or "", start=start, end=end, kinds=MOVEMENT_KINDS,
                     kind_label=lambda k: label(viewer.locale, MOVEMENT_KINDS, k), doc_sources=DOCUMENT_SOURCES)


@router.get("/stock/documents")
def documents(request: Request, viewer: Reader, session: SessionDep, warehouse_id: OptionalId = None,
              source: OptionalText = None, date_from: Annotated[date | None, Query()] = None,
              date_to: Annotated[date | None, Query()] = None) -> Response:
    start, end = _days(date_from, date_to, 30)
    sources = [source] if source in DOCUMENT_SOURCES else list(DOCUMENT_SOURCES)
    rows = session.execute(
        select(StockMovement.source_type, StockMovement.source_id, func.min(StockMovement.occurred_at),
               func.count(), func.min(Warehouse.code), func.max(Warehouse.code), func.max(StockMovement.note))
        .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
        .where(StockMovement.warehouse_id.in_(_warehouse_ids(session, viewer, warehouse_id)),
               StockMovement.source_type.in_(sources),
               StockMovement.occurred_at >= day_start_utc(start),
               StockMovement.occurred_at < day_start_utc(end + timedelta(days=1)))
        .group_by(StockMovement.source_type, StockMovement.source_id)
        .order_by(func.min(StockMovement.occurred_at).desc()).limit(DOCUMENTS_SHOWN)).all()
    if wants_export(request):
        return DOCUMENT_EXPORT.response(viewer, ([at, viewer.t(DOC_NAMES.get(kind, kind)), doc,
                                                  wh1 if wh2 == wh1 else f"{wh1} → {wh2}", n, note]
                                                 for kind, doc, at, n, wh1, wh2, note in rows), suffix=f"-{start}-{end}")
    return render(request, viewer, "stock/documents.html", rows=rows, warehouses=_warehouses(session, viewer),
                  warehouse_id=warehouse_id, source=source or "", start=start, end=end, doc_names=DOC_NAMES,
                  export_url=export_url(request))


DOCUMENTS_SHOWN = 500
"""Documents of a period on the page (and in its export): a month of a chain's receipts, transfers and
counts; the movements list pages through everything."""
DOCUMENT_EXPORT = ListExport("库存单据", "Stock documents", [
    Column("时间", "Time", Kind.DATETIME), Column("单据类型", "Document type"), Column("单据号", "Document"),
    Column("仓库", "Warehouse"), Column("行数", "Lines", Kind.INT), Column("备注", "Note", width=30)])


@router.get("/stock/documents/{source_type}/{source_id}")
def document(request: Request, viewer: Reader, session: SessionDep,
             source_type: Annotated[str, Path(max_length=24)], source_id: Annotated[str, Path(max_length=40)]
             ) -> Response:
    visible = [w[0] for w in _warehouses(session, viewer)]
    lines = session.execute(
        select(StockMovement, Product.sku, Product.name, Warehouse.code)
        .join(Product, Product.id == StockMovement.product_id)
        .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
        .where(StockMovement.source_type == source_type, StockMovement.source_id == source_id,
               StockMovement.warehouse_id.in_(visible))
        .order_by(StockMovement.source_line, StockMovement.id)).all()
    if not lines:
        raise not_found("库存单据", "stock document", "source_id", source_id)
    return render(request, viewer, "stock/document.html", lines=lines, source_type=source_type, source_id=source_id,
                  doc_names=DOC_NAMES, kind_label=lambda k: label(viewer.locale, MOVEMENT_KINDS, k))
