"""Promotions in Chromium: a 满减 written with its live preview (the tills' pricing function), then saved."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in


def test_create_threshold_promotion_with_live_preview(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.click("nav.side a:has-text('促销')")
    page.click("a:has-text('新建促销')")
    page.fill("input[name=code]", "MJ-200-20")
    page.fill("input[name=name]", "五角场满200减20")
    page.select_option("#kind", "threshold")
    page.fill("input[name=threshold]", "200")
    page.fill("input[name=threshold_off]", "20")
    page.check("input[name=store_ids] >> nth=2")  # 五角场店 only: no other 满减 runs there
    page.select_option("select[name=sample_store]", label="邻里鲜·五角场店")
    # a sample cart well over ¥200: the draft takes ¥20 off, the same cart without it does not
    page.fill("input[name='sample.0.product']", "200001")
    page.fill("input[name='sample.0.qty']", "30")
    page.wait_for_function("document.querySelector('#preview-total') !== null")
    page.wait_for_function(
        "document.querySelector('#preview-applied') && document.querySelector('#preview-applied').innerText.includes('满200减20')")
    with_draft = page.inner_text("#preview-total")
    without = page.inner_text("#preview-without")
    to_fen = lambda s: int(s.replace("¥", "").replace(",", "").replace(".", ""))  # noqa: E731
    assert to_fen(without) - to_fen(with_draft) == 2000
    shot(page, "promotion-preview")
    page.click("#save")
    page.wait_for_selector("#saved")
    assert "promotion.create" in page.inner_text("#audit-trail")
    page.click("a:has-text('返回')")
    assert "五角场满200减20" in page.inner_text("#promotions")
