"""Console pages of cost and stock figures: 毛利分析 (`/reports/margin`: gross margin by category,
store, product, customer or rep, last month by default, with a chart), 进销存汇总 (`/stock/summary`)
and 库存预警 (`/stock/warnings`: below minimum, above maximum, negative, near expiry, expired).

The same report functions as `pos-central report …` and the API compute them, so the figures on
the page are the figures of the command. Costs need costs.read; a store manager sees their store.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from central.api.deps import SessionDep
from central.auth.roles import Permission as P
from central.console.exporting import ListExport, export_url, wants_export
from central.console.i18n import register
from central.console.web import NAV, ConsoleRoute, NavItem, Viewer, page, render
from central.db import utcnow
from central.errors import Invalid
from central.excel import Column, Kind
from central.org.models import Store, Warehouse
from central.reporting.margin import GROUPINGS, Margin, margin_report
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
    report = margin_report(session, date_from=start, date_to=end, by=by, store_id=store_id, wholesale=True)
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
    if wants_export(request):
        head = Column(GROUP_NAMES[by], by.capitalize(), width=28)
        return ListExport("毛利分析", "Gross margin", [head, *MARGIN_COLUMNS]).response(viewer, (
            [viewer.t("抹零") if key == "rounding" else (name or key), m.net_fen, m.wholesale_net_fen,
             *((None, None) if _all_unknown(m) else (m.cost_fen, m.margin_fen)),
             None if m.margin_rate is None else round(m.margin_rate * 10000), m.sold_lines, m.returned_lines,
             m.unknown_cost_lines, m.unknown_cost_net_fen] for key, name, m in report.rows), suffix=f"-{start}-{end}")
    return render(request, viewer, "stock/margin.html", report=report, rows=report.rows[:MAX_ROWS], chart=chart,
                  by=by, groups=GROUP_NAMES, stores=stores, store=store or "", date_from=start, date_to=end,
                  more=max(0, len(report.rows) - MAX_ROWS), export_url=export_url(request))


def _all_unknown(m: Margin) -> bool:
    """Every line of the row is at unknown cost: its cost and margin are unknown, not zero and all margin."""
    return bool(m.unknown_cost_lines) and m.unknown_cost_lines == m.sold_lines + m.returned_lines


MARGIN_COLUMNS = [
    Column("净销售（元）", "Net sales (yuan)", Kind.MONEY), Column("其中批发（元）", "of which wholesale (yuan)", Kind.MONEY),
    Column("成本（元）", "Cost (yuan)", Kind.MONEY),
    Column("毛利（元）", "Margin (yuan)", Kind.MONEY), Column("毛利率(%)", "Margin (%)", Kind.PERCENT),
    Column("销售行", "Lines sold", Kind.INT), Column("退货行", "Lines returned", Kind.INT),
    Column("成本未知行", "Lines at unknown cost", Kind.INT),
    Column("成本未知的净销售（元）", "Net sales at unknown cost (yuan)", Kind.MONEY)]
SUMMARY_COLUMNS = [
    Column("仓库", "Warehouse"), Column("商品编码", "SKU"), Column("商品", "Product", width=28),
    Column("期初", "Opening", Kind.QTY), Column("入库", "In", Kind.QTY), Column("出库", "Out", Kind.QTY),
    Column("期末", "Closing", Kind.QTY), Column("期初成本（元）", "Opening cost (yuan)", Kind.MONEY),
    Column("入库成本（元）", "Cost in (yuan)", Kind.MONEY), Column("出库成本（元）", "Cost out (yuan)", Kind.MONEY),
    Column("期末成本（元）", "Closing cost (yuan)", Kind.MONEY)]
WARNING_COLUMNS = [
    Column("预警", "Warning"), Column("仓库", "Warehouse"), Column("商品编码", "SKU"), Column("商品", "Product", width=28),
    Column("库存", "On hand", Kind.QTY), Column("下限", "Minimum", Kind.QTY), Column("上限", "Maximum", Kind.QTY),
    Column("缺", "Short", Kind.QTY), Column("超", "Over", Kind.QTY), Column("批号", "Batch"),
    Column("有效期至", "Expires", Kind.DATE), Column("剩余天数", "Days left", Kind.INT),
    Column("预警天数", "Warn days", Kind.INT), Column("批次数量", "Batch qty", Kind.QTY),
    Column("库存金额（元）", "Value (yuan)", Kind.MONEY)]


def _milli(text: str | None) -> int | None:
    return None if text is None else int(Decimal(text) * 1000)


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
    if wants_export(request):
        ordered = sorted(summary.lines, key=lambda ln: -(ln.out_fen if ln.cost_known else 0))

        def cells(ln: Any) -> list[Any]:
            sku, name = summary.products.get(ln.product_id, ("", ""))
            known = ln.cost_known
            return [summary.warehouses.get(ln.warehouse_id, str(ln.warehouse_id)), sku, name, ln.opening_m, ln.in_m,
                    ln.out_m, ln.closing_m, *((ln.opening_fen, ln.in_fen, ln.out_fen, ln.closing_fen) if known
                                              else (None, None, None, None))]

        return ListExport("进销存汇总", "Stock summary", SUMMARY_COLUMNS).response(
            viewer, (cells(ln) for ln in ordered), suffix=f"-{start}-{end}")
    data = summary.to_json()
    lines = sorted(data["products"], key=lambda p: -(p["out_cost_fen"] or 0))[:MAX_ROWS]
    return render(request, viewer, "stock/summary.html", data=data, lines=lines, warehouses=choices,
                  warehouse=code or "", date_from=start, date_to=end, more=max(0, len(data["products"]) - MAX_ROWS),
                  export_url=export_url(request))


@router.get("/stock/warnings")
def warnings_page(request: Request, viewer: StockViewer, session: SessionDep) -> Response:
    stmt = select(Warehouse.id)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Warehouse.store_id == viewer.principal.store_id)
    result = stock_warnings(session, warehouse_ids=list(session.scalars(stmt)), today=business_date(utcnow()))
    costs = viewer.can(P.COSTS_READ)
    if wants_export(request):
        def cells(kind: str, r: dict[str, Any]) -> list[Any]:
            expiry = r.get("expiry_date")
            return [viewer.t(kind), r["warehouse"], r["sku"], r["name"], _milli(r.get("on_hand")), _milli(r.get("min")),
                    _milli(r.get("max")), _milli(r.get("short")), _milli(r.get("over")), r.get("batch_no"),
                    date.fromisoformat(expiry) if expiry else None, r.get("days_left"), r.get("warn_days"),
                    _milli(r.get("qty")), r.get("value_fen") if costs else None]

        sections = (("临期", result.near_expiry), ("已过期", result.expired), ("低于下限", result.below_min),
                    ("高于上限", result.above_max), ("负库存", result.negative))
        return ListExport("库存预警", "Stock warnings", WARNING_COLUMNS).response(
            viewer, (cells(kind, r) for kind, rows in sections for r in rows))
    return render(request, viewer, "stock/warnings.html", w=result, costs=costs, export_url=export_url(request))


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
    "净销售 = 门店销售（等于同期销售报表）+ 批发（已送达的销售订单减订单退货）；成本为库存流水的移动加权平均成本，成本未知的行不计成本，另行列出。":
        "Net sales = till sales (equal to the sales report for the same days) + wholesale (sales orders delivered, "
        "less order returns); cost is the moving average cost the stock ledger moved; lines of unknown cost add no "
        "cost and are counted apart.",
    "其中批发": "of which wholesale",
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
