"""The buying side in a real browser, on the demo business (Chromium, headless): a buyer sees what
to reorder in the central warehouse, drafts the order in one click, submits it and receives it in
two arrivals with batches and expiry dates; the owner reads last month's gross margin by category
and by store, in Chinese (and once in English)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in


def test_buyer_reorders_orders_and_receives_in_two_arrivals(page: Any, server: Server) -> None:
    sign_in(page, server, "warehouse01")
    page.click("nav.side >> text=补货建议")
    page.wait_for_load_state("networkidle")
    page.select_option("#reorder-filter select[name=warehouse]", "CW01")
    page.click("#reorder-filter button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#suggestions tbody tr[data-tracked='1']")
    assert rows.count() > 0, page.inner_text("#suggestions")
    row = rows.first
    sku = row.get_attribute("data-sku")
    # every input of the suggestion is on the row: stock, to ship, to receive, daily sales, lead time, min, max
    assert len(row.locator("td").all()) == 17
    shot(page, "purchasing-reorder-zh")
    row.locator("input[type=checkbox]").check()
    row.locator("input[name^=units_]").fill("2")
    page.click("#draft-orders")
    page.wait_for_load_state("networkidle")
    assert "已由补货建议生成草稿" in page.inner_text("#flash")
    assert page.inner_text("#order-status").strip() == "草稿"
    assert sku in page.inner_text("#lines")
    page.click("#submit-order")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#order-status").strip() == "已审批"
    # the first arrival brings one box of batch A; the second box stays open
    today = date.today()
    page.fill("#receive input[name=qty_1]", "1")
    page.fill("#receive input[name=batch_1]", "PW-A01")
    page.fill("#receive input[name=produced_1]", (today - timedelta(days=3)).isoformat())
    page.fill("#receive input[name=expiry_1]", (today + timedelta(days=360)).isoformat())
    page.fill("#receive input[name=landed_cost]", "8.00")
    page.click("#receive-button")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#order-status").strip() == "部分到货"
    assert page.inner_text("#lines tbody tr:first-child td.open").strip() == "1"
    shot(page, "purchasing-order-first-arrival-zh")
    # the second arrival, another batch: the order is complete
    page.fill("#receive input[name=qty_1]", "1")
    page.fill("#receive input[name=batch_1]", "PW-A02")
    page.fill("#receive input[name=expiry_1]", (today + timedelta(days=365)).isoformat())
    page.click("#receive-button")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#order-status").strip() == "已到齐"
    arrivals = page.inner_text("#receipts")
    assert "PW-A01" in arrivals
    assert "PW-A02" in arrivals
    shot(page, "purchasing-order-received-zh")


def test_owner_reads_last_months_margin_by_category_and_store(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.click("nav.side >> text=毛利分析")
    page.wait_for_load_state("networkidle")
    first_of_month = date.today().replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    assert page.input_value("#margin-filter input[name=from]") == last_month_end.replace(day=1).isoformat()
    assert page.input_value("#margin-filter input[name=to]") == last_month_end.isoformat()
    rows = page.locator("#margin-rows tbody tr")
    assert rows.count() >= 5, page.inner_text("#margin-rows")
    assert page.inner_text("#net").startswith("¥")
    assert page.inner_text("#rate").endswith("%")
    page.wait_for_selector("#margin-chart canvas")
    shot(page, "margin-category-zh")
    page.select_option("#margin-filter select[name=by]", "store")
    page.click("#margin-filter button[type=submit]")
    page.wait_for_load_state("networkidle")
    stores = page.inner_text("#margin-rows")
    for code in ("S01", "S02", "S03"):
        assert code in stores
    page.wait_for_selector("#margin-chart canvas")
    shot(page, "margin-store-zh")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state("networkidle")
    assert "Gross margin" in page.inner_text("main")
    shot(page, "margin-store-en")
    page.click("button[name=locale][value=zh-CN]")
    page.wait_for_load_state("networkidle")
