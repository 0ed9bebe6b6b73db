"""Every console list exports to Excel, with the filters and the sort its page shows (issue 11).

The walk: every parameterless GET route of every console area (`central.console.routes.AREAS`, so a
new page is walked without touching this file) is opened as the demo's admin on a demo database. A
page that shows a table must offer 导出 Excel (`data-export`) unless it is named in NOT_LISTS with
the reason. For every list, and again with each of its filters and with its sort reversed, the page
(200 rows a page) and its download are compared: the same number of rows (or the page says more
follow), in the same order, each exported row naming something its page row shows.

The demo database is made once for the module by the real commands (`pos-central migrate`, `demo`).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from central.app import create_app
from central.console.routes import AREAS
from central.db import get_engine, session_scope
from central.excel.writer import XLSX_MEDIA_TYPE
from central.sales.models import Sale
from sync.store_time import STORE_TZ

BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "admin123"  # central.demo.seed.ADMIN_PASSWORD

NOT_LISTS = {
    "/": "the dashboard: figures and top tens, each linking to its list",
    "/dashboard": "the dashboard: figures and top tens, each linking to its list",
    "/excel": "the import/export page itself: its table is the viewer's last few uploads",
    "/catalog/products/new": "a form (the new product's units)",
    "/promotions/new": "a form (the preview's sample cart)",
    "/stored-value": "the top-up bonus rules of a settings form (a handful of rows)",
}
LIST_TABLES = {"/stock/summary": {"summary-lines"}}
"""Pages that show figures beside their list: only these tables are the list."""
ROWS_PER_ITEM = {"/catalog/products": "one row per unit of sale"}
"""Exports with several rows per list row (consecutive rows share their first cell)."""
PATH_LISTS = ("/catalog/price-lists/{price_list_id}", "/vouchers/batches/{batch_id}")
"""Lists on a record's page (keyset-paged): walked through the first link to such a page."""
MAX_VARIANTS = 3


