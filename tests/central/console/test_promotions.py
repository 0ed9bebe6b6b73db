"""Promotion forms: every kind through the API's schema and the contract, edits that switch parameters,
the preview equal to the API's quote (one pricing function), and who may write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.catalog import service as catalog
from central.db import session_scope
from central.pricing import service as pricing


@pytest.fixture
def shop(engine: Engine, make_store: Callable[..., int], make_user: Callable[..., int]) -> dict[str, int]:
    store = make_store("S01")
    make_user("buyer", role="admin")
    make_user("mgr", role="store_manager", store_id=store)
    with session_scope(engine) as s:
        cola = catalog.create_product(s, sku="1001", name="可口可乐", units=[
            {"code": "pc", "name": "罐", "factor": 1, "price_fen": 300, "barcodes": []},
            {"code": "box", "name": "箱", "factor": 24, "price_fen": 6600, "barcodes": []}]).id
        chips = catalog.create_product(s, sku="2001", name="薯片", units=[
            {"code": "pc", "name": "包", "factor": 1, "price_fen": 800, "barcodes": []}]).id
    return {"store": store, "cola": cola, "chips": chips}


def _form(csrf: str, **extra: Any) -> dict[str, Any]:
    return {"csrf": csrf, "code": "P1", "name": "测试促销", "starts_at": "2026-01-01T00:00",
            "ends_at": "2036-01-01T00:00", "priority": "0", "active": "on", **extra}


KINDS = [
    ({"kind": "price_cut", "special_price": "2.50", "unit_code": "pc", "products": "1001"}, {"special_price_fen": 250}),
    ({"kind": "percent_off", "percent_off": "15", "products": "1001"}, {"percent_off_bp": 1500}),
    ({"kind": "buy_x_get_y", "buy_qty": "2", "free_qty": "1", "products": "1001"}, {"buy_qty": 2, "free_qty": 1}),
    ({"kind": "gift", "gift_buy_qty": "2", "gift_product": "2001", "gift_unit_code": "pc", "gift_qty": "1",
      "products": "1001"}, {"gift_qty": 1}),
    ({"kind": "threshold", "threshold": "100", "threshold_off": "10", "repeat": "on", "max_repeats": "3",
      "member_only": "on"}, {"threshold_fen": 10000, "amount_off_fen": 1000, "member_only": True, "repeat": True}),
]


@pytest.mark.parametrize(("fields", "expected"), KINDS, ids=[k[0]["kind"] for k in KINDS])
def test_every_kind_saves_as_the_contract_says(client: TestClient, engine: Engine, shop: dict[str, int],
                                               console_login: Callable[..., str], fields: dict[str, Any],
                                               expected: dict[str, Any]) -> None:
    csrf = console_login("buyer")
    r = client.post("/promotions/new", data=_form(csrf, **fields), follow_redirects=False)
    assert r.status_code == 303, r.text
    pid = int(r.headers["location"].split("/")[2].split("?")[0])
    with session_scope(engine, write=False) as s:
        wire = pricing.promotion_to_wire(pricing.get_promotion(s, pid))
    assert {k: wire[k] for k in expected} == expected
    assert "promotion.create" in client.get(f"/promotions/{pid}").text


def test_edit_switches_parameters_and_bad_input_changes_nothing(client: TestClient, engine: Engine,
                                                                shop: dict[str, int],
                                                                console_login: Callable[..., str]) -> None:
    csrf = console_login("buyer")
    r = client.post("/promotions/new", data=_form(csrf, kind="price_cut", special_price="2.50", unit_code="pc",
                                                  products="1001"), follow_redirects=False)
    pid = int(r.headers["location"].split("/")[2].split("?")[0])
    r = client.post(f"/promotions/{pid}", data=_form(csrf, kind="price_cut", amount_off="0.20", products="1001"),
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with session_scope(engine, write=False) as s:
        wire = pricing.promotion_to_wire(pricing.get_promotion(s, pid))
    assert wire.get("special_price_fen") is None
    assert wire["amount_off_fen"] == 20
    bad = client.post(f"/promotions/{pid}", data=_form(csrf, kind="threshold", threshold="abc", threshold_off="10"))
    assert bad.status_code == 200
    assert "invalid" in bad.text
    unknown = client.post(f"/promotions/{pid}", data=_form(csrf, kind="percent_off", percent_off="10",
                                                           products="NOPE"))
    assert "找不到商品" in unknown.text
    with session_scope(engine, write=False) as s:
        assert pricing.promotion_to_wire(pricing.get_promotion(s, pid))["kind"] == "price_cut"


def test_preview_is_the_tills_price(client: TestClient, shop: dict[str, int], admin: dict[str, str],
                                    console_login: Callable[..., str]) -> None:
    csrf = console_login("buyer")
    form = _form(csrf, kind="threshold", threshold="10", threshold_off="1", repeat="on", sample_store=str(shop["store"]),
                 **{"sample.0.product": "1001", "sample.0.unit": "box", "sample.0.qty": "1",
                    "sample.1.product": "2001", "sample.1.qty": "2"})
    preview = client.post("/promotions/preview", data=form, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert preview.status_code == 200, preview.text
    # save it, then ask the API's quote (central's /pricing/quote) for the same cart: the same totals
    r = client.post("/promotions/new", data=form, follow_redirects=False)
    assert r.status_code == 303
    quote = client.post("/api/v1/pricing/quote", headers=admin, json={
        "store_id": shop["store"], "lines": [{"product_id": shop["cola"], "unit_code": "box", "qty": "1"},
                                             {"product_id": shop["chips"], "unit_code": "pc", "qty": "2"}]}).json()
    assert quote["total_fen"] == 6600 + 1600 - 800  # ¥82 spent: 8 × ¥1 off
    assert f"¥{quote['total_fen'] // 100}.{quote['total_fen'] % 100:02d}" in preview.text


def test_store_manager_reads_but_cannot_write(client: TestClient, shop: dict[str, int],
                                              console_login: Callable[..., str]) -> None:
    csrf = console_login("mgr")
    assert client.get("/promotions").status_code == 200
    assert client.get("/promotions/new").status_code == 403
    assert client.post("/promotions/new", data=_form(csrf, kind="percent_off", percent_off="10")).status_code == 403
