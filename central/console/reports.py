"""Reports with charts: sales analysis by any combination of period, store, category, brand, product,
cashier, rep, customer and member level (`central.reporting.analysis`), with the same period last
year and margin where costs are known; and receivables ageing (`central.finance.receivables`).
Both exportable to Excel. A store manager's reports cover their store only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from central.api.deps import SessionDep
from central.auth.roles import Permission as P
from central.catalog.service import category_descendants
from central.console import charts
from central.console.catalog import _category_options
from central.console.exporting import ListExport, export_url
from central.console.i18n import register, t
from central.console.web import NAV, ConsoleRoute, NavItem, OptionalId, Viewer, page, render
from central.db import utcnow
from central.excel import Column, Kind
from central.finance.ageing import BUCKETS
from central.finance.receivables import ageing_report
from central.org.models import Store
from central.reporting.analysis import DIMENSIONS, PERIODS, SalesAnalysis, sales_analysis
from sync.store_time import business_date

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/reports/sales", "报表|nav", (P.REPORTS_READ,), prefix="/reports", order=15))
Reader = Annotated[Viewer, page(P.REPORTS_READ)]
AgeingReader = Annotated[Viewer, page(P.RECEIVABLES_READ)]
DIMENSION_NAMES = {"day": "日", "week": "周", "month": "月", "store": "门店", "category": "分类", "brand": "品牌",
                   "product": "商品|col", "cashier": "收银员", "rep": "业务员", "customer": "客户|col", "member_level": "会员等级"}

register({
    "销售分析|tab": "Sales analysis", "应收账龄|tab": "Receivables ageing", "日": "Day", "周": "Week", "月": "Month",
    "分组一": "Group by", "分组二": "then by", "分组三": "then by", "对比去年同期": "Compare with last year",
    "净销售额": "Net sales", "成本": "Cost", "毛利": "Margin", "毛利率": "Margin %", "去年同期": "Last year",
    "同比": "vs last year", "合计": "Total", "查询": "Run", "成本未知": "cost unknown",
    "成本未全部已知的行不显示毛利（不按零计）": "Rows where some cost is unknown show no margin (never as zero)",
    "只显示前 {n} 行（按净销售额）": "Showing the first {n} rows (by net sales)", "截至": "As of",
    "应收合计": "Receivables", "逾期合计": "Overdue", "客户数": "Customers",
})


def _default_group(value: str | None, fallback: str) -> str | None:
    if value is None:
        return fallback
    return value if value in DIMENSIONS else None


@router.get("/reports/sales")
def sales_report(request: Request, viewer: Reader, session: SessionDep,
                 date_from: Annotated[date | None, Query()] = None, date_to: Annotated[date | None, Query()] = None,
                 g1: Annotated[str | None, Query(max_length=16)] = None,
                 g2: Annotated[str | None, Query(max_length=16)] = None,
                 g3: Annotated[str | None, Query(max_length=16)] = None,
                 store_id: OptionalId = None, category_id: OptionalId = None,
                 last_year: Annotated[str | None, Query(max_length=1)] = None,
                 export: Annotated[str | None, Query(max_length=4)] = None) -> Response:
    today = business_date(utcnow())
    start = date_from or today.replace(day=1)
    end = date_to or today
    first = _default_group(g1, "store")
    second = _default_group(g2, "category") if g1 is None else _default_group(g2, "")
    third = _default_group(g3, "")
    group_by = [g for g in (first, second, third) if g]
    stores = session.execute(select(Store.id, Store.code, Store.name).order_by(Store.code)).all()
    if viewer.principal.store_id is not None:
        viewer.principal.check_store(store_id if store_id is not None else viewer.principal.store_id)
        store_ids = [viewer.principal.store_id]
    else:
        store_ids = [store_id] if store_id is not None else [s.id for s in stores]
    categories = category_descendants(session, category_id) if category_id else None
    compare = last_year == "1" or (last_year is None and g1 is None)
    report, _labels = sales_analysis(request.app.state.engine, store_ids=store_ids, date_from=start, date_to=end,
                                     group_by=group_by, last_year=compare, category_ids=categories)
    if export == "xlsx":
        return _export(viewer, report)
    return render(request, viewer, "reports/sales.html", export_url=export_url(request), report=report, dims=DIMENSION_NAMES, g=(first, second, third),
                  store_id=store_id, category_id=category_id, compare=compare, chart=_chart(viewer, report),
                  stores=[(s.id, s.name) for s in stores if s.id in store_ids or viewer.principal.store_id is None],
                  categories=_category_options(session), dimensions=DIMENSIONS)


def _chart(viewer: Viewer, report: SalesAnalysis) -> dict[str, Any]:
    """Net sales (and last year's) by the first grouping; a line over time when that is a period."""
    by_first: dict[str, list[int]] = {}
    for row in report.rows:
        acc = by_first.setdefault(row.labels[0], [0, 0])
        acc[0] += row.net_fen
        acc[1] += row.last_year_net_fen or 0
    names = list(by_first)
    if report.group_by[0] not in PERIODS:
        names = sorted(names, key=lambda n: -by_first[n][0])[:20]
    series = [(viewer.t("净销售额"), [by_first[n][0] for n in names])]
    if report.last_year:
        series.append((viewer.t("去年同期"), [by_first[n][1] for n in names]))
    return charts.bars(names, series, line=report.group_by[0] in PERIODS)


def _export(viewer: Viewer, report: SalesAnalysis) -> Response:
    columns = [Column(DIMENSION_NAMES[g].split("|")[0], t("en", DIMENSION_NAMES[g])) for g in report.group_by] + [
        Column("数量", "Quantity", Kind.QTY), Column("净销售额（元）", "Net (yuan)", Kind.MONEY),
        Column("成本（元）", "Cost (yuan)", Kind.MONEY), Column("毛利（元）", "Margin (yuan)", Kind.MONEY),
        Column("去年同期（元）", "Last year (yuan)", Kind.MONEY)]
    rows = ([*r.labels, r.qty_m, r.net_fen, r.cost_fen if r.cost_known else None,
             r.margin_fen if r.cost_known else None, r.last_year_net_fen] for r in report.rows)
    return ListExport("销售分析", "Sales analysis", columns).response(
        viewer, rows, suffix=f"-{report.date_from}-{report.date_to}")


@router.get("/reports/ageing")
def ageing(request: Request, viewer: AgeingReader, session: SessionDep,
           as_of: Annotated[date | None, Query()] = None,
           export: Annotated[str | None, Query(max_length=4)] = None) -> Response:
    day = as_of or business_date(utcnow())
    rows = [r for r in ageing_report(session, as_of=day, rep_id=viewer.principal.rep_id) if r.ageing.balance_fen]
    rows.sort(key=lambda r: -r.ageing.overdue_fen)
    totals = {b: sum(r.ageing.buckets[b] for r in rows) for b in BUCKETS}
    if export == "xlsx":
        columns = [Column("客户编码", "Code"), Column("客户名称", "Name"),
                   *(Column(f"{b} 天（元）", f"{b} days (yuan)", Kind.MONEY) for b in BUCKETS),
                   Column("逾期（元）", "Overdue (yuan)", Kind.MONEY), Column("应收余额（元）", "Balance (yuan)", Kind.MONEY)]
        sheet_rows = ([r.code, r.name, *(r.ageing.buckets[b] for b in BUCKETS), r.ageing.overdue_fen,
                       r.ageing.balance_fen] for r in rows)
        return ListExport("应收账龄", "Receivables ageing", columns).response(viewer, sheet_rows, suffix=f"-{day}")
    chart = charts.bars([f"{b}" for b in BUCKETS], [(viewer.t("应收合计"), [totals[b] for b in BUCKETS])])
    return render(request, viewer, "reports/ageing.html", export_url=export_url(request), rows=rows, totals=totals, buckets=BUCKETS, as_of=day,
                  chart=chart, overdue=sum(r.ageing.overdue_fen for r in rows),
                  balance=sum(r.ageing.balance_fen for r in rows), can_sales=viewer.can(P.REPORTS_READ))
