"""Guessing passwords (#10 §5): after a few wrong passwords a username, and after more a client address,
backs off (30 s, then twice as long each time), answered 429 with Retry-After and the usual bilingual
body without checking the password; every failure is audited. The console's sign-in form is guarded
the same way. (The flood of logins against a real server: test_login_flood.py.)"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.auth.login_guard import LoginGuard
from central.auth.throttle import Policy, Throttle, address_key
from central.db import session_scope
from tests.central.conftest import PASSWORD


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object], dict[str, str]]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return r.status_code, r.json(), dict(r.headers)


def _audit(engine: Engine, entity_id: str) -> list[tuple[str, str | None, str | None, object]]:
    with session_scope(engine, write=False) as s:
        return [(a.action, a.client_address, a.reason, a.after) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "login", AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id))]


def test_a_username_backs_off_after_five_wrong_passwords_audited(
        app: FastAPI, client: TestClient, engine: Engine, make_user: Callable[..., int]) -> None:
    make_user("alice", role="admin")
    clock = Clock()
    guard: LoginGuard = app.state.login_guard
    guard.users.clock = guard.addresses.clock = clock
    for _ in range(5):
        status, body, _h = _login(client, "alice", "wrong")
        assert status == 401
        assert body["error"]["code"] == "bad_credentials"
    # now even the right password waits, without being checked
    status, body, headers = _login(client, "alice", PASSWORD)
    assert status == 429, body
    assert body["error"]["code"] == "login_locked"
    assert "秒后再试" in body["error"]["message"]
    assert "try again in 30 s" in body["error"]["message_en"]
    assert headers["retry-after"] == "30"
    rows = _audit(engine, "alice")
    assert [r[0] for r in rows] == ["auth.login_failed"] * 4 + ["auth.login_locked"]
    assert all(r[1] == "testclient" and r[2] == "bad_credentials" for r in rows)
    assert rows[-1][3] == {"locked_seconds": 30}
    # another user from the same address is not held up by alice's back-off
    make_user("bob", role="admin")
    assert _login(client, "bob", PASSWORD)[0] == 200
    # after the back-off one more wrong password doubles it; then the right one works and clears it
    clock.now += 31
    assert _login(client, "alice", "wrong")[0] == 401
    status, body, headers = _login(client, "alice", PASSWORD)
    assert status == 429
    assert headers["retry-after"] == "60"
    clock.now += 61
    assert _login(client, "alice", PASSWORD)[0] == 200
    assert _login(client, "alice", "wrong")[0] == 401  # counting starts over
    assert _login(client, "alice", PASSWORD)[0] == 200


def test_a_client_address_backs_off_after_many_failures_across_usernames(
        app: FastAPI, client: TestClient, make_user: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POS_LOGIN_ADDRESS_MAX_FAILURES", "6")
    app.state.login_guard = LoginGuard()
    make_user("carol", role="admin")
    for i in range(6):  # one wrong try each for six made-up names: no username reaches its own limit
        assert _login(client, f"nobody{i}", "guess")[0] == 401
    status, body, headers = _login(client, "carol", PASSWORD)
    assert status == 429
    assert body["error"]["code"] == "login_locked"
    assert int(headers["retry-after"]) == 30
    # another address is not affected
    with TestClient(app, client=("203.0.113.7", 40000)) as other:
        assert _login(other, "carol", PASSWORD)[0] == 200


def test_the_console_sign_in_form_backs_off_too(client: TestClient, engine: Engine,
                                                make_user: Callable[..., int]) -> None:
    make_user("dora", role="admin")

    def sign_in(password: str) -> tuple[int, str, dict[str, str]]:
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        r = client.post("/login", data={"username": "dora", "password": password, "csrf": token.group(1),
                                        "next": "/"}, follow_redirects=False)
        return r.status_code, r.text, dict(r.headers)

    for _ in range(5):
        status, text, _h = sign_in("wrong")
        assert status == 200
        assert "用户名或密码错误" in text
    status, text, headers = sign_in(PASSWORD)
    assert status == 429
    assert "登录失败次数过多" in text
    assert headers["retry-after"] == "30"
    assert [r[0] for r in _audit(engine, "dora")][-1] == "auth.login_locked"


def test_backoff_doubles_up_to_its_cap_and_is_forgotten_after_a_quiet_spell() -> None:
    clock = Clock()
    throttle = Throttle(Policy(max_failures=2, base_seconds=30, max_seconds=100), clock=clock)
    assert [throttle.failure("k") for _ in range(2)] == [0, 30]
    assert throttle.retry_after("k") == 30
    clock.now += 30
    assert throttle.retry_after("k") == 0
    assert throttle.failure("k") == 60
    clock.now += 60
    assert throttle.failure("k") == 100  # capped
    clock.now += 100 + 101  # quiet for longer than the cap: forgotten
    assert throttle.failure("k") == 0


def test_distinct_secrets_only_and_bounded_memory() -> None:
    throttle = Throttle(Policy(max_failures=3, base_seconds=30, max_seconds=100, distinct=True), max_keys=10)
    assert throttle.failure("10.0.0.1", "1:stale") == 0
    for _ in range(20):  # a till repeating its own stale credential is not guessing
        assert throttle.failure("10.0.0.1", "1:stale") is None
    assert throttle.retry_after("10.0.0.1") == 0
    # the stale credential counted once; two guesses more make three
    assert [throttle.failure("10.0.0.1", f"1:guess{i}") for i in range(2)] == [0, 30]
    for i in range(1000):
        throttle.failure(f"addr{i}", "x")
    assert len(throttle._records) == 10


def test_ipv6_addresses_are_throttled_by_their_slash_64() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_key("192.0.2.1") == "192.0.2.1"
    assert address_key(None) == "?"
