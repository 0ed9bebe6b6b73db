"""Users and roles: who may create whom, secrets hashed, store scoping, every role's reach."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.auth.passwords import verify_password
from central.db import session_scope
from central.users.models import User

Headers = dict[str, str]


def test_admin_creates_cashier_with_hashed_pin(client: TestClient, admin: Headers, make_store: Callable[..., int],
                                               engine: Engine) -> None:
    s1 = make_store("S01")
    r = client.post("/api/v1/users", headers=admin, json={
        "username": "li.na", "display_name": "李娜", "role": "cashier", "store_id": s1, "staff_code": "1001",
        "pin": "2468", "password": "password-1"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["has_pin"]
    assert body["has_password"]
    assert "pin_hash" not in body
    assert "password_hash" not in body
    with session_scope(engine, write=False) as s:
        user = s.scalars(select(User).where(User.username == "li.na")).one()
        assert user.pin_hash
        assert "2468" not in user.pin_hash
        assert verify_password(user.pin_hash, "2468")
        assert user.password_hash
        assert verify_password(user.password_hash, "password-1")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"role": "cashier"}, 422, "store_id"),
    ({"role": "chef"}, 422, "role"),
    ({"role": "admin", "pin": "12ab"}, 422, "pin"),
    ({"role": "admin", "password": "short"}, 422, "password"),
    ({"role": "admin", "username": "bad name!"}, 422, "username"),
    ({"role": "admin", "store_id": 999}, 404, "store_id"),
])
def test_bad_user_input_names_field(client: TestClient, admin: Headers, body: dict[str, object], status: int,
                                    field: str) -> None:
    full = {"username": "new.user", "display_name": "新用户", **body}
    r = client.post("/api/v1/users", headers=admin, json=full)
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"] == field


def test_duplicate_username_and_staff_code(client: TestClient, admin: Headers) -> None:
    base = {"display_name": "x", "role": "finance"}
    assert client.post("/api/v1/users", headers=admin, json={**base, "username": "u1", "staff_code": "7"}).status_code == 201
    r = client.post("/api/v1/users", headers=admin, json={**base, "username": "u1"})
    assert (r.status_code, r.json()["error"]["field"]) == (409, "username")
    r = client.post("/api/v1/users", headers=admin, json={**base, "username": "u2", "staff_code": "7"})
    assert (r.status_code, r.json()["error"]["field"]) == (409, "staff_code")


def test_store_manager_manages_only_own_cashiers(client: TestClient, make_store: Callable[..., int],
                                                 make_user: Callable[..., int],
                                                 login: Callable[[str], Headers]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("mgr", role="store_manager", store_id=s1)
    other = make_user("c2", role="cashier", store_id=s2)
    make_user("fin", role="finance")
    h = login("mgr")
    ok = client.post("/api/v1/users", headers=h, json={"username": "c1", "display_name": "收银一",
                                                       "role": "cashier", "store_id": s1, "pin": "1234"})
    assert ok.status_code == 201
    elsewhere = client.post("/api/v1/users", headers=h, json={"username": "c3", "display_name": "x",
                                                              "role": "cashier", "store_id": s2})
    assert elsewhere.status_code == 403
    promote = client.post("/api/v1/users", headers=h, json={"username": "boss", "display_name": "x",
                                                            "role": "admin"})
    assert promote.status_code == 403
    listed = {u["username"] for u in client.get("/api/v1/users", headers=h).json()["items"]}
    assert listed == {"mgr", "c1"}
    assert client.get(f"/api/v1/users/{other}", headers=h).status_code == 404


def test_only_admin_makes_admins_and_cannot_lock_self_out(client: TestClient, admin: Headers,
                                                          engine: Engine) -> None:
    with session_scope(engine, write=False) as s:
        me = s.scalars(select(User).where(User.username == "admin")).one()
    r = client.patch(f"/api/v1/users/{me.id}", headers=admin, json={"active": False})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "self_change"
    r = client.patch(f"/api/v1/users/{me.id}", headers=admin, json={"display_name": None})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "display_name"


def test_disabled_user_cannot_log_in_and_password_change_works(client: TestClient, admin: Headers,
                                                               make_user: Callable[..., int]) -> None:
    uid = make_user("w1", role="warehouse")
    assert client.patch(f"/api/v1/users/{uid}", headers=admin, json={"password": "new-password-9"}).status_code == 200
    assert client.post("/api/v1/auth/login", json={"username": "w1", "password": "new-password-9"}).status_code == 200
    assert client.patch(f"/api/v1/users/{uid}", headers=admin, json={"active": False}).status_code == 200
    r = client.post("/api/v1/auth/login", json={"username": "w1", "password": "new-password-9"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "user_disabled"


ROLE_REACH = {
    # role: status of (list users, create a brand, list stores, create a customer group, list terminals,
    #                  make an enrolment code for its store, read products)
    "admin": (200, 201, 200, 201, 200, 201, 200),
    "store_manager": (200, 403, 200, 403, 200, 201, 200),
    "cashier": (403, 403, 200, 403, 403, 403, 200),
    "sales_rep": (403, 403, 200, 403, 403, 403, 200),
    "warehouse": (403, 201, 200, 403, 403, 403, 200),
    "finance": (403, 403, 200, 403, 403, 403, 200),
}


@pytest.mark.parametrize("role", sorted(ROLE_REACH))
def test_every_role_sees_what_it_may(client: TestClient, role: str, make_store: Callable[..., int],
                                     make_user: Callable[..., int], login: Callable[[str], Headers]) -> None:
    s1 = make_store("S01")
    make_user("who", role=role, store_id=s1)
    h = login("who")
    got = (
        client.get("/api/v1/users", headers=h).status_code,
        client.post("/api/v1/brands", headers=h, json={"name": f"品牌{role}"}).status_code,
        client.get("/api/v1/stores", headers=h).status_code,
        client.post("/api/v1/customer-groups", headers=h, json={"code": "G1", "name": "组"}).status_code,
        client.get("/api/v1/terminals", headers=h).status_code,
        client.post("/api/v1/enrolment-codes", headers=h, json={"store_id": s1}).status_code,
        client.get("/api/v1/products", headers=h).status_code,
    )
    assert got == ROLE_REACH[role]
