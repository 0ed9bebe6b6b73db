"""The console's changing flows in Chromium, one server for the module: find a product by pinyin and
change its price (a real till pulls it), a 满减 with its live preview, a member's points adjusted by a
store manager (a cashier cannot), a till enrolled with the code and QR code shown.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from PIL import Image
from pyzbar.pyzbar import decode

from .conftest import ADMIN_PASSWORD, Server, Watch, shot, sign_in

BIN = Path(sys.executable).parent


def _till_price(data_dir: Path, product_id: int) -> int:
    from terminal.store.db import DB_FILENAME

    with closing(sqlite3.connect(data_dir / DB_FILENAME)) as conn:
        (text,) = conn.execute("SELECT data FROM master WHERE entity='product' AND id=?", (str(product_id),)).fetchone()
    return int(json.loads(text)["units"][0]["price_fen"])


def test_find_by_pinyin_change_price_and_a_till_pulls_it(page: Any, server: Server, tmp_path: Path) -> None:
    code = server.cli("enroll-code", "--store", "S01", "--kind", "pos").strip().splitlines()[-1]
    till = tmp_path / "till"
    subprocess.run([str(BIN / "pos-terminal"), "enroll", "--server", server.url, "--code", code, "--data", str(till)],
                   check=True, capture_output=True, timeout=300)

    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.click("nav.side a:has-text('商品与价格')")
    page.fill("input[name=q]", "kkkl")
    page.press("input[name=q]", "Enter")  # htmx swaps the list in; typing alone also does, after a pause
    page.wait_for_selector("#products td:has-text('可口可乐')", timeout=60_000)
    rows = page.locator("#products tr:has(td)")
    assert all("可口可乐" in rows.nth(i).inner_text() for i in range(rows.count()))
    shot(page, "products-search-pinyin")
    rows.first.locator("a").first.click()
    page.wait_for_selector("#units")
    product_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    old = _till_price(till, product_id)
    page.click("a:has-text('修改商品')")
    new_price = f"{(old + 100) // 100}.{(old + 100) % 100:02d}"
    page.fill("input[name='units.0.price']", new_price)
    page.click("#product-form button[type=submit]")
    page.wait_for_selector("#saved")
    assert f"¥{new_price}" in page.inner_text("#units")
    assert "product.update" in page.inner_text("#audit-trail")
    shot(page, "product-price-changed")

    subprocess.run([str(BIN / "pos-terminal"), "sync", "--data", str(till)], check=True, capture_output=True,
                   timeout=300)
    assert _till_price(till, product_id) == old + 100
    page.reload()
    till_row = page.locator("#tills tr", has_text="S01-POS03")
    assert "已同步" in till_row.inner_text()


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


def test_head_office_adjusts_points_with_a_reason(page: Any, server: Server) -> None:
    """Points adjustments are head office's (finance, admin): docs/roles.md."""
    sign_in(page, server, "finance01")
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
    page.locator("#members td a").first.click()
    page.wait_for_selector("#points-balance")
    assert page.locator("#adjust").count() == 0
    watch.allow_status(403)
    for path in ("/dashboard", "/terminals", "/admin/users", "/promotions/new", "/catalog/products/new"):
        page.goto(f"{server.url}{path}")
        assert "没有权限" in page.inner_text("main"), path
    shot(page, "cashier-denied")


def test_enrol_a_till_with_code_and_qr(page: Any, server: Server, tmp_path: Path) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.click("nav.side a:has-text('终端')")
    page.click("a:has-text('注册新终端')")
    page.select_option("select[name=store_id]", label="邻里鲜·五角场店")
    page.click("#make-code")
    code = page.inner_text("#enrolment-code").strip()
    qr = decode(Image.open(io.BytesIO(page.locator("#enrolment-qr svg").screenshot())))
    assert qr, "the QR code did not decode"
    assert json.loads(qr[0].data.decode("ascii")) == {"server": server.url, "code": code}
    shot(page, "terminal-enrolment")

    till = tmp_path / "till"
    done = subprocess.run([str(BIN / "pos-terminal"), "enroll", "--server", server.url, "--code", code, "--data",
                           str(till)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    page.click("a:has-text('返回')")
    row = page.locator("#terminals tr", has_text="S03-POS03")
    assert "pos-suite" in row.inner_text()
    assert "未联系" not in row.inner_text()
    shot(page, "terminals")
