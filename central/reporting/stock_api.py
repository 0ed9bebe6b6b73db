"""Stock and margin reports API: each answers exactly what its `pos-central report …` command prints
with `--json` (进销存汇总 stock summary, 毛利 margin).

Store managers get their own store only (its warehouses, its sales); cost figures need costs.read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from central.api.deps import SessionDep
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.org.models import Store, Warehouse
from central.reporting.margin import margin_report
from central.reporting.stock_summary import stock_summary

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
            description="Net sales (equal to the sales report's `net_fen` for the same days), cost at moving average, "
                        "margin and margin rate; lines of unknown cost are counted, never costed at zero.")
def report_margin(session: SessionDep, who: CostReader, date_from: From, date_to: To,
                  by: Annotated[Literal["product", "category", "store", "customer", "rep"], Query()] = "product",
                  store: Annotated[str | None, Query(max_length=16, description="store code, e.g. S01")] = None
                  ) -> dict[str, Any]:
    store_id = None
    if who.store_id is not None:
        own = session.get(Store, who.store_id)
        if store is not None and (own is None or own.code != store):
            who.check_store(-1, "store")
        store_id, store = who.store_id, None
    return margin_report(session, date_from=date_from, date_to=date_to, by=by, store_code=store,
                         store_id=store_id).to_json()
