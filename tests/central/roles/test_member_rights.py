"""Who may change what on a member (#10 §4.1): points adjustments are head office's (finance, admin),
audited; store staff change members of their own store only; a cashier changes contact fields only.
The API, the console pages and the Excel import all go through `central.members.service`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.auth.deps import user_principal
from central.db import session_scope
from central.errors import Forbidden
from central.members import service as members
from central.members.models import Member
from central.pricing.models import MemberLevel
from central.users.models import User

Headers = dict[str, str]


def _world(engine: Engine, make_store: Callable[..., int], make_user: Callable[..., int]) -> dict[str, Any]:
    s1, s2 = make_store("S01"), make_store("S02")
    for name, role, store in (("cash", "cashier", s1), ("mgr", "store_manager", s1), ("fin", "finance", None)):
        make_user(name, role=role, store_id=store)
    with session_scope(engine) as s:
        s.add(MemberLevel(code="gold", name="金卡"))
        mine = members.create_member(s, card_no="M001", phone="13800000001", name="张伟", home_store_id=s1).id
        theirs = members.create_member(s, card_no="M002", phone="13800000002", name="李娜", home_store_id=s2).id
    return {"s1": s1, "s2": s2, "mine": mine, "theirs": theirs}


def _member(engine: Engine, member_id: str) -> Member:
    with session_scope(engine, write=False) as s:
        m = s.get(Member, member_id)
        assert m is not None
        s.expunge(m)
        return m


def test_points_adjustment_is_head_office_only_and_audited(
        client: TestClient, engine: Engine, make_store: Callable[..., int], make_user: Callable[..., int],
        login: Callable[[str], Headers]) -> None:
    w = _world(engine, make_store, make_user)
    body = {"points": 5000, "note": "送"}
    # cashiers and store managers may not adjust points, on their own store's member or another's
    for who in ("cash", "mgr"):
        for member in (w["mine"], w["theirs"]):
            r = client.post(f"/api/v1/members/{member}/points/adjustments", headers=login(who), json=body)
            assert r.status_code == 403, (who, r.text)
            assert r.json()["error"]["code"] == "permission_denied"
    assert _member(engine, w["mine"]).points_balance == 0
    # head office (finance) may, and the adjustment is in the audit trail with its reason
    r = client.post(f"/api/v1/members/{w['theirs']}/points/adjustments", headers=login("fin"),
                    json={"points": 300, "note": "开业补送"})
    assert r.status_code == 201, r.text
    assert _member(engine, w["theirs"]).points_balance == 300
    with session_scope(engine, write=False) as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "member.points_adjust"))
        assert entry is not None
        assert (entry.actor_label, entry.entity_id, entry.reason) == ("fin", w["theirs"], "开业补送")
        assert entry.before == {"points_balance": 0}
        assert entry.after == {"points_balance": 300, "points": 300}


def test_cashier_changes_contact_fields_of_own_store_members_only(
        client: TestClient, engine: Engine, make_store: Callable[..., int], make_user: Callable[..., int],
        login: Callable[[str], Headers]) -> None:
    w = _world(engine, make_store, make_user)
    cash = login("cash")
    # their own store's member: name and phone yes (audited), level / card / active no
    r = client.patch(f"/api/v1/members/{w['mine']}", headers=cash, json={"phone": "13900000009", "name": "张三"})
    assert r.status_code == 200, r.text
    for change in ({"level": "gold"}, {"card_no": "X1"}, {"active": False}, {"phone": "13900000010", "level": "gold"}):
        r = client.patch(f"/api/v1/members/{w['mine']}", headers=cash, json=change)
        assert r.status_code == 403, (change, r.text)
        assert r.json()["error"]["field"] in change
    m = _member(engine, w["mine"])
    assert (m.phone, m.name, m.level, m.card_no, m.active) == ("13900000009", "张三", "normal", "M001", True)
    # another store's member: not even the phone, and not the level for their store manager either
    for who, change in (("cash", {"phone": "13900000011"}), ("mgr", {"level": "gold"}), ("mgr", {"name": "x"})):
        r = client.patch(f"/api/v1/members/{w['theirs']}", headers=login(who), json=change)
        assert r.status_code == 403, (who, change, r.text)
        assert r.json()["error"]["code"] == "other_store"
    m = _member(engine, w["theirs"])
    assert (m.phone, m.level, m.name) == ("13800000002", "normal", "李娜")
    # a cashier signs members up at their store at the normal level only
    r = client.post("/api/v1/members", headers=cash, json={"card_no": "M003", "level": "gold"})
    assert r.status_code == 403
    r = client.post("/api/v1/members", headers=cash, json={"card_no": "M003", "home_store_id": w["s2"]})
    assert r.status_code == 403
    r = client.post("/api/v1/members", headers=cash, json={"card_no": "M003"})
    assert r.status_code == 201
    assert r.json()["home_store_id"] == w["s1"]
    # the store manager manages their own store's members (level), audited with before → after
    r = client.patch(f"/api/v1/members/{w['mine']}", headers=login("mgr"), json={"level": "gold"})
    assert r.status_code == 200, r.text
    with session_scope(engine, write=False) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "member.update",
                                                  AuditEntry.entity_id == w["mine"]).order_by(AuditEntry.id)).all()
        assert [(e.actor_label, e.before, e.after) for e in rows] == [
            ("cash", {"phone": "13800000001", "name": "张伟"}, {"phone": "13900000009", "name": "张三"}),
            ("mgr", {"level": "normal"}, {"level": "gold"})]


def test_console_pages_refuse_the_same(client: TestClient, engine: Engine, make_store: Callable[..., int],
                                       make_user: Callable[..., int], console_login: Callable[..., str]) -> None:
    w = _world(engine, make_store, make_user)
    csrf = console_login("cash")
    page = client.get(f"/members/{w['mine']}")
    assert 'name="phone"' in page.text
    assert 'name="level"' not in page.text
    assert 'name="phone"' not in client.get(f"/members/{w['theirs']}").text  # another store's: read only
    r = client.post(f"/members/{w['theirs']}", data={"csrf": csrf, "phone": "13900000011", "name": "李娜"},
                    follow_redirects=False)
    assert r.status_code == 403
    r = client.post(f"/members/{w['mine']}", data={"csrf": csrf, "phone": "13900000012", "name": "张伟",
                                                    "level": "gold"}, follow_redirects=False)
    assert r.status_code == 303  # the level sent by hand is ignored: the form has no such field for them
    m = _member(engine, w["mine"])
    assert (m.phone, m.level) == ("13900000012", "normal")
    assert _member(engine, w["theirs"]).phone == "13800000002"
    csrf = console_login("mgr")
    r = client.post(f"/members/{w['mine']}/points", data={"csrf": csrf, "points": "500", "note": "送"})
    assert r.status_code == 403
    assert _member(engine, w["mine"]).points_balance == 0


def test_the_service_refuses_whoever_calls_it(engine: Engine, make_store: Callable[..., int],
                                             make_user: Callable[..., int]) -> None:
    # the Excel import and any future caller pass the principal to the same service
    w = _world(engine, make_store, make_user)
    with session_scope(engine) as s:
        cashier = user_principal(s.scalar(select(User).where(User.username == "cash")))
        for member, change in ((w["mine"], {"level": "gold"}), (w["theirs"], {"phone": "13900000013"})):
            found = s.get(Member, member)
            assert found is not None
            with pytest.raises(Forbidden):
                members.update_member(s, found, change, cashier, audited=False)
            with pytest.raises(Forbidden):
                members.adjust_points(s, found, points=10, note="x", user_id=None, who=cashier)
