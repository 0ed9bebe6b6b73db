"""Terminals, sync review and administration pages: enrolment codes that work, revocation that bites,
store scope for store managers, and who may administer what."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.db import session_scope
from central.review import service as review
from central.users.models import User


def _code_of(html: str) -> str:
    m = re.search(r'id="enrolment-code">([A-Z0-9-]+)<', html)
    assert m, html
    return m.group(1)


def test_enrol_and_revoke_a_till(client: TestClient, engine: Engine, make_store: Callable[..., int],
                                 make_user: Callable[..., int], console_login: Callable[..., str]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("mgr", role="store_manager", store_id=s1)
    csrf = console_login("mgr")
    page = client.post("/terminals/enrol", data={"csrf": csrf, "store_id": str(s1), "kind": "pos", "ttl_hours": "2"})
    assert page.status_code == 200
    assert "<svg" in page.text
    assert page.headers["cache-control"] == "no-store"
    code = _code_of(page.text)
    enrolled = client.post("/api/v1/enroll", json={"code": code, "nonce": secrets.token_urlsafe(24)})
    assert enrolled.status_code == 201, enrolled.text
    device = {"Authorization": f"Device {enrolled.json()['credential']}"}
    assert client.get("/api/v1/devices/me", headers=device).status_code == 200
    other = client.post("/terminals/enrol", data={"csrf": csrf, "store_id": str(s2), "kind": "pos"})
    assert other.status_code == 200
    assert "enrolment-code" not in other.text
    assert "其他门店" in other.text
    listed = client.get("/terminals")
    assert "S01-POS01" in listed.text
    tid = enrolled.json()["terminal_id"]
    revoked = client.post(f"/terminals/{tid}/revoke", data={"csrf": csrf, "reason": "丢失"}, follow_redirects=False)
    assert revoked.status_code == 303
    assert client.get("/api/v1/devices/me", headers=device).status_code == 401
    with session_scope(engine, write=False) as s:
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"enrolment_code.create", "terminal.revoke"} <= actions
    assert "丢失" in client.get(f"/terminals/{tid}").text


def test_flags_resolved_with_a_note_in_scope(client: TestClient, engine: Engine, make_store: Callable[..., int],
                                             make_user: Callable[..., int], console_login: Callable[..., str]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("mgr", role="store_manager", store_id=s1)
    make_user("fin", role="finance")
    with session_scope(engine) as s:
        for store in (s1, s2):
            review.flag(s, kind="points_mismatch", store_id=store, terminal_id=None, event_id=None,
                        claimed={"points_earned": 5000}, computed={"points_earned": 10},
                        message_zh=f"门店{store}积分不符", message_en=f"store {store} points")
    console_login("mgr")
    own = client.get("/sync/flags")
    assert f"门店{s1}积分不符" in own.text
    assert f"门店{s2}积分不符" not in own.text
    assert "标记处理" not in own.text  # store managers read, head office resolves
    csrf = console_login("fin")
    flag_id = int(re.findall(r'action="/sync/flags/(\d+)"', client.get("/sync/flags").text)[0])
    assert client.post(f"/sync/flags/{flag_id}", data={"csrf": csrf, "note": " "}).status_code == 422
    ok = client.post(f"/sync/flags/{flag_id}", data={"csrf": csrf, "note": "已与店长核实"}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/sync/flags").text.count('action="/sync/flags/') == 1


def test_administration_by_role(client: TestClient, engine: Engine, make_store: Callable[..., int],
                                make_user: Callable[..., int], console_login: Callable[..., str]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("boss", role="admin")
    make_user("mgr", role="store_manager", store_id=s1)
    make_user("cash", role="cashier", store_id=s1)
    make_user("other", role="cashier", store_id=s2)
    csrf = console_login("mgr")
    users = client.get("/admin/users")
    assert "cash" in users.text
    assert "other" not in users.text
    made = client.post("/admin/users", data={"csrf": csrf, "username": "cash2", "display_name": "新收银",
                                             "role": "cashier", "store_id": str(s1), "pin": "4321", "active": "on"},
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    boss = client.post("/admin/users", data={"csrf": csrf, "username": "boss2", "display_name": "x", "role": "admin",
                                             "active": "on", "password": "long enough 1"})
    assert boss.status_code == 200
    assert "管理员" in boss.text
    assert client.post("/admin/stores", data={"csrf": csrf, "code": "S09", "name": "新店"}).status_code == 403
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(User.id).where(User.username == "boss2")) is None
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
        assert entry is not None
        assert "pin" not in (entry.after or {})
    csrf = console_login("cash")
    for path in ("/admin/users", "/admin/stores", "/terminals", "/terminals/enrol", "/sync/flags"):
        assert client.get(path).status_code == 403, path
    csrf = console_login("boss")
    created = client.post("/admin/stores", data={"csrf": csrf, "code": "S09", "name": "新店", "rounding_mode": "none",
                                                 "receipt_language": "zh-CN"}, follow_redirects=False)
    assert created.status_code == 303
    assert "S09-W1" in client.get("/admin/warehouses").text
