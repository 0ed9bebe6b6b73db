"""导入/导出 in a real browser, on the demo business: export the products, import the file back (it
changes nothing), then import a file with bad rows and see each of them listed, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in


def _count(page: Any, name: str) -> int:
    return int(page.inner_text(f"#count-{name}").strip())


def test_export_products_import_them_back_then_a_file_with_bad_rows(page: Any, server: Server,
                                                                   tmp_path: Path) -> None:
    page.set_default_timeout(180_000)  # checking the demo catalogue on a busy 2-core machine
    page.on("dialog", lambda dialog: dialog.accept())  # 确认导入 asks "import all N rows?"
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.click("nav.side >> text=导入/导出")
    page.wait_for_load_state("networkidle")
    assert "/excel" in page.url
    shot(page, "excel-zh")
    # export the products
    with page.expect_download() as download:
        page.click("#export-products")
    exported = tmp_path / "商品.xlsx"
    download.value.save_as(exported)
    assert download.value.suggested_filename == "商品.xlsx"
    rows = CalamineWorkbook.from_path(str(exported)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "商品编码\nSKU"
    products = len(rows) - 1
    assert products > 10
    # import them back: checked, nothing to change, then committed
    page.select_option("#upload select[name=kind]", "products")
    page.set_input_files("#upload input[name=file]", str(exported))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#clean")
    assert (_count(page, "rows"), _count(page, "unchanged"), _count(page, "bad")) == (products, products, 0)
    assert (_count(page, "created"), _count(page, "updated")) == (0, 0)
    shot(page, "excel-preview-clean-zh")
    page.click("#commit button[type=submit]")
    page.wait_for_selector("#committed")
    assert (_count(page, "created"), _count(page, "updated"), _count(page, "unchanged")) == (0, 0, products)
    shot(page, "excel-committed-zh")
    # a file with bad rows: each listed with its row, column and reason in Chinese and English
    bad = tmp_path / "新商品.xlsx"
    book = xlsxwriter.Workbook(str(bad))
    ws = book.add_worksheet()
    for r, cells in enumerate([["商品编码", "商品名称", "分类编码", "单位", "零售价（元）"],
                               ["NEW-1", "新品一号", None, "个", 9.9],
                               ["NEW-2", "新品二号", None, "个", "九块九"],
                               ["NEW-3", "新品三号", "NO-SUCH", "个", 5]]):
        for c, value in enumerate(cells):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    page.goto(f"{server.url}/excel")
    page.select_option("#upload select[name=kind]", "products")
    page.set_input_files("#upload input[name=file]", str(bad))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#has-problems")
    assert page.locator("#commit").count() == 0
    problems = page.locator("#problems tbody tr")
    assert problems.count() == 2
    first, second = problems.nth(0).inner_text(), problems.nth(1).inner_text()
    assert first.split("\t")[0].strip() == "3" and "零售价" in first and "not a number" in first  # noqa: PT018
    assert second.split("\t")[0].strip() == "4" and "NO-SUCH" in second and "create it first" in second  # noqa: PT018
    assert _count(page, "bad") == 2
    shot(page, "excel-preview-bad-rows-zh")
    page.click("button[name=locale][value=en]")
    page.wait_for_load_state("networkidle")
    assert "Bad rows" in page.inner_text("main")
    shot(page, "excel-preview-bad-rows-en")
    page.click("button[name=locale][value=zh-CN]")
    page.wait_for_load_state("networkidle")
    # nothing of that file was written
    page.goto(f"{server.url}/excel")
    assert "新商品.xlsx" in page.inner_text("#recent")
    out = server.cli("export", "products", "--out", str(tmp_path / "after.xlsx"))
    assert "exported" in out
    after = CalamineWorkbook.from_path(str(tmp_path / "after.xlsx")).get_sheet_by_index(0).to_python()
    assert not any(row[0] == "NEW-1" for row in after[1:])
