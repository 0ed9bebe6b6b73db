"""Terminal ↔ central through the real API: enrol, bootstrap, sell offline, push exactly once,
delta pull of price changes and deletions, quarantine shown on the till, isolation of stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.catalog.models import Product, ProductUnit
from central.db import session_scope
from central.sales.models import Sale
from sync.protocol import PROTOCOL_VERSION
from terminal.sync_client.client import status_dict
from terminal.sync_client.transport import ServerRejected, Transport, UpgradeRequired

from .world import Seeded, central_counts, enrol_till, seed


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    return seed(central_engine, products=12, members=3)


def test_enrol_bootstraps_everything_the_till_needs(central_engine: Engine, api: TestClient, seeded: Seeded,
                                                    tmp_path: Path) -> None:
    till = enrol_till(central_engine, tmp_path / "t1", seeded.store_ids["S01"], "http://central", api)
    s = till.store
    assert s.scalar("SELECT count(*) FROM master WHERE entity='product'") == 12
    assert s.scalar("SELECT count(*) FROM barcode_index") == 12 + 2  # two products also sell by the box
    assert s.scalar("SELECT count(*) FROM master WHERE entity='member'") == 3
    assert s.scalar("SELECT count(*) FROM master WHERE entity='member_level'") == 2
    stores = [json.loads(r[0]) for r in s.all("SELECT data FROM master WHERE entity='store'")]
    assert [st["code"] for st in stores] == ["S01"]  # only its own store's settings
    assert s.scalar("SELECT pinyin FROM product_search WHERE sku='SKU00003'") == "sp3"
    status = status_dict(s)
    assert status["enrolled"] is True
    assert status["pending"] == 0
    assert status["cursor"] > 0


def test_offline_sales_reach_central_exactly_once(central_engine: Engine, api: TestClient, seeded: Seeded,
                                                  tmp_path: Path) -> None:
    till = enrol_till(central_engine, tmp_path / "t1", seeded.store_ids["S01"], "http://central", api)
    p = seeded.product_ids
    sale1 = till.sell([p[0], p[1]], member_id=seeded.member_ids[0])
    till.sell([p[2]], member_id=seeded.member_ids[0], redeem=50)
    till.give_back(sale1)
    assert till.pending() == 4  # shift + 2 sales + return
    report = till.sync_client().sync_round()
    assert report.current
    assert report.push.acked == 4
    assert report.push.rejected == 0
    # a second push of the same events (as after a lost answer) changes nothing
    with till.store.transaction():
        till.store.execute("UPDATE outbox SET status='pending'")
    again = till.sync_client().push()
    assert again.acked == 4
    got = central_counts(central_engine)
    assert got["sales"] == set(till.sales)
    assert got["returns"] == set(till.returns)
    moved: dict[int, int] = {}
    for sale in till.sales.values():
        for ln in sale.lines:
            moved[ln.product_id] = moved.get(ln.product_id, 0) - int(ln.qty) * 1000
    for ret in till.returns.values():
        for rl in ret.lines:
            moved[rl.product_id] = moved.get(rl.product_id, 0) + int(rl.qty) * 1000
    assert got["stock"] == moved
    member = seeded.member_ids[0]
    expected_points = sum(s.points_earned - s.points_redeemed for s in till.sales.values())
    assert got["points"][member] == expected_points


def test_price_change_and_deletion_reach_the_till_by_delta_pull(central_engine: Engine, api: TestClient,
                                                                 seeded: Seeded, tmp_path: Path) -> None:
    till = enrol_till(central_engine, tmp_path / "t1", seeded.store_ids["S01"], "http://central", api)
    cursor = status_dict(till.store)["cursor"]
    with session_scope(central_engine) as s:
        unit = s.execute(select(ProductUnit).where(ProductUnit.product_id == seeded.product_ids[0],
                                                   ProductUnit.code == "pc")).scalar_one()
        unit.price_fen = 999
        s.get(Product, seeded.product_ids[1]).active = False  # type: ignore[union-attr]
    pulled = till.sync_client().pull()
    assert pulled == 2
    assert till._price(seeded.product_ids[0]) == 999
    assert till.store.scalar("SELECT count(*) FROM master WHERE entity='product' AND id=?",
                             (str(seeded.product_ids[1]),)) == 0
    assert till.store.scalar("SELECT count(*) FROM barcode_index WHERE product_id=?",
                             (str(seeded.product_ids[1]),)) == 0
    assert status_dict(till.store)["cursor"] > cursor
    assert till.sync_client().pull() == 0  # current


def test_refused_event_is_acknowledged_quarantined_at_central_and_listed_on_the_till(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    till = enrol_till(central_engine, tmp_path / "t1", seeded.store_ids["S01"], "http://central", api)
    till.sell([seeded.product_ids[0]])
    till.sell([987654])  # a product central does not know
    report = till.sync_client().sync_round()
    assert report.current
    status = status_dict(till.store)
    assert [q["code"] for q in status["quarantine"]] == ["product_not_found"], status["quarantine"]
    assert report.push.rejected == 1
    assert status["quarantined"] == 1
    assert status["quarantine"][0]["code"] == "product_not_found"
    from central.syncing.quarantine import list_items

    with session_scope(central_engine, write=False) as s:
        items = list_items(s)
    assert [i.code for i in items] == ["product_not_found"]
    assert items[0].payload["lines"][0]["product_id"] == 987654


def test_store_isolation_and_forged_events(central_engine: Engine, api: TestClient, seeded: Seeded,
                                           tmp_path: Path) -> None:
    a = enrol_till(central_engine, tmp_path / "a", seeded.store_ids["S01"], "http://central", api)
    b = enrol_till(central_engine, tmp_path / "b", seeded.store_ids["S02"], "http://central", api, seed_=2)
    b_sale = b.sell([seeded.product_ids[0]])
    # terminal A pushes B's event (a replay) with A's credential
    b_event = b.sync_client().store.all("SELECT * FROM outbox ORDER BY seq")

    envelopes = [b.store.outbox.get(int(r["seq"])).model_dump(mode="json") for r in b_event]  # type: ignore[union-attr]
    transport = Transport("http://central", a.store.get_setting("credential"), client=api, retries=0)
    forged = transport.post("/api/v1/sync/push", {"protocol_version": PROTOCOL_VERSION,
                                                   "terminal_id": a.terminal_id, "events": envelopes})
    assert {r["status"] for r in forged["results"]} == {"rejected"}
    # and claiming to be B in the request is refused outright
    with pytest.raises(ServerRejected) as refused:
        transport.post("/api/v1/sync/push", {"protocol_version": PROTOCOL_VERSION,
                                              "terminal_id": b.terminal_id, "events": envelopes})
    assert refused.value.status == 403
    assert refused.value.code == "forbidden_terminal"
    # B's own push still applies its sale: A's replay did not take B's event id
    assert b.sync_client().sync_round().current
    with session_scope(central_engine, write=False) as s:
        assert s.get(Sale, b_sale.sale_id) is not None
    # A never received B's store settings
    a_stores = {json.loads(r[0])["code"] for r in a.store.all("SELECT data FROM master WHERE entity='store'")}
    assert a_stores == {"S01"}


def test_old_protocol_gets_upgrade_required(api: TestClient, central_engine: Engine, seeded: Seeded,
                                            tmp_path: Path) -> None:
    till = enrol_till(central_engine, tmp_path / "t1", seeded.store_ids["S01"], "http://central", api)
    transport = Transport("http://central", till.store.get_setting("credential"), client=api, retries=0)
    with pytest.raises(UpgradeRequired):
        transport.post("/api/v1/sync/pull", {"protocol_version": 0, "cursor": 0, "schema_version": 1})


def test_a_protocol_1_till_is_still_served(api: TestClient, central_engine: Engine, seeded: Seeded,
                                          tmp_path: Path) -> None:
    # protocol 2 added stored value and vouchers; a till not yet upgraded pushes and pulls as before
    till = enrol_till(central_engine, tmp_path / "t1", seeded.store_ids["S01"], "http://central", api)
    till.sell([seeded.product_ids[0]])
    headers = {"Authorization": f"Device {till.store.get_setting('credential')}", "X-POS-Protocol": "1"}
    events = [e.model_dump(mode="json") for e in till.store.outbox.unacked()]
    pushed = api.post("/api/v1/sync/push", headers=headers,
                      json={"protocol_version": 1, "terminal_id": events[0]["terminal_id"], "events": events})
    assert pushed.status_code == 200, pushed.text
    assert {r["status"] for r in pushed.json()["results"]} == {"applied"}
    pulled = api.post("/api/v1/sync/pull", headers=headers, json={"protocol_version": 1, "cursor": 0,
                                                                  "schema_version": 1})
    assert pulled.status_code == 200


def test_revoked_or_missing_credential_is_refused(api: TestClient) -> None:
    answer = api.post("/api/v1/sync/pull", json={"protocol_version": PROTOCOL_VERSION, "cursor": 0,
                                                 "schema_version": 1})
    assert answer.status_code == 401


def test_a_push_that_waited_for_its_worker_asks_the_till_to_reconnect(central_engine: Engine, api: TestClient,
                                                                      seeded: Seeded, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # with a socket per server worker, a fresh connection lets the kernel place the till's next
    # batch on another worker (central/syncing/api.py RECONNECT); a till alone keeps its connection
    from central.syncing import api as sync_api

    till = enrol_till(central_engine, tmp_path / "t1", seeded.store_ids["S01"], "http://central", api)
    headers = {"Authorization": f"Device {till.store.get_setting('credential')}"}

    def push() -> Any:
        till.sell([seeded.product_ids[0]])
        events = [e.model_dump(mode="json") for e in till.store.outbox.unacked()]
        answer = api.post("/api/v1/sync/push", headers=headers, json={
            "protocol_version": PROTOCOL_VERSION, "terminal_id": till.terminal_id, "events": events})
        assert answer.status_code == 200
        assert "rejected" not in {r["status"] for r in answer.json()["results"]}
        with till.store.transaction():
            till.store.execute("UPDATE outbox SET status='acked'")
        return answer

    assert push().headers.get("connection") != "close"  # nobody ahead of it: keep the connection

    class Busy:
        """The worker's push slot, as another till's push holds it."""

        def locked(self) -> bool:
            return True

        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(sync_api, "_PUSH_SLOTS", Busy())
    assert push().headers["connection"] == "close"
