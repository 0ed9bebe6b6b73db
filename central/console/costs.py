"""Console pages of cost and stock figures: 毛利分析 (`/reports/margin`: gross margin by category,
store, product, customer or rep, last month by default, with a chart), 进销存汇总 (`/stock/summary`)
and 库存预警 (`/stock/warnings`: below minimum, above maximum, negative, near expiry, expired).

The same report functions as `pos-central report …` and the API compute them, so the figures on
the page are the figures of the command. Costs need costs.read; a store manager sees their store.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from central.api.deps import SessionDep
from central.auth.roles import Permission as P
from central.console.i18n import register
from central.console.web import NAV, ConsoleRoute, NavItem, Viewer, page, render
from central.db import utcnow
from central.errors import Invalid
from central.org.models import Store, Warehouse
from central.reporting.margin import GROUPINGS, margin_report
from central.reporting.stock_reports import stock_warnings
from central.reporting.stock_summary import stock_summary
from sync.store_time import business_date

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/reports/margin", "毛利分析", (P.REPORTS_READ, P.COSTS_READ)))
NAV.append(NavItem("/stock/summary", "进销存汇总", (P.REPORTS_READ, P.COSTS_READ)))
NAV.append(NavItem("/stock/warnings", "库存预警", (P.INVENTORY_READ,)))

CostViewer = Annotated[Viewer, page(P.REPORTS_READ, P.COSTS_READ)]
StockViewer = Annotated[Viewer, page(P.INVENTORY_READ)]
GROUP_NAMES = {"category": "品类", "store": "门店", "product": "商品", "customer": "客户", "rep": "业务员"}
MAX_ROWS = 300


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _period(date_from: str | None, date_to: str | None) -> tuple[date, date]:
    first, last = last_month(business_date(utcnow()))
    try:
        return (date.fromisoformat(date_from) if date_from else first, date.fromisoformat(date_to) if date_to else last)
    except ValueError:
        raise Invalid("日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD", code="date", field="from") from None


@router.get("/reports/margin")
def margin_page(request: Request, viewer: CostViewer, session: SessionDep, by: str = "category",
                store: str | None = None, date_from: str | None = None, date_to: str | None = None) -> Response:
    start, end = _period(request.query_params.get("from", date_from), request.query_params.get("to", date_to))
    by = by if by in GROUPINGS else "category"
    store_id = viewer.principal.store_id
    stores = list(session.scalars(select(Store).order_by(Store.code)))
    if store_id is None and store:
        store_id = next((s.id for s in stores if s.code == store), None)
    report = margin_report(session, date_from=start, date_to=end, by=by, store_id=store_id)
    top = report.rows[:12]
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [viewer.t("净销售"), viewer.t("毛利")]},
        "grid": {"left": 60, "right": 20, "bottom": 80},
        "xAxis": {"type": "category", "data": [name or key for key, name, _m in top],
                  "axisLabel": {"rotate": 30, "interval": 0}},
        "yAxis": {"type": "value", "name": "¥"},
        "series": [{"name": viewer.t("净销售"), "type": "bar", "data": [m.net_fen / 100 for _k, _n, m in top]},
                   {"name": viewer.t("毛利"), "type": "bar", "data": [m.margin_fen / 100 for _k, _n, m in top]}],
    }
    return render(request, viewer, "stock/margin.html", report=report, rows=report.rows[:MAX_ROWS], chart=chart,
                  by=by, groups=GROUP_NAMES, stores=stores, store=store or "", date_from=start, date_to=end,
                  more=max(0, len(report.rows) - MAX_ROWS))


@router.get("/stock/summary")
def summary_page(request: Request, viewer: CostViewer, session: SessionDep, warehouse: str | None = None) -> Response:
    start, end = _period(request.query_params.get("from"), request.query_params.get("to"))
    own = None
    choices = list(session.scalars(select(Warehouse).order_by(Warehouse.code)))
    if viewer.principal.store_id is not None:
        choices = [w for w in choices if w.store_id == viewer.principal.store_id]
        own = [w.id for w in choices]
    code = warehouse if warehouse and any(w.code == warehouse for w in choices) else None
    summary = stock_summary(session, date_from=start, date_to=end, warehouse_code=code, warehouse_ids=own)
    data = summary.to_json()
    lines = sorted(data["products"], key=lambda p: -(p["out_cost_fen"] or 0))[:MAX_ROWS]
    return render(request, viewer, "stock/summary.html", data=data, lines=lines, warehouses=choices,
                  warehouse=code or "", date_from=start, date_to=end, more=max(0, len(data["products"]) - MAX_ROWS))


@router.get("/stock/warnings")
def warnings_page(request: Request, viewer: StockViewer, session: SessionDep) -> Response:
    stmt = select(Warehouse.id)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Warehouse.store_id == viewer.principal.store_id)
    result = stock_warnings(session, warehouse_ids=list(session.scalars(stmt)), today=business_date(utcnow()))
    return render(request, viewer, "stock/warnings.html", w=result, costs=viewer.can(P.COSTS_READ))


register({
    "毛利分析": "Gross margin",
    "进销存汇总": "Stock summary",
    "库存预警": "Stock warnings",
    "品类": "Category",
    "业务员": "Sales rep",
    "按": "By",
    "从": "From",
    "到": "to",
    "净销售": "Net sales",
    "毛利": "Margin",
    "毛利率": "Margin %",
    "成本未知行": "Lines at unknown cost",
    "抹零": "Rounding",
    "销售行": "Lines sold",
    "退货行": "Lines returned",
    "成本更正差异（已售出部分）": "Cost corrections on goods already sold",
    "净销售等于同期销售报表；成本为到达总部时的移动加权平均成本。":
        "Net sales equal the sales report for the same days; cost is the moving average cost when each sale reached head office.",
    "另有 {n} 行未显示": "{n} more rows not shown",
    "期初": "Opening",
    "入库": "In",
    "出库": "Out",
    "期末": "Closing",
    "期初成本": "Opening cost",
    "入库成本": "Cost in",
    "出库成本": "Cost out",
    "期末成本": "Closing cost",
    "全部仓库": "All warehouses",
    "成本未知的商品": "Products at unknown cost",
    "按出库成本排序": "By cost out, largest first",
    "低于下限": "Below minimum",
    "高于上限": "Above maximum",
    "负库存": "Negative stock",
    "临期": "Near expiry",
    "已过期": "Expired",
    "剩余天数": "Days left",
    "预警天数": "Warn days",
    "缺": "Short",
    "超": "Over",
    "库存金额": "Value",
})
