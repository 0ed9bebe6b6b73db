"""A list's 导出 Excel button in a real browser (issue 11): filter the shifts by a store through the
page's own filter (htmx swaps the list), click 导出 Excel, and the file holds that store's shifts in
the page's order, with Chinese headers, money in yuan and times in the store's time zone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from .conftest import ADMIN_PASSWORD, Server, shot, sign_in


def test_export_button_downloads_the_filtered_list(page: Any, server: Server, tmp_path: Path) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.goto(f"{server.url}/shifts")
    page.wait_for_load_state("networkidle")
    select = page.locator("form.filters select[name=store_id]")
    store_id, store_name = select.locator("option").nth(2).get_attribute("value"), select.locator(
        "option").nth(2).inner_text()
    with page.expect_response(lambda r: "/shifts?" in r.url and r.status == 200):
        select.select_option(store_id)  # htmx: the list and its export link follow the filter
    page.wait_for_load_state("networkidle")
    button = page.locator("#list a[data-export]")
    assert f"store_id={store_id}" in (button.get_attribute("href") or "")
    shown = page.locator("#shifts tr:has(td:not([colspan]))")
    first_rows = [shown.nth(i).locator("td").all_inner_texts() for i in range(min(shown.count(), 10))]
    assert first_rows, "the demo has no shifts in that store"
    assert all(row[2] == store_name for row in first_rows)
    shot(page, "list-export-shifts-zh")
    with page.expect_download() as download:
        button.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    rows = CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0).to_python()
    header, data = rows[0], rows[1:]
    assert header[:3] == ["开班\nOpened", "交班\nClosed", "门店\nStore"]
    assert len(data) >= len(first_rows)
    assert {r[2] for r in data} == {store_name}  # the filter, not the whole chain
    for shown_row, row in zip(first_rows, data, strict=False):  # the page's order
        assert isinstance(row[0], datetime)
        assert shown_row[0] == row[0].strftime("%Y-%m-%d %H:%M")  # the page and the file: store time
        assert shown_row[3] == row[3]  # terminal code
        if isinstance(row[6], float):
            assert shown_row[6] == f"¥{row[6]:,.2f}"  # 销售额 in yuan with two decimals
