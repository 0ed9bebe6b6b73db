"""Pricing: price lists, member levels and prices, promotions in the contract's form, store scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.db import session_scope
from central.pricing.models import PriceList, Promotion
from central.pricing.service import get_promotion, promotion_to_wire
from sync.promotions import Promotion as ContractPromotion

Headers = dict[str, str]
WINDOW = {"starts_at": "2026-01-01T00:00:00+08:00", "ends_at": "2026-12-31T16:00:00Z"}


@pytest.fixture
def product(client: TestClient, admin: Headers) -> dict[str, Any]:
    r = client.post("/api/v1/products", headers=admin, json={
        "sku": "WATER", "name": "农夫山泉 550ml", "units": [
            {"code": "瓶", "price_fen": 200}, {"code": "箱", "factor": 24, "price_fen": 4000}]})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_customer_group_price_list(client: TestClient, admin: Headers, product: dict[str, Any]) -> None:
    group = client.post("/api/v1/customer-groups", json={"code": "WHOLESALE", "name": "批发客户"}, headers=admin).json()
    r = client.post("/api/v1/price-lists", headers=admin, json={
        "code": "PL1", "name": "批发价", "scope": "customer_group", "target_id": group["id"],
        "valid_from": "2026-01-01T00:00:00+08:00",
        "items": [{"product_id": product["id"], "unit_code": "箱", "price_fen": 3600}]})
    assert r.status_code == 201, r.text
    pl = r.json()
    assert pl["valid_from"].startswith("2025-12-31T16:00:00")
    assert pl["items"] == [{"product_id": product["id"], "unit_code": "箱", "price_fen": 3600}]
    # replace items
    r = client.patch(f"/api/v1/price-lists/{pl['id']}", headers=admin, json={
        "items": [{"product_id": product["id"], "unit_code": "瓶", "price_fen": 180}]})
    assert r.status_code == 200
    assert [i["unit_code"] for i in r.json()["items"]] == ["瓶"]


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"items": [{"product_id": 1, "unit_code": "桶", "price_fen": 1}]}, 422, "items.0.unit_code"),
    ({"items": [{"product_id": 99, "unit_code": "瓶", "price_fen": 1}]}, 404, "items.0.product_id"),
    ({"items": [{"product_id": 1, "unit_code": "瓶", "price_fen": -5}]}, 422, "items.0.price_fen"),
    ({"items": [{"product_id": 1, "unit_code": "瓶", "price_fen": 1}] * 2}, 422, "items.1.unit_code"),
    ({"target_id": 77}, 404, "target_id"),
    ({"scope": "customer", "target_id": 77}, 404, "target_id"),
    ({"valid_from": "2026-02-01T00:00:00Z", "valid_to": "2026-01-01T00:00:00Z"}, 422, "valid_to"),
    ({"valid_from": "2026-02-01T00:00:00"}, 422, "valid_from"),
    ({"scope": "everyone"}, 422, "scope"),
])
def test_bad_price_list_names_field(client: TestClient, admin: Headers, product: dict[str, Any], engine: Engine,
                                    change: dict[str, Any], status: int, field: str) -> None:
    group = client.post("/api/v1/customer-groups", json={"code": "G", "name": "组"}, headers=admin).json()
    body = {"code": "PLX", "name": "x", "scope": "customer_group", "target_id": group["id"], "items": [], **change}
    r = client.post("/api/v1/price-lists", headers=admin, json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"] == field
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(PriceList.id))) == 0


def test_member_levels_and_prices(client: TestClient, admin: Headers, product: dict[str, Any]) -> None:
    r = client.post("/api/v1/member-levels", headers=admin, json={
        "code": "gold", "name": "金卡", "points_per_yuan": "1.5", "percent_off_bp": 500})
    assert r.status_code == 201, r.text
    base = {"level_code": "gold", "product_id": product["id"], "unit_code": "瓶", "price_fen": 180}
    first = client.post("/api/v1/member-prices", headers=admin, json={**base, "valid_to": "2026-06-01T00:00:00Z"})
    assert first.status_code == 201
    overlap = client.post("/api/v1/member-prices", headers=admin, json={**base, "valid_from": "2026-05-01T00:00:00Z"})
    assert (overlap.status_code, overlap.json()["error"]["code"]) == (409, "overlapping_price")
    later = client.post("/api/v1/member-prices", headers=admin, json={**base, "valid_from": "2026-06-01T00:00:00Z"})
    assert later.status_code == 201
    unknown = client.post("/api/v1/member-prices", headers=admin, json={**base, "level_code": "platinum"})
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (404, "level_code")
    listed = client.get("/api/v1/member-prices", params={"product_id": product["id"]}, headers=admin).json()
    assert listed["total"] == 2


def test_promotion_round_trips_the_contract(client: TestClient, admin: Headers, product: dict[str, Any],
                                            make_store: Callable[..., int], engine: Engine) -> None:
    s1 = make_store("S01")
    r = client.post("/api/v1/promotions", headers=admin, json={
        "code": "P-WATER", "name": "矿泉水第二件半价", "kind": "percent_off", "percent_off_bp": 2000,
        "product_ids": [product["id"]], "store_ids": [s1], "member_only": True, **WINDOW})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["store_ids"] == [s1]
    assert out["starts_at"].startswith("2025-12-31T16:00:00")
    with session_scope(engine, write=False) as s:
        wire = promotion_to_wire(get_promotion(s, out["id"]))
    promo = ContractPromotion.from_dict(wire)
    assert promo.percent_off_bp == 2000
    assert promo.store_ids == frozenset({s1})
    assert promo.member_only


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "percent_off", "percent_off_bp": 0}, "percent_off_bp"),
    ({"kind": "percent_off"}, "percent_off_bp"),
    ({"kind": "threshold", "threshold_fen": 1000, "amount_off_fen": 1000}, "amount_off_fen"),
    ({"kind": "buy_x_get_y", "buy_qty": 2}, "free_qty"),
    ({"kind": "price_cut", "special_price_fen": 100}, "unit_code"),
    ({"kind": "percent_off", "percent_off_bp": 1000, "buy_qty": 2}, "buy_qty"),
    ({"kind": "percent_off", "percent_off_bp": 1000, "starts_at": "2027-01-01T00:00:00Z"}, "ends_at"),
    ({"kind": "percent_off", "percent_off_bp": 1000, "store_ids": [404]}, "store_ids"),
    ({"kind": "percent_off", "percent_off_bp": 1000, "product_ids": [404]}, "product_ids"),
    ({"kind": "gift", "buy_qty": 2, "gift_product_id": 1, "gift_unit_code": "桶", "gift_qty": 1}, "gift_unit_code"),
    ({"kind": "bogus"}, "kind"),
])
def test_invalid_promotions_are_refused_with_field(client: TestClient, admin: Headers, product: dict[str, Any],
                                                   engine: Engine, body: dict[str, Any], field: str) -> None:
    r = client.post("/api/v1/promotions", headers=admin, json={"code": "BAD", "name": "坏促销", **WINDOW, **body})
    assert r.status_code in (404, 422), r.text
    assert r.json()["error"]["field"] == field, r.json()
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Promotion.id))) == 0


def test_patch_promotion_revalidates_and_switches_parameters(client: TestClient, admin: Headers,
                                                             product: dict[str, Any]) -> None:
    promo = client.post("/api/v1/promotions", headers=admin, json={
        "code": "CUT", "name": "直降", "kind": "price_cut", "amount_off_fen": 20, **WINDOW}).json()
    bad = client.patch(f"/api/v1/promotions/{promo['id']}", headers=admin, json={"special_price_fen": 150,
                                                                                 "unit_code": "瓶"})
    assert bad.status_code == 422  # both amount_off and special price
    ok = client.patch(f"/api/v1/promotions/{promo['id']}", headers=admin, json={
        "amount_off_fen": None, "special_price_fen": 150, "unit_code": "瓶"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["special_price_fen"] == 150
    assert ok.json()["amount_off_fen"] is None


def test_store_scoped_principal_sees_only_its_promotions(client: TestClient, admin: Headers,
                                                         make_store: Callable[..., int],
                                                         make_user: Callable[..., int],
                                                         login: Callable[[str], Headers]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    for code, stores in (("ALL", []), ("ONE", [s1]), ("TWO", [s2])):
        r = client.post("/api/v1/promotions", headers=admin, json={
            "code": code, "name": code, "kind": "percent_off", "percent_off_bp": 500, "store_ids": stores, **WINDOW})
        assert r.status_code == 201
    make_user("mgr2", role="store_manager", store_id=s2)
    h = login("mgr2")
    seen = [p["code"] for p in client.get("/api/v1/promotions", headers=h).json()["items"]]
    assert seen == ["ALL", "TWO"]
    one = client.get("/api/v1/promotions", headers=admin).json()["items"][1]
    assert client.get(f"/api/v1/promotions/{one['id']}", headers=h).status_code == 404
    # store managers read prices but cannot write them
    assert client.post("/api/v1/customer-groups", json={"code": "X", "name": "x"}, headers=h).status_code == 403
    running = client.get("/api/v1/promotions", params={"at": "2026-06-01T00:00:00Z"}, headers=admin).json()
    assert running["total"] == 3
    assert client.get("/api/v1/promotions", params={"at": "2030-06-01T00:00:00Z"}, headers=admin).json()["total"] == 0


def test_quote_prices_like_a_till(client: TestClient, admin: Headers, product: dict[str, Any],
                                  make_store: Callable[..., int]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    r = client.post("/api/v1/promotions", headers=admin, json={
        "code": "P20", "name": "八折", "kind": "percent_off", "percent_off_bp": 2000, "store_ids": [s1],
        "product_ids": [product["id"]], **WINDOW})
    assert r.status_code == 201
    promo_id = r.json()["id"]
    body = {"at": "2026-06-01T10:00:00+08:00", "lines": [{"product_id": product["id"], "unit_code": "瓶", "qty": 3}]}
    in_s1 = client.post("/api/v1/pricing/quote", headers=admin, json={"store_id": s1, **body})
    assert in_s1.status_code == 200, in_s1.text
    q = in_s1.json()
    assert (q["subtotal_fen"], q["discount_fen"], q["total_fen"]) == (600, 120, 480)
    assert q["promotion_ids"] == [promo_id]
    # the promotion is scoped to S01: S02 pays the base price
    in_s2 = client.post("/api/v1/pricing/quote", headers=admin, json={"store_id": s2, **body}).json()
    assert (in_s2["total_fen"], in_s2["promotion_ids"]) == (600, [])
    # after the window it is over
    later = client.post("/api/v1/pricing/quote", headers=admin, json={
        **body, "store_id": s1, "at": "2027-06-01T00:00:00Z"}).json()
    assert later["total_fen"] == 600
    # 抹零 from the store's setting: 3 × ¥1.99 = ¥5.97 → ¥5.90 when rounding down to the jiao
    r = client.patch(f"/api/v1/stores/{s2}", headers=admin, json={"rounding_mode": "jiao_down"})
    assert r.status_code == 200, r.text
    r = client.patch(f"/api/v1/products/{product['id']}", headers=admin, json={"units": [
        {"code": "瓶", "price_fen": 199}, {"code": "箱", "factor": 24, "price_fen": 4000}]})
    assert r.status_code == 200, r.text
    rounded = client.post("/api/v1/pricing/quote", headers=admin, json={"store_id": s2, **body}).json()
    assert (rounded["total_fen"], rounded["rounding_fen"]) == (590, -7)


def test_quote_bad_input(client: TestClient, admin: Headers, product: dict[str, Any],
                         make_store: Callable[..., int]) -> None:
    s1 = make_store("S01")
    bad_unit = client.post("/api/v1/pricing/quote", headers=admin, json={
        "store_id": s1, "lines": [{"product_id": product["id"], "unit_code": "桶", "qty": 1}]})
    assert bad_unit.status_code == 422
    assert bad_unit.json()["error"]["field"] == "lines[0].unit_code"
    no_product = client.post("/api/v1/pricing/quote", headers=admin, json={
        "store_id": s1, "lines": [{"product_id": 999, "unit_code": "瓶", "qty": 1}]})
    assert no_product.status_code == 404
    fraction = client.post("/api/v1/pricing/quote", headers=admin, json={
        "store_id": s1, "lines": [{"product_id": product["id"], "unit_code": "瓶", "qty": "1.5"}]})
    assert fraction.status_code == 422
