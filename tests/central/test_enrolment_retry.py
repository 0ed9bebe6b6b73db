"""Enrolment is safe to retry: a terminal that lost central's answer to POST /enroll sends the same
code with the same nonce again and gets the same terminal with a new secret (the first one stops
working); another nonce, no nonce, an expired code or a revoked terminal are still refused.
Every test runs on SQLite and PostgreSQL (the fixtures of tests/central/conftest.py)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from central.auth.deps import authenticate_device
from central.auth.roles import DeviceKind
from central.db import dispose_engine, get_engine, session_scope, utcnow
from central.errors import Invalid, Unauthorized
from central.migrations import upgrade
from central.org import service
from central.org.models import EnrolmentCode, Terminal

Headers = dict[str, str]


def _nonce() -> str:
    return secrets.token_urlsafe(32)


def _code(engine: Engine, store_id: int) -> str:
    with session_scope(engine) as s:
        code, _ = service.make_enrolment_code(s, store_id=store_id, kind=DeviceKind.POS)
    return code


def _terminal_count(engine: Engine) -> int:
    with session_scope(engine, write=False) as s:
        return int(s.scalar(select(func.count(Terminal.id))) or 0)


def _me(client: TestClient, credential: object) -> int:
    return client.get("/api/v1/devices/me", headers={"Authorization": f"Device {credential}"}).status_code


# ------------------------------------------------------------------ service

def test_service_same_nonce_gives_the_same_terminal_and_a_new_secret(
        engine: Engine, make_store: Callable[..., int]) -> None:
    s1 = make_store("S01")
    code, nonce = _code(engine, s1), _nonce()
    with session_scope(engine) as s:
        first, secret1 = service.enroll(s, code=code, nonce=nonce)
        first_id = first.id
    # the answer is lost; the terminal asks again with the same code and nonce
    with session_scope(engine) as s:
        again, secret2 = service.enroll(s, code=code, nonce=nonce)
        assert again.id == first_id
        assert secret2 != secret1
    with session_scope(engine, write=False) as s:
        assert authenticate_device(s, f"{first_id}:{secret2}").terminal_id == first_id
        with pytest.raises(Unauthorized) as old:
            authenticate_device(s, f"{first_id}:{secret1}")
        assert old.value.code == "unknown_device"
        row = s.scalars(select(EnrolmentCode)).one()
        # only a digest of the nonce is kept
        assert row.nonce_hash == hashlib.sha256(nonce.encode()).hexdigest()
        assert row.terminal_id == first_id
    assert _terminal_count(engine) == 1


def test_service_refuses_another_nonce_no_nonce_and_expiry(engine: Engine, make_store: Callable[..., int],
                                                           session: Session) -> None:
    s1 = make_store("S01")
    code, nonce = _code(engine, s1), _nonce()
    with session_scope(engine) as s:
        terminal, secret = service.enroll(s, code=code, nonce=nonce)
    for other in (_nonce(), None):
        with session_scope(engine) as s, pytest.raises(Invalid) as refused:
            service.enroll(s, code=code, nonce=other)
        assert refused.value.code == "enrolment_code_used"
        assert refused.value.field == "code"
    later = utcnow() + timedelta(hours=25)  # the code lived 24 h
    with session_scope(engine) as s, pytest.raises(Invalid) as expired:
        service.enroll(s, code=code, nonce=nonce, now=later)
    assert expired.value.code == "enrolment_code_expired"
    # nothing changed: one terminal, its credential still works
    assert _terminal_count(engine) == 1
    assert authenticate_device(session, f"{terminal.id}:{secret}").terminal_id == terminal.id


# ------------------------------------------------------------------ API

def test_lost_answer_then_retry_with_the_same_code_and_nonce(client: TestClient, admin: Headers,
                                                             make_store: Callable[..., int], engine: Engine) -> None:
    s1 = make_store("S01")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    nonce = _nonce()
    first = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce, "name": "1号收银台"})
    assert first.status_code == 201, first.text
    lost = first.json()  # central committed; the answer never reached the till, which never used it

    # the retry: the code typed differently, same nonce
    retry = client.post("/api/v1/enroll", json={"code": code.lower().replace("-", " "), "nonce": nonce,
                                                "name": "1号收银台"})
    assert retry.status_code == 201, retry.text
    got = retry.json()
    assert {k: got[k] for k in ("terminal_id", "terminal_code", "store_id", "store_code", "kind", "rep_id")} == \
        {k: lost[k] for k in ("terminal_id", "terminal_code", "store_id", "store_code", "kind", "rep_id")}
    assert got["terminal_code"] == "S01-POS01"
    assert got["secret"] != lost["secret"]
    assert got["credential"] == f"{got['terminal_id']}:{got['secret']}"
    # a third answer is as good (the till may lose several)
    third = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce}).json()
    assert third["terminal_id"] == got["terminal_id"]
    # the last credential works, the earlier ones no longer do
    assert _me(client, third["credential"]) == 200
    for earlier in (lost, got):
        old = client.get("/api/v1/devices/me", headers={"Authorization": f"Device {earlier['credential']}"})
        assert old.status_code == 401
        assert old.json()["error"]["code"] == "unknown_device"
    # no orphan terminal; the listing shows the one
    assert _terminal_count(engine) == 1
    listed = client.get("/api/v1/terminals", headers=admin).json()
    assert [t["code"] for t in listed["items"]] == ["S01-POS01"]
    # the till has used its credential: from now on the code is spent (test_guessing_and_replay.py)
    spent = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce})
    assert spent.json()["error"]["code"] == "enrolment_code_spent"
    assert _me(client, third["credential"]) == 200


def test_same_code_with_another_nonce_or_none_is_refused(client: TestClient, admin: Headers,
                                                         make_store: Callable[..., int], engine: Engine) -> None:
    s1 = make_store("S01")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    mine = client.post("/api/v1/enroll", json={"code": code, "nonce": _nonce()})
    assert mine.status_code == 201
    for body in ({"code": code, "nonce": _nonce()}, {"code": code}):
        r = client.post("/api/v1/enroll", json=body)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "enrolment_code_used"
        assert error["field"] == "code"
        assert "已被使用" in error["message"]
        assert "重新生成" in error["message"]
        assert "already been used" in error["message_en"]
    assert _terminal_count(engine) == 1
    assert _me(client, mine.json()["credential"]) == 200  # the rightful terminal is untouched


def test_retry_after_expiry_is_refused(client: TestClient, make_store: Callable[..., int], engine: Engine) -> None:
    s1 = make_store("S01")
    code, nonce = _code(engine, s1), _nonce()
    first = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce})
    assert first.status_code == 201
    with session_scope(engine) as s:
        s.scalars(select(EnrolmentCode)).one().expires_at = utcnow() - timedelta(seconds=1)
    r = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "enrolment_code_expired"
    assert "过期" in error["message"]
    assert "expired" in error["message_en"]
    assert _terminal_count(engine) == 1
    assert _me(client, first.json()["credential"]) == 200
    # and an unused code with a nonce after expiry, as before
    code2 = _code(engine, s1)
    with session_scope(engine) as s:
        s.scalars(select(EnrolmentCode).where(EnrolmentCode.used_at.is_(None))).one().expires_at = \
            utcnow() - timedelta(seconds=1)
    r2 = client.post("/api/v1/enroll", json={"code": code2, "nonce": _nonce()})
    assert r2.json()["error"]["code"] == "enrolment_code_expired"


def test_retry_for_a_revoked_terminal_is_refused(client: TestClient, admin: Headers,
                                                 make_store: Callable[..., int]) -> None:
    s1 = make_store("S01")
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    nonce = _nonce()
    first = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce}).json()
    assert client.post(f"/api/v1/terminals/{first['terminal_id']}/revoke", json={},
                       headers=admin).status_code == 200
    r = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "enrolment_terminal_revoked"
    assert "吊销" in error["message"]
    assert "revoked" in error["message_en"]


def test_without_a_nonce_the_code_stays_single_use(client: TestClient, make_store: Callable[..., int],
                                                   engine: Engine) -> None:
    s1 = make_store("S01")
    code = _code(engine, s1)
    assert client.post("/api/v1/enroll", json={"code": code}).status_code == 201
    # a till that sent no nonce cannot be impersonated by one that makes one up afterwards
    for body in ({"code": code}, {"code": code, "nonce": _nonce()}):
        r = client.post("/api/v1/enroll", json=body)
        assert r.json()["error"]["code"] == "enrolment_code_used"
    with session_scope(engine, write=False) as s:
        assert s.scalars(select(EnrolmentCode.nonce_hash)).one() is None
    assert _terminal_count(engine) == 1


@pytest.mark.parametrize("nonce", ["short", "x" * 129, "a" * 30 + "!", "a" * 30 + " ", 12345678901234567890123])
def test_malformed_nonce_is_a_validation_error(client: TestClient, make_store: Callable[..., int],
                                               engine: Engine, nonce: object) -> None:
    code = _code(engine, make_store("S01"))
    r = client.post("/api/v1/enroll", json={"code": code, "nonce": nonce})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
    assert r.json()["error"]["field"] == "nonce"
    with session_scope(engine, write=False) as s:
        assert s.scalars(select(EnrolmentCode.used_at)).one() is None


# ------------------------------------------------------------------ migration

def test_0005_adds_the_nonce_column_to_codes_already_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite3"
    upgrade(url, "0004_store_settings")
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO stores (code, name, rounding_mode, receipt_language, active, created_at, "
                          "updated_at) VALUES ('S01', 'x', 'none', 'zh-CN', 1, :t, :t)"), {"t": utcnow()})
        conn.execute(text("INSERT INTO enrolment_codes (code_hash, store_id, kind, created_at, expires_at, used_at) "
                          "VALUES ('h', 1, 'pos', :t, :t, :t)"), {"t": utcnow()})
    dispose_engine(url)
    upgrade(url)
    engine = get_engine(url)
    assert "nonce_hash" in {c["name"] for c in inspect(engine).get_columns("enrolment_codes")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT nonce_hash FROM enrolment_codes")).scalar_one() is None
    dispose_engine(url)
