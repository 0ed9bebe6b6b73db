"""Console page 导入/导出: each role sees the kinds it may use; an upload is checked (nothing written)
and previewed with every bad row; a clean one is committed (all rows, audited); refusals: no CSRF
value, a role without the permission, another user's upload; every text has its English."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.catalog import service
from central.catalog.models import Product
from central.console import excel as page
from central.console.i18n import EN
from central.db import session_scope
from tests.central.excel.conftest import xlsx_bytes

TEMPLATES = Path(page.__file__).parent / "templates" / "excel"



def _upload(client: TestClient, csrf: str, kind: str, data: bytes, name: str = "商品.xlsx") -> object:
    return client.post("/excel/upload", data={"csrf": csrf, "kind": kind},
                       files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)


def test_export_upload_preview_commit(client: TestClient, engine: Engine, make_user: Callable[..., int],
                                      console_login: Callable[..., str]) -> None:
    with session_scope(engine) as s:
        service.create_product(s, sku="COKE", name="可口可乐", units=[{"code": "pc", "factor": 1, "price_fen": 350}])
    make_user("boss", role="admin")
    csrf = console_login("boss")
    hub = client.get("/excel").text
    assert 'href="/excel/export/products"' in hub and 'id="upload"' in hub  # noqa: PT018
    exported = client.get("/excel/export/products")
    assert exported.status_code == 200
    assert CalamineWorkbook.from_filelike(io.BytesIO(exported.content)).get_sheet_by_index(0).to_python()[1][0] == "COKE"
    # the export uploaded back: clean, nothing would change
    r = _upload(client, csrf, "products", exported.content)
    assert r.status_code == 303, r.text
    preview = client.get(r.headers["location"]).text
    assert 'id="clean"' in preview and 'id="commit"' in preview  # noqa: PT018
    assert re.search(r'id="count-unchanged">1<', preview)
    # a file with a bad row: every problem listed in Chinese and English, no commit button
    bad = xlsx_bytes([["商品编码", "商品名称", "单位", "零售价（元）"], ["TEA", "绿茶", "pc", 3], ["X", "坏", "pc", "abc"],
                 ["Y", None, "pc", 1]])
    preview = client.get(_upload(client, csrf, "products", bad).headers["location"]).text
    assert 'id="has-problems"' in preview and 'id="commit"' not in preview  # noqa: PT018
    rows = re.findall(r'<td class="num">(\d+)</td>', preview.split('id="problems"')[1])
    assert rows == ["3", "4"]
    assert "金额不是数字" in preview and "amount is not a number" in preview  # noqa: PT018
    # a clean file, committed: written, audited, shown as imported
    good = xlsx_bytes([["商品编码", "商品名称", "单位", "零售价（元）"], ["TEA", "绿茶", "pc", 3], ["COKE", "可口可乐", "pc", 3.8]])
    location = _upload(client, csrf, "products", good).headers["location"]
    assert client.post(f"{location}/commit", data={}).status_code == 403  # no CSRF value
    done = client.post(f"{location}/commit", data={"csrf": csrf})
    assert done.status_code == 200 and 'id="committed"' in done.text  # noqa: PT018
    assert re.search(r'id="count-created">1<', done.text) and re.search(r'id="count-updated">1<', done.text)  # noqa: PT018
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Product.id).where(Product.sku == "TEA")) is not None
        assert s.scalar(select(AuditEntry.actor_label).where(AuditEntry.action == "excel.import")) == "boss"
    assert "已导入" in client.get("/excel").text  # the recent imports list


def test_roles_see_and_may_do_only_their_kinds(client: TestClient, make_store: Callable[..., int],
                                               make_user: Callable[..., int],
                                               console_login: Callable[..., str]) -> None:
    s1 = make_store("S01")
    make_user("cash", role="cashier", store_id=s1)
    make_user("boss", role="admin")
    make_user("boss2", role="admin")
    csrf = console_login("boss")
    location = _upload(client, csrf, "products", xlsx_bytes([["商品编码", "商品名称", "单位", "零售价（元）"],
                                                       ["TEA", "绿茶", "pc", 3]])).headers["location"]
    csrf = console_login("cash")
    hub = client.get("/excel").text
    assert 'href="/excel/export/products"' in hub
    assert "/excel/export/customers" not in hub and 'id="upload"' in hub  # noqa: PT018 (members: cashiers add members)
    assert '<option value="products"' not in hub
    assert client.get("/excel/export/customers").status_code == 403
    assert _upload(client, csrf, "products", b"PK").status_code == 403
    assert client.get(location).status_code == 404  # another user's upload
    console_login("boss2")
    assert client.get(location).status_code == 404


def test_every_text_of_the_page_has_its_english() -> None:
    texts = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        texts |= set(re.findall(r"_\('([^']+)'", source))
        outside = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S)
        assert not re.search(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]", outside), template.name
    texts |= set(page.IMPORT_TITLES.values()) | set(page.IMPORT_NOTES.values())
    texts |= {e.title for e in page.EXPORTS.values()}
    missing = sorted(t for t in texts if t not in EN)
    assert missing == []
