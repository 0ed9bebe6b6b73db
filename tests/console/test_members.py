"""Members in Chromium: a store manager finds a member by pinyin and adjusts their points with a reason;
a cashier can look members up but not adjust points nor reach head-office pages."""

from __future__ import annotations

from typing import Any

from .conftest import Server, Watch, shot, sign_in


def test_store_manager_adjusts_points_with_a_reason(page: Any, server: Server) -> None:
    sign_in(page, server, "manager01")
    page.click("nav.side a:has-text('会员')")
    first = page.locator("#members tr:has(td)").first
    name = first.locator("td").nth(1).inner_text().strip()
    from central.catalog.pinyin import pinyin_initials

    page.fill("input[name=q]", pinyin_initials(name))
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(f"#members td:has-text('{name}')", timeout=60_000)
    page.locator("#members a", has_text=name).first.click()
    page.wait_for_selector("#points-balance")
    before = int(page.inner_text("#points-balance").replace(",", ""))
    page.fill("#adjust input[name=points]", "88")
    page.fill("#adjust input[name=note]", "顾客投诉补偿")
    page.click("#adjust button[type=submit]")
    page.wait_for_selector("#flash .ok")
    assert int(page.inner_text("#points-balance").replace(",", "")) == before + 88
    assert "顾客投诉补偿" in page.inner_text("#ledger")
    assert "member.points_adjust" in page.inner_text("#audit-trail")
    shot(page, "member-points-adjusted")


def test_cashier_looks_up_but_cannot_adjust_or_administer(page: Any, server: Server, watch: Watch) -> None:
    sign_in(page, server, "cashier11")
    nav = page.inner_text("nav.side")
    assert "会员" in nav
    assert "概览" not in nav
    assert "终端" not in nav
    assert "用户" not in nav
    page.click("nav.side a:has-text('会员')")
    page.locator("#members a").first.click()
    assert page.locator("#adjust").count() == 0
    watch.allow_status(403)
    for path in ("/dashboard", "/terminals", "/admin/users", "/promotions/new", "/catalog/products/new"):
        page.goto(f"{server.url}{path}")
        assert "没有权限" in page.inner_text("main"), path
    shot(page, "cashier-denied")
