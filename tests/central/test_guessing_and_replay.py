"""Guessing device credentials and enrolment codes, and replaying an enrolment (#10 §5).

- A client address sending many distinct wrong device credentials, or wrong enrolment codes, backs
  off (429 too_many_guesses, Retry-After), whatever it sends next; each refused secret is audited
  once. A till repeating its own stale credential counts once, so it holds up nobody.
- Once a terminal has used its credential, its enrolment code is spent for good: the same code and
  nonce again is refused (enrolment_code_spent) and the real till's credential keeps working. Before
  that first use the retry after a lost answer still works (tests/sync/test_enrol_retry.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.auth.roles import DeviceKind
from central.db import session_scope
from central.org import service as org


def _code(engine: Engine, store_id: int) -> str:
    with session_scope(engine) as s:
        return org.make_enrolment_code(s, store_id=store_id, kind=DeviceKind.POS)[0]


def _enrol(client: TestClient, code: str, nonce: str = "n" * 32) -> dict[str, object]:
    r = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _actions(engine: Engine, prefix: str) -> list[tuple[str, str | None, str | None]]:
    with session_scope(engine, write=False) as s:
        return [(a.action, a.reason, a.client_address) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id))]


def test_device_credential_guesses_back_off_per_address_and_are_audited(
        client: TestClient, engine: Engine, make_store: Callable[..., int]) -> None:
    store = make_store("S01")
    good = {"Authorization": f"Device {_enrol(client, _code(engine, store))['credential']}"}
    assert client.get("/api/v1/devices/me", headers=good).status_code == 200
    # a revoked or re-enrolled till repeating its stale credential is refused, audited once, not throttled
    for _ in range(15):
        r = client.get("/api/v1/devices/me", headers={"Authorization": "Device 1:stale"})
        assert r.status_code == 401
    assert client.get("/api/v1/devices/me", headers=good).status_code == 200
    # distinct guesses: nine more make ten, the tenth starts a back-off
    for i in range(9):
        r = client.post("/api/v1/sync/pull", json={"cursor": 0}, headers={"Authorization": f"Device {i + 2}:guess{i}"})
        assert r.status_code == 401, r.text
    for path, method in (("/api/v1/sync/pull", "post"), ("/api/v1/devices/me", "get")):
        # while it lasts even a right credential from that address waits (gate and dependency alike)
        kw = {"json": {"cursor": 0}} if method == "post" else {}
        r = getattr(client, method)(path, headers={"Authorization": "Device 1:another-guess"}, **kw)
        assert r.status_code == 429, r.text
        assert r.headers["retry-after"] == "30"
        error = r.json()["error"]
        assert error["code"] == "too_many_guesses"
        assert error["message"] == "错误的设备凭证太多，请 30 秒后再试"
        assert error["message_en"] == "too many wrong device credentials; try again in 30 s"
    rows = _actions(engine, "auth.device_credential")
    assert [a for a, _r, _c in rows] == ["auth.device_credential_refused"] * 9 + ["auth.device_credential_refused_locked"]
    assert {r for _a, r, _c in rows} == {"unknown_device"}
    assert {c for _a, _r, c in rows} == {"testclient"}
    # another address is not held up
    with TestClient(client.app, client=("198.51.100.4", 5000)) as shop:
        assert shop.get("/api/v1/devices/me", headers=good).status_code == 200


def test_enrolment_code_guesses_back_off_per_address_and_are_audited(
        client: TestClient, engine: Engine, make_store: Callable[..., int]) -> None:
    store = make_store("S01")
    real = _code(engine, store)
    for _ in range(5):  # the same wrong code again and again counts once
        r = client.post("/api/v1/enroll", json={"code": "AAAA-BBBB-CCCC-DDDD"})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "enrolment_code_invalid"
    for i in range(9):
        r = client.post("/api/v1/enroll", json={"code": f"AAAA-BBBB-CCCC-{i:04d}"})
        assert r.status_code == 422
    r = client.post("/api/v1/enroll", json={"code": real})
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "too_many_guesses"
    assert r.json()["error"]["message_en"] == "too many wrong enrolment codes; try again in 30 s"
    assert r.headers["retry-after"] == "30"
    rows = _actions(engine, "auth.enrolment_code")
    assert [a for a, _r, _c in rows] == ["auth.enrolment_code_refused"] * 9 + ["auth.enrolment_code_refused_locked"]
    # from another address the real code still works
    with TestClient(client.app, client=("198.51.100.4", 5000)) as shop:
        assert shop.post("/api/v1/enroll", json={"code": real}).status_code == 201


def test_a_replayed_enrolment_never_takes_the_credential_from_a_till_in_use(
        client: TestClient, engine: Engine, make_store: Callable[..., int]) -> None:
    store = make_store("S01")
    code = _code(engine, store)
    first = _enrol(client, code)
    # the answer was lost: the same code and nonce before the till used its credential is the same till
    again = _enrol(client, code)
    assert again["terminal_id"] == first["terminal_id"]
    assert again["credential"] != first["credential"]
    till = {"Authorization": f"Device {again['credential']}"}
    assert client.get("/api/v1/devices/me", headers=till).status_code == 200  # the till is in use
    # anyone replaying the enrolment now (a copied data folder, a recorded request) is refused
    r = client.post("/api/v1/enroll", json={"code": code, "nonce": "n" * 32})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "enrolment_code_spent"
    assert "注册码已失效" in error["message"]
    assert "is spent" in error["message_en"]
    # … and the real till keeps its credential (also past the authentication cache)
    from central.auth.cache import auth_cache

    auth_cache.clear()
    assert client.get("/api/v1/devices/me", headers=till).status_code == 200
    assert _actions(engine, "auth.enrolment_code") == [
        ("auth.enrolment_code_refused", "enrolment_code_spent", "testclient")]
