"""Catalog in Chromium: find a product by its pinyin initials, change its price, and a real till pulls it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in

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