class _Page(HTMLParser):
    """The tables (rows of cell texts), the 导出 Excel links, the GET filters and sort links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []
        self._row: dict[str, Any] | None = None
        self._cell: list[str] | None = None
        self.exports: list[str] = []
        self.sorts: list[str] = []
        self.selects: list[tuple[str, list[str]]] = []
        self.checks: list[tuple[str, str]] = []
        self._select: tuple[str, list[str]] | None = None
        self._get_form = False
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._open.append({"id": a.get("id"), "rows": []})
        elif tag == "tr" and self._open:
            self._row = {"cells": [], "td": False, "span": False}
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row["td"] |= tag == "td"
            self._row["span"] |= "colspan" in a
        elif tag == "a":
            href = a.get("href") or ""
            self.links.append(href)
            if "data-export" in a:
                self.exports.append(href)
            elif self._cell is not None and "sort=" in href and self._row is not None and not self._row["td"]:
                self.sorts.append(href)
        elif tag == "form":
            self._get_form = (a.get("method") or "get").lower() == "get" and bool(a.get("action", "/"))
        elif tag == "select" and self._get_form and a.get("name"):
            self._select = (a["name"] or "", [])
        elif tag == "option" and self._select is not None and a.get("value"):
            self._select[1].append(a["value"] or "")
        elif tag == "input" and self._get_form and a.get("type") == "checkbox" and a.get("name"):
            self.checks.append((a["name"] or "", a.get("value") or "1"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._open:
            self._open[-1]["rows"].append(self._row)
            self._row = None
        elif tag == "table" and self._open:
            self.tables.append(self._open.pop())
        elif tag == "select" and self._select is not None:
            self.selects.append(self._select)
            self._select = None
        elif tag == "form":
            self._get_form = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def list_rows(self, path: str) -> list[str]:
        """The list's data rows, each as one text (header rows and 没有记录 rows left out)."""
        wanted = LIST_TABLES.get(path)
        return [" ".join(r["cells"]) for t in self.tables if wanted is None or t["id"] in wanted
                for r in t["rows"] if r["td"] and not r["span"]]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _with(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return parts.path + ("?" + urlencode(query) if query else "")


def _xlsx_rows(content: bytes) -> tuple[list[Any], list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return rows[0], [list(r) for r in rows[1:]]


def _texts(row: list[Any]) -> list[str]:
    """The cells a page shows as they are (codes, names); numbers, dates and 是/否 are formatted there."""
    return [c.strip() for c in row if isinstance(c, str) and len(c.strip()) >= 2 and c.strip() not in ("是", "否")]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("exports-demo")
    env = {**os.environ, "POS_DATA_DIR": str(directory)}
    env.pop("POS_DATABASE_URL", None)
    for args in (["migrate"], ["demo", "--history-days", "3"]):
        done = subprocess.run([str(BIN / "pos-central"), *args], env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
    return f"sqlite:///{directory / 'central.sqlite3'}"


@pytest.fixture(scope="module")
def admin_client(demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(demo_url), raise_server_exceptions=False) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        signed = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                             "csrf": token.group(1), "next": "/"}, follow_redirects=False)
        assert signed.status_code == 303, signed.text
        yield client


def _list_paths(client: TestClient) -> list[str]:
    plain, pages = [], {}
    for router in AREAS:
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in (route.methods or ()) and "{" not in route.path:
                plain.append(route.path)
    for path in plain:
        r = client.get(path)
        if r.status_code == 200 and "text/html" in r.headers.get("content-type", ""):
            pages[path] = _parse(r.text)
    found = list(pages)
    for pattern in PATH_LISTS:
        regex = re.compile("^" + re.sub(r"\{[^}]+\}", r"[0-9A-Za-z-]+", pattern) + "$")
        link = next((href for p in pages.values() for href in p.links if regex.match(urlsplit(href).path)), None)
        assert link is not None, f"no page links to a {pattern} page: cannot walk it"
        found.append(urlsplit(link).path)
    return found


def _compare(client: TestClient, path: str, url: str) -> tuple[int, int]:
    """Page `url` (all on one page if it can be) against its export: (page rows, exported rows)."""
    r = client.get(_with(url, limit="200"))
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    page = _parse(r.text)
    assert page.exports, f"{url}: a list without 导出 Excel"
    download = client.get(page.exports[0])
    assert download.status_code == 200, (page.exports[0], download.status_code, download.text[:500])
    assert download.headers["content-type"].startswith(XLSX_MEDIA_TYPE), (page.exports[0], download.headers)
    assert "attachment" in download.headers["content-disposition"]
    header, exported = _xlsx_rows(download.content)
    assert all(isinstance(h, str) and h for h in header), (url, header)
    assert re.search(r"[\u4e00-\u9fff]", str(header[0]).split("\n")[0]), f"{url}: headers are not Chinese first"
    if path in ROWS_PER_ITEM:
        exported = [row for i, row in enumerate(exported) if i == 0 or row[0] != exported[i - 1][0]]
    shown = page.list_rows(path)
    more = 'rel="next"' in r.text or "未显示" in r.text
    if more:
        assert len(exported) > len(shown), (url, len(shown), len(exported))
    else:
        assert len(exported) == len(shown), f"{url}: the page shows {len(shown)} rows, the export has {len(exported)}"
    for i, (row_text, row) in enumerate(zip(shown, exported, strict=False)):
        texts = _texts(row)
        if texts:
            assert any(t in row_text for t in texts), f"{url} row {i + 1}: exported {row} but the page shows {row_text!r}"
    return len(shown), len(exported)


def test_every_list_page_exports_its_rows_with_its_filters_and_sort(admin_client: TestClient) -> None:
    client = admin_client
    paths = _list_paths(client)
    assert len(paths) >= 30, paths
    checked, narrowed = [], 0
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        page = _parse(r.text)
        if not page.tables:
            continue
        if path in NOT_LISTS:
            assert not page.exports or path == "/excel", path
            continue
        assert page.exports, f"{path} shows a list but offers no 导出 Excel"
        full, _ = _compare(client, path, path)
        variants = [_with(path, **{name: options[0]}) for name, options in page.selects if options]
        variants += [_with(path, **{name: value}) for name, value in page.checks]
        variants = variants[:MAX_VARIANTS] + page.sorts[:1]
        for url in variants:
            shown, exported = _compare(client, path, url)
            narrowed += shown < full
        checked.append(path)
    for required in ("/returns", "/shifts", "/promotions", "/purchasing/orders", "/stock/movements", "/vouchers",
                     "/sync/flags", "/admin/users", "/terminals", "/reports/margin", "/stock/summary"):
        assert required in checked, f"{required} was not walked as a list"
    assert narrowed >= 10, "the filters tried narrowed almost no list: the comparison proved little"


def test_export_money_in_yuan_times_in_the_store_zone_and_english_headers(admin_client: TestClient,
                                                                           demo_url: str) -> None:
    client = admin_client
    with session_scope(get_engine(demo_url), write=False) as s:
        sale = s.scalars(select(Sale).order_by(Sale.sold_at.desc()).limit(1)).one()
        day, receipt, total, sold_at = sale.business_date, sale.receipt_no, sale.total_fen, sale.sold_at
    header, rows = _xlsx_rows(client.get(f"/sales?date_from={day}&date_to={day}&receipt={receipt}&export=xlsx").content)
    assert header[0] == "小票号\nReceipt"
    assert len(rows) == 1
    row = dict(zip([h.split("\n")[0] for h in header], rows[0], strict=True))
    assert row["小票号"] == receipt
    assert row["应付（元）"] == total / 100  # yuan with two decimals, from integer fen
    assert isinstance(row["时间"], datetime)  # the store's wall clock (Asia/Shanghai), not UTC
    assert abs((row["时间"] - sold_at.astimezone(STORE_TZ).replace(tzinfo=None)).total_seconds()) < 0.01
    def language(locale: str) -> None:
        csrf = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)"', client.get("/sales").text)
        assert csrf
        r = client.post("/preferences/language", data={"locale": locale, "csrf": csrf.group(1)},
                        follow_redirects=False)
        assert r.status_code == 303, r.text

    language("en")
    try:
        english = client.get(f"/sales?date_from={day}&date_to={day}&receipt={receipt}&export=xlsx")
        header_en, rows_en = _xlsx_rows(english.content)
        assert header_en[0] == "Receipt\n小票号"
        assert [c for c in rows_en[0] if c not in ("Yes", "No")] == [c for c in rows[0] if c not in ("是", "否")]
        assert "Sales" in english.headers["content-disposition"]
    finally:
        language("zh-CN")
