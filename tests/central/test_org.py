"""Stores, warehouses, terminals and enrolment through the API, with store scoping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.auth.roles import DeviceKind
from central.db import session_scope
from central.org import service
from central.org.models import EnrolmentCode, Store, Terminal, Warehouse

Headers = dict[str, str]


def _enrol(client: TestClient, headers: Headers, store_id: int, **extra: object) -> dict[str, object]:
    r = client.post("/api/v1/enrolment-codes", json={"store_id": store_id, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    e = client.post("/api/v1/enroll", json={"code": r.json()["code"], "name": "1号收银台"})
    assert e.status_code == 201, e.text
    body: dict[str, object] = e.json()
    return body


def test_create_store_makes_its_warehouse(client: TestClient, admin: Headers) -> None:
    r = client.post("/api/v1/stores", json={"code": "S01", "name": "人民路店", "rounding_mode": "jiao_down"},
                    headers=admin)
    assert r.status_code == 201, r.text
    store = r.json()
    assert store["rounding_mode"] == "jiao_down"
    whs = client.get("/api/v1/warehouses", params={"store_id": store["id"]}, headers=admin).json()
    assert [w["code"] for w in whs["items"]] == ["S01-W1"]


def test_duplicate_store_code_is_409_and_nothing_written(client: TestClient, admin: Headers,
                                                         engine: Engine) -> None:
    assert client.post("/api/v1/stores", json={"code": "S01", "name": "A"}, headers=admin).status_code == 201
    r = client.post("/api/v1/stores", json={"code": "S01", "name": "B"}, headers=admin)
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "code"
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Store.id))) == 1
        assert s.scalar(select(func.count(Warehouse.id))) == 1


def test_bad_store_input_names_field(client: TestClient, admin: Headers) -> None:
    cases = [({"code": "S 1", "name": "x"}, "code"), ({"code": "S9", "name": "x" * 101}, "name"),
             ({"code": "S9", "name": "x", "rounding_mode": "half"}, "rounding_mode"),
             ({"code": "S9", "name": "x", "bogus": 1}, "bogus"), ({"code": "S9"}, "name"),
             ({"code": "S9", "name": "a\x00b"}, "name")]
    for body, field in cases:
        r = client.post("/api/v1/stores", json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["field"] == field, body


def test_store_manager_sees_only_own_store(client: TestClient, make_store: Callable[..., int],
                                           make_user: Callable[..., int],
                                           login: Callable[[str], Headers]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("mgr1", role="store_manager", store_id=s1)
    h = login("mgr1")
    stores = client.get("/api/v1/stores", headers=h).json()
    assert [s["code"] for s in stores["items"]] == ["S01"]
    assert stores["total"] == 1
    assert client.get(f"/api/v1/stores/{s2}", headers=h).status_code == 404
    whs = client.get("/api/v1/warehouses", headers=h).json()["items"]
    assert {w["store_id"] for w in whs} == {s1}
    # may not create stores, nor enrolment codes for another store
    assert client.post("/api/v1/stores", json={"code": "S9", "name": "x"}, headers=h).status_code == 403
    r = client.post("/api/v1/enrolment-codes", json={"store_id": s2}, headers=h)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "other_store"
    # but can enrol a terminal of its own store
    assert client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=h).status_code == 201


def test_cashier_cannot_manage_terminals(client: TestClient, make_store: Callable[..., int],
                                         make_user: Callable[..., int], login: Callable[[str], Headers]) -> None:
    s1 = make_store("S01")
    make_user("cash", role="cashier", store_id=s1)
    r = client.get("/api/v1/terminals", headers=login("cash"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied"


def test_enrol_then_use_then_revoke(client: TestClient, admin: Headers, make_store: Callable[..., int]) -> None:
    s1 = make_store("S01")
    cred = _enrol(client, admin, s1)
    assert cred["store_id"] == s1
    assert cred["kind"] == "pos"
    assert cred["terminal_code"] == "S01-POS01"
    device = {"Authorization": f"Device {cred['credential']}"}
    me = client.get("/api/v1/devices/me", headers=device)
    assert me.status_code == 200
    assert me.json()["id"] == cred["terminal_id"]
    # a device may not use console-only endpoints
    assert client.get("/api/v1/terminals", headers=device).status_code == 403
    # wrong secret
    bad = client.get("/api/v1/devices/me", headers={"Authorization": f"Device {cred['terminal_id']}:wrong"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "unknown_device"
    # revoke → 401 with a clear message
    r = client.post(f"/api/v1/terminals/{cred['terminal_id']}/revoke", json={"reason": "丢失"}, headers=admin)
    assert r.status_code == 200
    assert r.json()["revoked_reason"] == "丢失"
    gone = client.get("/api/v1/devices/me", headers=device)
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "device_revoked"
    assert "吊销" in gone.json()["error"]["message"]


def test_enrolment_code_is_single_use(client: TestClient, admin: Headers, make_store: Callable[..., int],
                                      engine: Engine) -> None:
    s1 = make_store("S01")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    assert client.post("/api/v1/enroll", json={"code": code.lower().replace("-", "")}).status_code == 201
    again = client.post("/api/v1/enroll", json={"code": code})
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "enrolment_code_used"
    assert again.json()["error"]["field"] == "code"
    unknown = client.post("/api/v1/enroll", json={"code": "AAAA-BBBB"})
    assert unknown.json()["error"]["code"] == "enrolment_code_invalid"
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Terminal.id))) == 1


def test_expired_code_is_refused(client: TestClient, make_store: Callable[..., int], engine: Engine) -> None:
    s1 = make_store("S01")
    with session_scope(engine) as s:
        code, row = service.make_enrolment_code(s, store_id=s1, kind=DeviceKind.POS, ttl=timedelta(minutes=5))
        row.expires_at = row.created_at - timedelta(seconds=1)
    r = client.post("/api/v1/enroll", json={"code": code})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "enrolment_code_expired"
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(EnrolmentCode.used_at)) is None


def test_rep_tablet_is_bound_to_rep(client: TestClient, admin: Headers, make_store: Callable[..., int],
                                    make_user: Callable[..., int]) -> None:
    s1 = make_store("S01")
    rep = make_user("rep1", role="sales_rep", store_id=s1)
    cashier = make_user("c1", role="cashier", store_id=s1)
    no_rep = client.post("/api/v1/enrolment-codes", json={"store_id": s1, "kind": "rep"}, headers=admin)
    assert no_rep.status_code == 422
    assert no_rep.json()["error"]["field"] == "rep"
    not_rep = client.post("/api/v1/enrolment-codes", json={"store_id": s1, "kind": "rep", "rep_user_id": cashier},
                          headers=admin)
    assert not_rep.json()["error"]["code"] == "not_a_rep"
    cred = _enrol(client, admin, s1, kind="rep", rep_user_id=rep)
    assert cred["rep_id"] == rep
    assert cred["terminal_code"] == "S01-REP01"


def test_terminal_lists_are_store_scoped(client: TestClient, admin: Headers, make_store: Callable[..., int],
                                         make_user: Callable[..., int], login: Callable[[str], Headers]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    t1 = _enrol(client, admin, s1)
    t2 = _enrol(client, admin, s2)
    make_user("mgr2", role="store_manager", store_id=s2)
    h = login("mgr2")
    listed = client.get("/api/v1/terminals", headers=h).json()["items"]
    assert [t["id"] for t in listed] == [t2["terminal_id"]]
    # another store's terminal is invisible, so it cannot be revoked
    assert client.post(f"/api/v1/terminals/{t1['terminal_id']}/revoke", json={}, headers=h).status_code == 404
    assert client.get("/api/v1/terminals", headers=admin).json()["total"] == 2


def test_central_warehouse_has_no_store_and_store_staff_do_not_see_it(
        client: TestClient, admin: Headers, make_store: Callable[..., int], make_user: Callable[..., int],
        login: Callable[[str], Headers]) -> None:
    s1 = make_store("S01")
    r = client.post("/api/v1/warehouses", json={"code": "CW01", "name": "中心仓"}, headers=admin)
    assert r.status_code == 201
    assert r.json()["store_id"] is None
    make_user("m", role="store_manager", store_id=s1)
    seen = [w["code"] for w in client.get("/api/v1/warehouses", headers=login("m")).json()["items"]]
    assert seen == ["S01-W1"]
    assert client.get(f"/api/v1/warehouses/{r.json()['id']}", headers=login("m")).status_code == 404
    everything = [w["code"] for w in client.get("/api/v1/warehouses", headers=admin).json()["items"]]
    assert everything == ["CW01", "S01-W1"]


def test_organisation_settings(client: TestClient, admin: Headers) -> None:
    r = client.patch("/api/v1/organisation", json={"name": "好邻居商贸有限公司", "tax_id": "91310000MA1FL0000X"},
                     headers=admin)
    assert r.status_code == 200
    assert client.get("/api/v1/organisation", headers=admin).json()["name"] == "好邻居商贸有限公司"
    assert client.patch("/api/v1/organisation", json={"name": None}, headers=admin).status_code == 422
