"""The dashboard in Chromium: today's sales by store on a chart, the period switch, a store manager's view."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN_PASSWORD, Server, Watch, shot, sign_in


def _charts_drawn(page: Any, *ids: str) -> None:
    for chart_id in ids:
        page.wait_for_selector(f"#{chart_id} canvas")


def test_head_office_sees_sales_by_store_and_switches_period(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    assert page.url.endswith("/dashboard")
    _charts_drawn(page, "chart-stores", "chart-trend", "chart-hours", "chart-tenders", "chart-members")
    assert page.inner_text("#kpi-sales") != "¥0.00"
    stores = page.inner_text("section.card:has(#chart-stores) table")
    for name in ("张江店", "徐家汇店", "五角场店"):
        assert name in stores
    assert "S01-POS01" in page.inner_text("#sync-health")
    shot(page, "dashboard-today")
    page.click("a:has-text('近 30 天')")
    page.wait_for_url("**/dashboard?period=30d")
    _charts_drawn(page, "chart-stores", "chart-trend")
    page.wait_for_timeout(300)
    shot(page, "dashboard-30d")
    # the charts of the page swapped out were disposed, the new ones drawn: one instance per element
    assert page.evaluate("document.querySelectorAll('[data-chart]').length") == page.evaluate(
        "Array.from(document.querySelectorAll('[data-chart]')).filter(e => echarts.getInstanceByDom(e)).length")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state("networkidle")
    _charts_drawn(page, "chart-stores")
    assert "Net sales" in page.inner_text("main")
    shot(page, "dashboard-30d-en")
    page.click("button[name=locale][value=zh-CN]")
    page.wait_for_load_state("networkidle")


def test_store_manager_sees_only_their_store(page: Any, server: Server, watch: Watch) -> None:
    sign_in(page, server, "manager02")
    _charts_drawn(page, "chart-stores")
    text = page.inner_text("main")
    assert "徐家汇店" in text
    assert "张江店" not in text
    assert "S01-POS01" not in text
    watch.allow_status(403)
    page.goto(f"{server.url}/dashboard?store_id=1")
    assert "没有权限" in page.inner_text("main") or "其他门店" in page.inner_text("main")


def test_cashier_has_no_dashboard(page: Any, server: Server, watch: Watch) -> None:
    sign_in(page, server, "cashier11")
    assert "/dashboard" not in page.url
    watch.allow_status(403)
    page.goto(f"{server.url}/dashboard")
    assert "没有权限" in page.inner_text("main")
