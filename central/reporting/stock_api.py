"""Stock, margin and purchase reports API: 进销存汇总 stock summary and 毛利 margin (each answers
exactly what its `pos-central report …` command prints with `--json`), available stock, stock
warnings, batch traceability, purchase analysis.

Store managers get their own store only (its warehouses, its sales); cost figures need costs.read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.db import utcnow
from central.errors import NotFound
from central.org.models import Store, Warehouse
from central.reporting.margin import margin_report
from central.reporting.purchase_analysis import purchase_analysis
from central.reporting.stock_reports import available_stock, batch_trace, stock_warnings
from central.reporting.stock_summary import stock_summary
from sync.store_time import business_date

router = APIRouter(tags=["reports 报表"])

CostReader = Annotated[Principal, require(P.REPORTS_READ, P.COSTS_READ, devices=False)]
From = Annotated[date, Query(alias="from", description="first business day, YYYY-MM-DD (Asia/Shanghai)")]
To = Annotated[date, Query(alias="to", description="last business day, inclusive")]


@router.get("/reports/stock-summary", summary="进销存汇总 / stock summary: opening, in, out, closing",
            description="Per warehouse and product over business days: opening, in, out and closing quantities "
                        "(base units, decimal strings) and the same at moving average cost (fen), with the movements "
                        "by type. Totals at the top level; `products` beside them.")
def report_stock_summary(session: SessionDep, who: CostReader, date_from: From, date_to: To,
                         warehouse: Annotated[str | None, Query(max_length=16, description="warehouse code")] = None
                         ) -> dict[str, Any]:
    own = None
    if who.store_id is not None:
        own = list(session.scalars(select(Warehouse.id).where(Warehouse.store_id == who.store_id)))
        if warehouse is not None and session.scalar(select(Warehouse.id).where(
                Warehouse.code == warehouse, Warehouse.store_id == who.store_id)) is None:
            who.check_store(-1, "warehouse")
    return stock_summary(session, date_from=date_from, date_to=date_to, warehouse_code=warehouse,
                         warehouse_ids=own).to_json()


@router.get("/reports/margin", summary="毛利分析 / gross margin by product, category, store, customer or rep",
            description="Net sales of the tills (`net_fen`, equal to the sales report's `net_fen` for the same "
                        "days) and, with `wholesale=true`, of wholesale too (`wholesale_net_fen`: delivered sales-order "
                        "lines less order returns, then in `net_fen`), "
                        "cost at moving average as the stock ledger moved it, margin and margin rate; lines of unknown "
                        "cost are counted, never costed at zero.")
def report_margin(session: SessionDep, who: CostReader, date_from: From, date_to: To,
                  by: Annotated[Literal["product", "category", "store", "customer", "rep"], Query()] = "product",
                  store: Annotated[str | None, Query(max_length=16, description="store code, e.g. S01")] = None,
                  wholesale: Annotated[bool, Query(description="count delivered sales orders too (then net_fen "
                                                               "no longer equals the sales report's)")] = False,
                  ) -> dict[str, Any]:
    store_id = None
    if who.store_id is not None:
        own = session.get(Store, who.store_id)
        if store is not None and (own is None or own.code != store):
            who.check_store(-1, "store")
        store_id, store = who.store_id, None
    return margin_report(session, date_from=date_from, date_to=date_to, by=by, store_code=store,
                         store_id=store_id, wholesale=wholesale).to_json()


Reader = Annotated[Principal, require(P.INVENTORY_READ, devices=False)]


def _warehouses(session: Session, who: Principal, warehouse: str | None) -> list[int]:
    """The warehouses a report covers: the one named (by code), else all the caller may see."""
    stmt = select(Warehouse.id, Warehouse.store_id)
    if warehouse is not None:
        stmt = stmt.where(Warehouse.code == warehouse)
    rows = session.execute(stmt).all()
    if warehouse is not None and not rows:
        raise NotFound(f"仓库不存在：{warehouse}", f"no such warehouse: {warehouse}", code="warehouse_not_found",
                       field="warehouse")
    if who.store_id is not None:
        if warehouse is not None and rows[0][1] != who.store_id:
            who.check_store(rows[0][1], "warehouse")
        rows = [r for r in rows if r[1] == who.store_id]
    return [r[0] for r in rows]


Warehouse_ = Annotated[str | None, Query(max_length=16, description="warehouse code (default: all you may see)")]


@router.get("/reports/available-stock", summary="可用库存 / on hand, to ship, available, to receive, projected")
def report_available(session: SessionDep, who: Reader, warehouse: Warehouse_ = None,
                     product_id: Annotated[int | None, Query(ge=1)] = None) -> list[dict[str, Any]]:
    return available_stock(session, warehouse_ids=_warehouses(session, who, warehouse),
                           product_ids=None if product_id is None else [product_id])


@router.get("/reports/stock-warnings", summary="库存预警 / below minimum, above maximum, negative, near expiry, expired")
def report_warnings(session: SessionDep, who: Reader, warehouse: Warehouse_ = None) -> dict[str, Any]:
    return stock_warnings(session, warehouse_ids=_warehouses(session, who, warehouse),
                          today=business_date(utcnow())).to_json()


@router.get("/reports/batch-trace", summary="批次追溯 / where every unit of a batch came from and went")
def report_trace(session: SessionDep, who: Reader, batch_no: Annotated[str, Query(min_length=1, max_length=40)],
                 product_id: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    own = _warehouses(session, who, None) if who.store_id is not None else None
    return batch_trace(session, batch_no=batch_no, product_id=product_id, warehouse_ids=own)


@router.get("/reports/purchase-analysis", summary="采购分析 / by supplier (completion, on time) or product (prices)")
def report_purchases(session: SessionDep, _who: Annotated[Principal, require(P.PURCHASING_READ, P.COSTS_READ,
                                                                             devices=False)],
                     date_from: From, date_to: To,
                     by: Annotated[Literal["supplier", "product"], Query()] = "supplier") -> dict[str, Any]:
    return purchase_analysis(session, date_from=date_from, date_to=date_to, by=by)
