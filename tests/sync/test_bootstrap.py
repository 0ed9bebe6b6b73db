"""Bootstrap of a fresh terminal: snapshot pages (windowed on central), the bulk load on the till
(indexes dropped and rebuilt), a crash in the middle starting over cleanly, a row changed between
pages arriving through the catch-up pull; the keyed Core reads of the feed build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select

from central.catalog.models import ProductUnit
from central.db import session_scope
from central.syncing import feed
from terminal.store import Store, open_store
from terminal.store.master import BULK_INDEXES, DROPPED_INDEXES_KEY
from terminal.sync_client import setup
from terminal.sync_client.client import SyncClient
from terminal.sync_client.transport import Offline

from .world import Seeded, enrolment_code, seed

PRODUCTS = 23


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    return seed(central_engine, products=PRODUCTS, members=2)


def _enrolled(engine: Engine, api: TestClient, data: Path, store_id: int) -> Store:
    store = open_store(data)
    setup.enroll(store, "http://central", enrolment_code(engine, store_id), client=api)
    return store


def _client(store: Store, api: TestClient, page: int) -> SyncClient:
    sync = SyncClient.from_settings(store, timeout=30, client=api)
    sync.snapshot_page = page
    return sync


def _indexes(store: Store) -> set[str]:
    return {str(r[0]) for r in store.all("SELECT name FROM sqlite_master WHERE type='index'")}


def test_crash_mid_bootstrap_starts_over_cleanly_and_a_row_changed_between_pages_arrives(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    store = _enrolled(central_engine, api, tmp_path / "till", seeded.store_ids["S01"])
    sync = _client(store, api, page=5)
    real_post = sync.transport.post
    pages: list[int] = []

    def post_dying_after_two_pages(path: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        if path.endswith("/bootstrap"):
            if len(pages) == 2:
                raise Offline("network gone mid-bootstrap")
            answer = real_post(path, body, **kw)
            pages.append(len(answer["changes"]))
            return answer
        return real_post(path, body, **kw)

    sync.transport.post = post_dying_after_two_pages  # type: ignore[method-assign]
    # when the network goes after two pages of the snapshot
    with pytest.raises(Offline):
        sync.bootstrap()
    # then the till knows it never finished: partial catalog, no cursor, bulk indexes still dropped
    assert not store.sync_state.is_bootstrapped()
    assert store.sync_state.cursor() == 0
    assert 0 < store.scalar("SELECT count(*) FROM master") <= 10
    assert not set(BULK_INDEXES) & _indexes(store)
    assert set(json.loads(store.scalar("SELECT value FROM sync_state WHERE key=?", (DROPPED_INDEXES_KEY,))))
    store.close()

    # when the till restarts: opening the database builds the dropped indexes again
    store = open_store(tmp_path / "till")
    assert set(BULK_INDEXES) <= _indexes(store)
    assert store.scalar("SELECT count(*) FROM sync_state WHERE key=?", (DROPPED_INDEXES_KEY,)) == 0

    # and the next bootstrap starts over from empty tables; a price changed at central after the
    # first page was sent reaches the till through the catch-up pull
    changed = seeded.product_ids[0]
    sync = _client(store, api, page=5)
    real_post = sync.transport.post
    sent: list[int] = []

    def post_changing_a_price(path: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        answer = real_post(path, body, **kw)
        if path.endswith("/bootstrap"):
            sent.append(len(answer["changes"]))
            if len(sent) == 1:
                with session_scope(central_engine) as s:
                    unit = s.execute(select(ProductUnit).where(ProductUnit.product_id == changed,
                                                               ProductUnit.code == "pc")).scalar_one()
                    unit.price_fen = 4321
        return answer

    sync.transport.post = post_changing_a_price  # type: ignore[method-assign]
    sync.bootstrap()
    assert len(sent) >= 4  # several pages
    assert store.sync_state.is_bootstrapped()
    assert store.scalar("SELECT count(*) FROM master WHERE entity='product'") == PRODUCTS
    assert store.scalar("SELECT count(*) FROM (SELECT entity, id FROM master GROUP BY entity, id)") == \
        store.scalar("SELECT count(*) FROM master")
    assert store.scalar("SELECT count(*) FROM barcode_index") == PRODUCTS + PRODUCTS // 5
    assert store.scalar("SELECT count(*) FROM product_search") == PRODUCTS
    assert set(BULK_INDEXES) <= _indexes(store)
    data = json.loads(store.scalar("SELECT data FROM master WHERE entity='product' AND id=?", (str(changed),)))
    assert [u["price_fen"] for u in data["units"] if u["code"] == "pc"] == [4321]
    # the till's search and barcode lookups use the rebuilt indexes
    plan = " ".join(str(r[3]) for r in store.all(
        "EXPLAIN QUERY PLAN SELECT product_id FROM product_search WHERE pinyin >= 'sp1' AND pinyin < 'sp2'"))
    assert "product_search_pinyin" in plan
    assert store.scalar("SELECT product_id FROM product_search WHERE pinyin >= 'sp3' AND pinyin < 'sp4' "
                        "ORDER BY pinyin LIMIT 1") == str(seeded.product_ids[2])
    # the sale path's durability is back on this connection
    assert store.scalar("PRAGMA synchronous") == 2  # FULL
    store.close()


def test_snapshot_pages_hold_each_row_of_the_scope_once(central_engine: Engine, api: TestClient, seeded: Seeded,
                                                         tmp_path: Path) -> None:
    # another store's settings and terminals are interleaved in the feed; pages are windows of it
    store = _enrolled(central_engine, api, tmp_path / "till", seeded.store_ids["S02"])
    sync = _client(store, api, page=3)
    seen: list[tuple[str, str]] = []
    real_post = sync.transport.post

    def recording(path: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        answer = real_post(path, body, **kw)
        if path.endswith("/bootstrap"):
            assert len(answer["changes"]) <= 3
            assert answer["after"] >= body["after"]
            seen.extend((c["entity"], c["id"]) for c in answer["changes"])
        return answer

    sync.transport.post = recording  # type: ignore[method-assign]
    sync.bootstrap()
    assert len(seen) == len(set(seen))
    with session_scope(central_engine, write=False) as s:
        top = feed.counter(s)
        expected = {(r.entity, r.entity_id) for r in feed.changes_after(
            s, 0, store_id=seeded.store_ids["S02"], rep_id=None, limit=10_000, live_only=True, upto=top)}
    assert set(seen) == expected
    stores = [json.loads(r[0])["code"] for r in store.all("SELECT data FROM master WHERE entity='store'")]
    assert stores == ["S02"]
    store.close()


def test_rows_by_keys_reads_exactly_the_keys_asked_for(engine: Engine) -> None:
    meta = MetaData()
    table = Table("test_keyed_rows", meta, Column("n", Integer, primary_key=True), Column("v", String(40)))
    meta.create_all(engine)
    awkward = ["a", 'b"c', "d\\e", "{x,y}", " sp ", "", "NULL", "中文", "o'q", "%s", "%(x)s", "''", "\\'"]
    with session_scope(engine) as s:
        s.execute(table.insert(), [{"n": i, "v": v} for i, v in enumerate([*awkward, "other", "b", "d"])])
    with session_scope(engine) as s:
        got = feed.rows_by_keys(s, (table.c.n, table.c.v), table.c.v, awkward, table.c.n >= 0)
        assert sorted(v for _n, v in got) == sorted(awkward)
        assert sorted(feed.rows_by_keys(s, (table.c.n,), table.c.n, [2, 5, 7, 999])) == [(2,), (5,), (7,)]
        assert feed.rows_by_keys(s, (table.c.n,), table.c.n, []) == []
    meta.drop_all(engine)
