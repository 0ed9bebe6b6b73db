"""A store's scale label layout (称重条码格式) set at head office: validated with `ScaleLayout`, read back,
refused with the field named, head office only, and carried in the store's sync feed entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.db import session_scope
from central.org.models import Store
from central.syncing import feed
from sync.master import StoreSettings
from sync.scale_barcode import ScaleLayout, ScaleValue

Headers = dict[str, str]

PRICE_LAYOUT = ScaleLayout(value=ScaleValue.PRICE).to_dict()


def _patch(client: TestClient, headers: Headers, store_id: int, layout: Any) -> Any:
    return client.patch(f"/api/v1/stores/{store_id}", json={"scale_layout": layout}, headers=headers)


def _stored(engine: Engine, store_id: int) -> dict[str, Any] | None:
    with session_scope(engine, write=False) as s:
        store = s.get(Store, store_id)
        assert store is not None
        return store.scale_layout


def test_scale_layout_is_set_read_back_and_reset(client: TestClient, admin: Headers,
                                                 make_store: Callable[..., int], engine: Engine) -> None:
    # given a store made without one: the default layout (null)
    sid = make_store("S01")
    assert client.get(f"/api/v1/stores/{sid}", headers=admin).json()["scale_layout"] is None
    # when head office says its scales print the amount (金额码); omitted fields take the defaults
    r = _patch(client, admin, sid, {"value": "price"})
    # then the whole layout is stored and read back
    assert r.status_code == 200, r.text
    assert r.json()["scale_layout"] == PRICE_LAYOUT
    assert client.get(f"/api/v1/stores/{sid}", headers=admin).json()["scale_layout"] == PRICE_LAYOUT
    assert _stored(engine, sid) == PRICE_LAYOUT
    # a layout of its own: flag 22 only, 4-digit PLU, 6-digit weight in grams
    custom = {"prefixes": ["22"], "prefix_digits": 2, "item_digits": 4, "value_digits": 6, "value": "weight"}
    r = _patch(client, admin, sid, custom)
    assert r.status_code == 200, r.text
    assert r.json()["scale_layout"] == custom
    # other PATCHes leave it alone
    assert client.patch(f"/api/v1/stores/{sid}", json={"name": "人民路店"}, headers=admin).json()[
        "scale_layout"] == custom
    # null goes back to the default layout
    r = _patch(client, admin, sid, None)
    assert r.status_code == 200, r.text
    assert r.json()["scale_layout"] is None
    assert _stored(engine, sid) is None
    # and a new store may be made with one
    r = client.post("/api/v1/stores", json={"code": "S02", "name": "菜场店", "scale_layout": {"value": "price"}},
                    headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["scale_layout"] == PRICE_LAYOUT
    listed = {s["code"]: s["scale_layout"] for s in client.get("/api/v1/stores", headers=admin).json()["items"]}
    assert listed == {"S01": None, "S02": PRICE_LAYOUT}


def test_bad_scale_layout_is_refused_naming_the_field_and_nothing_written(
        client: TestClient, admin: Headers, make_store: Callable[..., int], engine: Engine) -> None:
    sid = make_store("S01")
    assert _patch(client, admin, sid, {"value": "price"}).status_code == 200
    cases: list[tuple[Any, str, str, str]] = [
        # (layout, code, field, a word of the English message)
        ({"item_digits": 6}, "bad_scale_layout", "scale_layout", "12"),  # 2 + 6 + 5 digits: 14 with the check digit
        ({"prefixes": ["19"]}, "bad_scale_layout", "scale_layout", "20–29"),  # not an in-store prefix
        ({"prefixes": ["201"]}, "bad_scale_layout", "scale_layout", "20–29"),  # 3 digits, layout says 2
        ({"prefixes": ["2", "20"], "prefix_digits": 1, "item_digits": 6}, "validation_error",
         "scale_layout.prefixes.0", "scale_layout.prefixes.0"),
        ({"prefixes": []}, "validation_error", "scale_layout.prefixes", "scale_layout.prefixes"),
        ({"prefixes": ["2a"]}, "validation_error", "scale_layout.prefixes.0", "scale_layout.prefixes.0"),
        ({"value": "volume"}, "validation_error", "scale_layout.value", "scale_layout.value"),
        ({"value_digits": 0}, "validation_error", "scale_layout.value_digits", "scale_layout.value_digits"),
        ({"bogus": 1}, "validation_error", "scale_layout.bogus", "scale_layout.bogus"),
        ("price", "validation_error", "scale_layout", "scale_layout"),
    ]
    for layout, code, field, word in cases:
        r = _patch(client, admin, sid, layout)
        assert r.status_code == 422, (layout, r.text)
        error = r.json()["error"]
        assert (error["code"], error["field"]) == (code, field), (layout, error)
        assert error["message"], error
        assert error["message"] != error["message_en"], error  # zh-CN and English
        assert word in error["message_en"], error
    # the layout set before is untouched
    assert _stored(engine, sid) == PRICE_LAYOUT
    # a new store with a bad layout is not made at all
    r = client.post("/api/v1/stores", json={"code": "S02", "name": "x", "scale_layout": {"prefixes": ["30"]}},
                    headers=admin)
    assert r.status_code == 422, r.text
    assert (r.json()["error"]["code"], r.json()["error"]["field"]) == ("bad_scale_layout", "scale_layout")
    assert "称重条码" in r.json()["error"]["message"]
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Store.id))) == 1


def test_only_head_office_changes_a_scale_layout(client: TestClient, admin: Headers,
                                                 make_store: Callable[..., int], make_user: Callable[..., int],
                                                 login: Callable[[str], Headers], engine: Engine) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("mgr1", role="store_manager", store_id=s1)
    h = login("mgr1")
    # a store manager sees the setting of the own store
    assert client.get(f"/api/v1/stores/{s1}", headers=h).json()["scale_layout"] is None
    # but may change it neither for another store nor for the own (store settings belong to head office)
    for sid in (s2, s1):
        r = _patch(client, h, sid, {"value": "price"})
        assert r.status_code == 403, r.text
    assert _stored(engine, s1) is None
    assert _stored(engine, s2) is None
    # a till of the store may not either
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    device = client.post("/api/v1/enroll", json={"code": code}).json()
    r = _patch(client, {"Authorization": f"Device {device['credential']}"}, s1, {"value": "price"})
    assert r.status_code == 403, r.text
    assert _stored(engine, s1) is None


def _store_entry(engine: Engine, store_id: int) -> StoreSettings:
    """The store's latest entry in the change feed, as its tills pull it."""
    with session_scope(engine, write=False) as s:
        rows = feed.changes_after(s, 0, store_id=store_id, rep_id=None, limit=10_000)
    entries = [r for r in rows if r.entity == "store" and r.entity_id == str(store_id)]
    assert entries, rows
    assert entries[-1].op == "upsert", entries
    return StoreSettings.model_validate(json.loads(entries[-1].data or ""))


def test_store_feed_entry_carries_the_layout(client: TestClient, admin: Headers,
                                             make_store: Callable[..., int], engine: Engine) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    assert "scale_layout" not in _store_entry(engine, s1).extra  # the till's default layout
    # when head office sets S01's layout
    assert _patch(client, admin, s1, {"value": "price", "prefixes": ["28", "29"]}).status_code == 200
    # then S01's entry carries it as the till reads it, and S02's does not
    extra = _store_entry(engine, s1).extra
    assert extra["scale_layout"] == {**PRICE_LAYOUT, "prefixes": ["28", "29"]}
    assert ScaleLayout.from_dict(extra["scale_layout"]) == ScaleLayout(prefixes=("28", "29"), value=ScaleValue.PRICE)
    assert "scale_layout" not in _store_entry(engine, s2).extra
    # and back to the default: the entry no longer carries one
    assert _patch(client, admin, s1, None).status_code == 200
    assert "scale_layout" not in _store_entry(engine, s1).extra
