"""The audit trail: rows land with the change they describe, carry actor and client address,
and only those allowed read them back (`GET /api/v1/audit`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.api.deps import SessionDep
from central.audit import service as audit
from central.audit.models import AuditEntry
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission, Role
from central.db import session_scope
from tests.central.test_users import Headers


def _count(engine: Engine) -> int:
    with session_scope(engine, write=False) as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_record_adds_to_the_callers_transaction_and_history_reads_newest_first(engine: Engine) -> None:
    # given two audited changes of one product and one of another, by the system
    with session_scope(engine) as s:
        audit.record(s, actor=None, action="product.update", entity_type="product", entity_id=7,
                     before={"name": "旧"}, after={"name": "新", "at": datetime(2025, 1, 2, tzinfo=UTC),
                                                  "role": Role.CASHIER}, reason="改名")
        audit.record(s, actor=None, action="product.update", entity_type="product", entity_id="7",
                     after={"price_fen": 500})
        audit.record(s, actor=None, action="product.update", entity_type="product", entity_id=8)
    # when the history of product 7 is read
    with session_scope(engine, write=False) as s:
        rows = audit.history(s, entity_type="product", entity_id=7)
        # then it holds its two rows, newest first, with JSON-able images
        assert [r.after for r in rows] == [{"price_fen": 500},
                                           {"name": "新", "at": "2025-01-02T00:00:00+00:00", "role": "cashier"}]
        assert rows[1].before == {"name": "旧"}
        assert rows[1].reason == "改名"
        assert rows[1].actor_label == "system"
        assert rows[1].actor_user_id is None
        assert rows[1].at.tzinfo is not None
        assert len(audit.history(s, entity_type="product", entity_id=7, limit=1)) == 1


def test_a_rolled_back_change_leaves_no_audit_row(engine: Engine) -> None:
    def change_that_fails() -> None:
        with session_scope(engine) as s:
            audit.record(s, actor=None, action="product.update", entity_type="product", entity_id=1)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert _count(engine) == 0


def test_changed_fields_keeps_only_what_differs() -> None:
    before, after = audit.changed_fields({"a": 1, "b": "x", "c": None}, {"a": 1, "b": "y", "c": None})
    assert (before, after) == ({"b": "x"}, {"b": "y"})


def _audited_app(app: FastAPI) -> FastAPI:
    """The app with one extra endpoint that records an audit row as its caller (a stand-in for a
    domain endpoint; domain call sites are tested in their own tests)."""

    # the caller first, then the session: a terminal's first request marks its credential used (a
    # write), which on SQLite must come before this request's own write transaction opens — the
    # API's real routes get that order from the request gate, which authenticates before any
    # endpoint runs, but a route added after the app was built is not in the gate's schema
    def touch(request: Request, *, who: Principal = require(Permission.ORG_READ),
              session: SessionDep) -> dict[str, str]:
        audit.record(session, actor=who, action="thing.touch", entity_type="thing", entity_id=1,
                     after={"path": request.url.path})
        return {"ok": "yes"}

    app.add_api_route("/api/v1/test-touch", touch, methods=["POST"])
    return app


def test_actor_and_client_address_come_from_the_request(app: FastAPI, admin: Headers, engine: Engine,
                                                        make_store: Callable[..., int]) -> None:
    _audited_app(app)
    s1 = make_store("S01")
    with TestClient(app, client=("10.1.2.3", 5555)) as client:
        assert client.post("/api/v1/test-touch", headers=admin).status_code == 200
        code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
        enrolled = client.post("/api/v1/enroll", json={"code": code}).json()
        device = {"Authorization": f"Device {enrolled['credential']}"}
        assert client.post("/api/v1/test-touch", headers=device).status_code == 200
    with session_scope(engine, write=False) as s:
        device_row, user_row = audit.history(s, entity_type="thing", entity_id=1)
    assert user_row.actor_label == "admin"
    assert user_row.actor_user_id is not None
    assert user_row.client_address == "10.1.2.3"
    assert device_row.actor_terminal_id == enrolled["terminal_id"]
    assert device_row.actor_label == enrolled["terminal_code"]
    assert device_row.actor_user_id is None


def test_head_office_reads_the_trail_filtered_by_entity(client: TestClient, admin: Headers, engine: Engine) -> None:
    with session_scope(engine) as s:
        for entity_id in (1, 2, 2):
            audit.record(s, actor=None, action="member.points_adjust", entity_type="member", entity_id=entity_id,
                         after={"points": entity_id})
        audit.record(s, actor=None, action="product.update", entity_type="product", entity_id=2)
    r = client.get("/api/v1/audit", params={"entity_type": "member", "entity_id": "2"}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2
    assert [i["action"] for i in body["items"]] == ["member.points_adjust"] * 2
    assert body["items"][0]["id"] > body["items"][1]["id"]
    assert client.get("/api/v1/audit", params={"action": "product.update"}, headers=admin).json()["total"] == 1
    assert client.get("/api/v1/audit", headers=admin).json()["total"] == 4


def test_only_head_office_reads_the_trail(client: TestClient, make_store: Callable[..., int],
                                          make_user: Callable[..., int], login: Callable[[str], Headers],
                                          admin: Headers) -> None:
    s1 = make_store("S01")
    for username, role, store in (("mgr", "store_manager", s1), ("cash", "cashier", s1), ("fin", "finance", None),
                                  ("wh", "warehouse", None), ("rep", "sales_rep", s1)):
        make_user(username, role=role, store_id=store)
        r = client.get("/api/v1/audit", headers=login(username))
        assert r.status_code == 403, (username, r.text)
        assert r.json()["error"]["code"] == "permission_denied"
    code = client.post("/api/v1/enrolment-codes", json={"store_id": s1}, headers=admin).json()["code"]
    cred = client.post("/api/v1/enroll", json={"code": code}).json()["credential"]
    assert client.get("/api/v1/audit", headers={"Authorization": f"Device {cred}"}).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401


def test_a_control_character_in_a_filter_is_refused(client: TestClient, admin: Headers) -> None:
    r = client.get("/api/v1/audit", params={"entity_id": "a\x00b"}, headers=admin)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "entity_id"
