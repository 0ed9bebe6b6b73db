"""Sessions end when they should (#10 §4.4): a new password, a disabled user, another role or store
revoke every token of the user (API tokens and console cookie sessions alike); tokens are short-lived
(an idle hour) and slide while used, never past SESSION_MAX after sign-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.auth.models import ApiToken
from central.auth.service import SESSION_MAX, TOKEN_LIFETIME
from central.auth.tokens import digest
from central.db import session_scope, utcnow

Headers = dict[str, str]


def _ok(client: TestClient, headers: Headers) -> bool:
    r = client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


@pytest.mark.parametrize(("change", "ends"), [
    ({"password": "a-new-password-1"}, True),
    ({"role": "store_manager"}, True),
    ({"store_id": "other"}, True),
    ({"active": False}, True),
    ({"pin": "482916", "display_name": "Amy W."}, False),
])
def test_changes_that_end_every_session(client: TestClient, admin: Headers, make_store: Callable[..., int],
                                        make_user: Callable[..., int], login: Callable[[str], Headers],
                                        console_login: Callable[..., str], change: dict[str, Any],
                                        ends: bool) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    amy = make_user("amy", role="cashier", store_id=s1)
    first, second = login("amy"), login("amy")
    console_login("amy")  # and a console session in the client's cookie
    assert client.get("/", follow_redirects=False).status_code == 200
    body = {k: (s2 if v == "other" else v) for k, v in change.items()}
    r = client.patch(f"/api/v1/users/{amy}", headers=admin, json=body)
    assert r.status_code == 200, r.text
    assert (_ok(client, first), _ok(client, second)) == (not ends, not ends)
    page = client.get("/", follow_redirects=False)
    assert page.status_code == (303 if ends else 200), page.status_code
    if change == {"active": False}:  # enabled again: the old sessions stay ended
        assert client.patch(f"/api/v1/users/{amy}", headers=admin, json={"active": True}).status_code == 200
        assert not _ok(client, first)
    if ends and "password" in change:
        assert _ok(client, login("amy", "a-new-password-1"))  # signing in again works


def test_tokens_are_short_lived_and_slide_while_used(client: TestClient, engine: Engine,
                                                      make_user: Callable[..., int],
                                                      login: Callable[[str], Headers]) -> None:
    make_user("amy", role="finance")
    headers = login("amy")
    token_hash = digest(headers["Authorization"].split()[1])

    def set_times(*, created_ago: timedelta, expires_in: timedelta) -> None:
        with session_scope(engine) as s:  # an ORM change: the auth cache forgets the token
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
            assert row is not None
            row.created_at, row.expires_at = utcnow() - created_ago, utcnow() + expires_in

    def expires_in() -> timedelta:
        with session_scope(engine, write=False) as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
            assert row is not None
            return row.expires_at - utcnow()

    assert TOKEN_LIFETIME <= timedelta(hours=1)
    assert timedelta(minutes=59) < expires_in() <= TOKEN_LIFETIME
    # used in its first half: left alone
    assert _ok(client, headers)
    assert expires_in() > TOKEN_LIFETIME - timedelta(minutes=1)
    # used in its second half: extended by a lifetime
    set_times(created_ago=timedelta(hours=2), expires_in=timedelta(minutes=10))
    assert _ok(client, headers)
    assert expires_in() > TOKEN_LIFETIME - timedelta(minutes=1)
    # but never past SESSION_MAX after sign-in
    set_times(created_ago=SESSION_MAX - timedelta(minutes=5), expires_in=timedelta(minutes=5))
    assert _ok(client, headers)
    assert expires_in() <= timedelta(minutes=5)
    # an expired token is refused
    set_times(created_ago=timedelta(hours=2), expires_in=timedelta(seconds=-1))
    assert not _ok(client, headers)
