"""代金券 and 储值卡 in a real browser, on the demo business: look a voucher up, issue more, find the
demo member by the last four digits of the phone and adjust the balance."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in


def test_vouchers_pages(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.click("nav.side >> text=代金券")
    page.wait_for_load_state("networkidle")
    table = page.inner_text("#batches")
    assert "满100减20代金券" in table
    assert "提货券" in table
    shot(page, "vouchers-zh")
    page.click("#batches >> text=DEMO-20OFF100")
    page.fill("#issue input[name=count]", "3")
    page.click("#issue button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已发券 3 张" in page.inner_text("main")
    code = page.inner_text("#codes tbody tr:first-child td:first-child").strip()
    shot(page, "voucher-batch-zh")
    page.goto(f"{server.url}/vouchers")
    page.fill("#lookup-code", code)
    page.click("text=查券")
    page.wait_for_load_state("networkidle")
    assert "可用" in page.inner_text("#voucher-status")
    page.fill("#void input[name=reason]", "顾客挂失")
    page.click("#void button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已作废" in page.inner_text("#voucher-status")
    shot(page, "voucher-code-zh")


def test_stored_value_pages(page: Any, server: Server) -> None:
    sign_in(page, server, "finance01")
    page.goto(f"{server.url}/stored-value")
    assert "充1000送120" in page.inner_text("#rules")
    phone = server.cli("stored-value", "show", "860000000001").splitlines()[0]
    assert "¥200.00" in phone
    page.goto(f"{server.url}/stored-value?q=860000000001")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#balance").strip() == "¥200.00"
    page.fill("#adjust input[name=amount]", "50")
    page.fill("#adjust input[name=note]", "复核后补赠")
    page.click("#adjust button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#balance").strip() == "¥250.00"
    assert "复核后补赠" in page.inner_text("#movements")
    shot(page, "stored-value-member-zh")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state("networkidle")
    assert "Stored-value movements" in page.inner_text("main")
    shot(page, "stored-value-member-en")
    page.click("button[name=locale][value=zh-CN]")
