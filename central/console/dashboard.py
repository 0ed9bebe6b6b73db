"""Dashboard (`/dashboard`): today / 7 / 30 days of sales by store, hour and tender, top products, member
share, sync health of every terminal, and warnings. The figures come from
`central.reporting.dashboard.dashboard` (the same rollups as the reports); this module only lays
them out and builds the charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from central.auth.roles import Permission as P
from central.console import charts
from central.console.i18n import register
from central.console.labels import TENDERS, TERMINAL_KINDS, label
from central.console.web import NAV, ConsoleRoute, NavItem, OptionalId, Viewer, page, render
from central.db import utcnow
from central.reporting.dashboard import PERIODS, dashboard

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/dashboard", "概览", (P.REPORTS_READ,), order=10))
Reader = Annotated[Viewer, page(P.REPORTS_READ)]

register({
    "今天": "Today", "近 7 天": "Last 7 days", "近 30 天": "Last 30 days",
    "销售额": "Sales", "退货额": "Returns", "净销售额": "Net sales", "笔数": "Transactions", "客单价": "Average ticket",
    "会员占比": "Member share", "会员": "Members", "非会员": "Non-member", "较上期": "vs previous period",
    "各门店销售": "Sales by store", "分时段销售": "Sales by hour of day", "销售走势": "Sales trend",
    "支付方式": "Payment types", "热销商品": "Top products", "商品|col": "Product", "数量": "Quantity", "客户|col": "Customer",
    "同步状态": "Sync health", "终端": "Terminal", "最后联系": "Last contact", "版本": "Version",
    "待上传": "Waiting to upload", "隔离事件": "Quarantined events", "待复核": "Flagged claims",
    "处理": "Resolve", "超过一小时未联系": "Not heard from for over an hour", "从未联系": "Never connected",
    "预警": "Warnings", "库存低于下限": "Stock below minimum", "逾期应收": "Overdue receivables",
    "仓库": "Warehouse", "现有库存": "On hand", "逾期金额": "Overdue", "应收余额": "Balance",
    "没有预警": "No warnings", "还有 {n} 项": "and {n} more", "编码": "Code", "名称": "Name", "类型": "Kind",
    "门店的收银机和平板": "Every till and tablet of the stores", "全部处理": "Review all",
    "未设下限的商品按 0 计：低于 0 表示卖出多于入库": "Products without a minimum count 0: below 0 means more was sold than received",
    "下限": "Minimum",
    "件": "pcs", "退款": "Refunded",
})


@router.get("/dashboard")
def show(request: Request, viewer: Reader,
         period: Annotated[str, Query(max_length=8)] = "today",
         store_id: OptionalId = None) -> Response:
    data = dashboard(request.app.state.engine, viewer.principal, period=period, store_id=store_id,
                     with_receivables=viewer.can(P.RECEIVABLES_READ))
    t = viewer.t
    store_chart = charts.bars([s.name for s, _ in data.by_store], [
        (t("销售额"), [x.sales_fen for _, x in data.by_store]),
        (t("退货额"), [x.returns_fen for _, x in data.by_store]),
        (t("净销售额"), [x.net_fen for _, x in data.by_store])])
    trend_chart = charts.bars([lbl for lbl, _ in data.trend], [
        (t("净销售额"), [x.net_fen for _, x in data.trend])], line=data.period != "today")
    hour_chart = charts.bars([f"{h:02d}" for h, _ in data.by_hour if 6 <= h <= 23],
                             [(t("销售额"), [x.sales_fen for h, x in data.by_hour if 6 <= h <= 23])])
    tender_chart = charts.pie([(label(viewer.locale, TENDERS, k), paid - refunded) for k, paid, refunded in data.tenders])
    member_chart = charts.pie([(t("会员"), data.totals.member_fen),
                               (t("非会员"), data.totals.sales_fen - data.totals.member_fen)], labels=False)
    return render(request, viewer, "dashboard/index.html", data=data, periods=list(PERIODS), now=utcnow(),
                  store_chart=store_chart, trend_chart=trend_chart, hour_chart=hour_chart,
                  tender_chart=tender_chart, member_chart=member_chart, tender_names=TENDERS,
                  terminal_kinds=TERMINAL_KINDS, can_receivables=viewer.can(P.RECEIVABLES_READ),
                  label=lambda names, code: label(viewer.locale, names, code),
                  can_review=viewer.can(P.REVIEW_READ), can_quarantine=viewer.can(P.SALES_READ))
