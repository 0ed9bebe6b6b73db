"""Every page of the console opens in Chromium without a JavaScript error or a request to another host,
as head office in Chinese (and the main ones in English); screenshots of each for test-artifacts/ and
the README."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in

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
    page.goto(f"{server.url}/sales")
    page.locator("#sales a").first.click()
    page.wait_for_selector("#receipt svg")
    assert "¥" in page.inner_text("#receipt-total")
    shot(page, "sale-receipt")
    page.goto(f"{server.url}/shifts")
    page.locator("#shifts a").first.click()
    page.wait_for_load_state("networkidle")
    shot(page, "shift")
    page.goto(f"{server.url}/customers?sort=balance&desc=1")
    page.locator("#customers a").first.click()
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
