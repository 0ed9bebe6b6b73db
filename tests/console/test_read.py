"""The console read in Chromium, one server for the module: sign-in, language, sign-out, the offline
/docs; the dashboard by role; every page as head office (and the main ones in English), with
screenshots for test-artifacts/console/ and the README.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from central.db import utcnow
from sync.store_time import business_date, local_time

from .conftest import ADMIN_PASSWORD, Server, Watch, shot, sign_in


def test_sign_in_wrong_password_then_right(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("main")
    shot(page, "login-zh")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url
    assert "系统管理员" in page.inner_text("header")


def test_language_follows_the_user_and_sign_out_ends_the_session(page: Any, server: Server) -> None:
    sign_in(page, server, "finance01")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state("networkidle")
    assert "Sign out" in page.inner_text("header")
    assert page.get_attribute("html", "lang") == "en"
    page.click("#logout")
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    # the language is the user's, kept at central: signing in again speaks English to them
    sign_in(page, server, "finance01")
    assert "Sign out" in page.inner_text("header")
    page.click("button[name=locale][value=zh-CN]")
    page.wait_for_load_state("networkidle")
    assert "退出" in page.inner_text("header")


def test_api_docs_work_offline(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".swagger-ui .information-container", timeout=30_000)
    assert "POS Central" in page.inner_text(".swagger-ui .information-container")
    page.wait_for_selector(".opblock-tag", timeout=30_000)
    shot(page, "api-docs")


def _charts_drawn(page: Any, *ids: str) -> None:
    for chart_id in ids:
        page.wait_for_selector(f"#{chart_id} canvas")


def test_head_office_sees_sales_by_store_and_switches_period(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    assert page.url.endswith("/dashboard")
    _charts_drawn(page, "chart-stores", "chart-trend", "chart-hours", "chart-tenders", "chart-members")
    if local_time(utcnow()).hour >= 10:  # the demo's stores open 07:00–23:00: before that, today is empty
        assert page.inner_text("#kpi-sales") != "¥0.00"
    stores = page.inner_text("section.card:has(#chart-stores) table")
    for name in ("张江店", "徐家汇店", "五角场店"):
        assert name in stores
    assert "S01-POS01" in page.inner_text("#sync-health")
    shot(page, "dashboard-today")
    page.click("a:has-text('近 30 天')")
    page.wait_for_url("**/dashboard?period=30d")
    _charts_drawn(page, "chart-stores", "chart-trend")
    assert page.inner_text("#kpi-sales") != "¥0.00"
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


PAGES = [
    ("/dashboard?period=30d", "dashboard"), ("/reports/sales", "report-sales"),
    ("/reports/sales?g1=week&g2=&g3=&last_year=1", "report-weekly"), ("/reports/ageing", "report-ageing"),
    ("/catalog/products", "products"), ("/catalog/categories", "categories"), ("/catalog/brands", "brands"),
    ("/catalog/suppliers", "suppliers"), ("/catalog/price-lists", "price-lists"), ("/catalog/member-levels", "member-levels"),
    ("/catalog/customer-groups", "customer-groups"), ("/promotions", "promotions"), ("/promotions/new", "promotion-new"),
    ("/members", "members"), ("/customers", "customers"), ("/sales", "sales"), ("/returns", "returns"),
    ("/shifts", "shifts"), ("/stock", "stock"), ("/stock/movements", "stock-movements"), ("/stock/documents", "stock-documents"),
    ("/terminals", "terminals-list"), ("/sync/quarantine", "quarantine"), ("/sync/flags", "flags"),
    ("/admin/users", "users"), ("/admin/stores", "stores"), ("/admin/warehouses", "warehouses"),
]


def test_every_page_as_head_office(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    for path, name in PAGES:
        response = page.goto(f"{server.url}{path}")
        assert response is not None, path
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert "出错了" not in page.inner_text("main"), path
        shot(page, f"page-{name}")
    # details reached by clicking through
    yesterday = (business_date(utcnow()) - timedelta(days=1)).isoformat()  # a whole day of demo trading
    page.goto(f"{server.url}/sales?date_from={yesterday}&date_to={yesterday}")
    page.locator("#sales td a").first.click()
    page.wait_for_selector("#receipt svg")
    assert "¥" in page.inner_text("#receipt-total")
    shot(page, "sale-receipt")
    page.goto(f"{server.url}/shifts")
    page.locator("#shifts td a").first.click()
    page.wait_for_load_state("networkidle")
    shot(page, "shift")
    page.goto(f"{server.url}/customers?sort=balance&desc=1")
    page.locator("#customers td a").first.click()
    page.wait_for_load_state("networkidle")
    shot(page, "customer")


def test_main_pages_in_english(page: Any, server: Server) -> None:
    sign_in(page, server, "finance01")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state("networkidle")
    for path, name in (("/dashboard?period=7d", "dashboard-en"), ("/reports/sales", "report-en"),
                       ("/customers", "customers-en"), ("/sales", "sales-en")):
        page.goto(f"{server.url}{path}")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("body")
        assert "Sign out" in text, path
        shot(page, name)
    page.click("button[name=locale][value=zh-CN]")
    page.wait_for_load_state("networkidle")
