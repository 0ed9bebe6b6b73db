"""Catalog pages: search by pinyin, keyset paging and sorting, a price change audited and on the feed
tills pull, form errors from the API's own schemas, and who may change what."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.catalog import service
from central.db import session_scope
from central.syncing.models import SyncFeed


def _products(engine: Engine, n: int) -> list[int]:
    ids = []
    with session_scope(engine) as s:
        for i in range(n):
            ids.append(service.create_product(
                s, sku=f"P{i:04d}", name="可口可乐 330ml" if i == 7 else f"测试商品{i:02d}",
                units=[{"code": "pc", "name": "罐", "factor": 1, "price_fen": 300 + i,
                        "barcodes": ["6900000000076"] if i == 7 else []}]).id)
    return ids


def test_search_sort_and_keyset_pages(client: TestClient, engine: Engine, make_user: Callable[..., int],
                                      console_login: Callable[..., str]) -> None:
    _products(engine, 60)
    make_user("clerk", role="warehouse")
    console_login("clerk")
    found = client.get("/catalog/products?q=kkkl")
    assert found.status_code == 200
    assert "可口可乐 330ml" in found.text
    assert "测试商品01" not in found.text
    by_barcode = client.get("/catalog/products?q=6900000000076")
    assert "可口可乐 330ml" in by_barcode.text
    first = client.get("/catalog/products?limit=25")
    assert "P0000" in first.text
    assert "P0025" not in first.text
    after = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(after)
    assert "P0025" in second.text
    assert "P0024" not in second.text
    assert "P0049" in second.text
    back = second.text.split('rel="prev"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "P0024" in client.get(back).text
    newest = client.get("/catalog/products?sort=sku&desc=1&limit=25")
    assert newest.text.index("P0059") < newest.text.index("P0058")
    export = client.get("/catalog/products?q=kkkl&export=xlsx")
    assert export.status_code == 200
    assert export.content[:2] == b"PK"


def test_price_change_is_audited_and_reaches_the_feed(client: TestClient, engine: Engine,
                                                       make_user: Callable[..., int],
                                                       console_login: Callable[..., str]) -> None:
    (pid,) = _products(engine, 1)
    make_user("buyer", role="admin")
    csrf = console_login("buyer")
    form = {"csrf": csrf, "sku": "P0000", "name": "测试商品00", "tax_rate_bp": "1300", "active": "on",
            "units.0.code": "pc", "units.0.name": "罐", "units.0.factor": "1", "units.0.price": "3.50",
            "units.0.barcodes": ""}
    r = client.post(f"/catalog/products/{pid}/edit", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert "¥3.50" in page.text
    assert "已保存" in page.text
    assert "product.update" in page.text
    with session_scope(engine, write=False) as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity_type == "product"))
        assert entry is not None
        assert entry.actor_label == "buyer"
        assert entry.before == {"units": [{"code": "pc", "name": "罐", "factor": 1, "price_fen": 300, "barcodes": []}]}
        assert entry.after is not None
        assert entry.after["units"][0]["price_fen"] == 350
        row = s.scalar(select(SyncFeed).where(SyncFeed.entity == "product", SyncFeed.entity_id == str(pid)))
        assert row is not None
        assert '"price_fen":350' in (row.data or "").replace(" ", "")
    # bad input: the API's own rules, shown on the form, nothing changed
    bad = client.post(f"/catalog/products/{pid}/edit", data={**form, "units.0.price": "3.999"})
    assert bad.status_code == 200
    assert "invalid" in bad.text
    assert "最多两位小数" in bad.text
    bad = client.post(f"/catalog/products/{pid}/edit", data={**form, "units.0.barcodes": "123"})
    assert "条码" in bad.text
    with session_scope(engine, write=False) as s:
        assert service.get_product(s, pid).units[0].price_fen == 350


def test_who_may_change_the_catalog(client: TestClient, engine: Engine, make_store: Callable[..., int],
                                    make_user: Callable[..., int], console_login: Callable[..., str]) -> None:
    (pid,) = _products(engine, 1)
    store = make_store("S01")
    make_user("cash", role="cashier", store_id=store)
    csrf = console_login("cash")
    assert client.get(f"/catalog/products/{pid}").status_code == 200  # cashiers may look prices up
    assert client.get(f"/catalog/products/{pid}/edit").status_code == 403
    r = client.post(f"/catalog/products/{pid}/edit", data={"csrf": csrf, "sku": "P0000", "name": "x",
                                                           "units.0.code": "pc", "units.0.price": "0.01"})
    assert r.status_code == 403
    assert client.post("/catalog/brands", data={"csrf": csrf, "name": "新品牌"}).status_code == 403
    make_user("fin", role="finance")
    csrf = console_login("fin")
    assert client.post("/catalog/price-lists", data={"csrf": csrf, "code": "PL1", "name": "x",
                                                     "scope": "customer_group", "target_id": "1"}).status_code == 403
    with session_scope(engine, write=False) as s:
        assert service.get_product(s, pid).name == "测试商品00"
