"""The review list (`central/review/`): flags added by `flag(...)`, listed and resolved over the API
and the `pos-central review` command, with each role's scope and every denial proven."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.auth.roles import DeviceKind
from central.cli import main
from central.db import session_scope
from central.org import service as org
from central.review.service import flag

Headers = dict[str, str]


def _flag(engine: Engine, store_id: int | None, *, kind: str = "points_mismatch", subject: str = "S01-01-000001") -> None:
    with session_scope(engine) as s:
        flag(s, kind=kind, store_id=store_id, terminal_id=7 if store_id else None, event_id="0190-abc",
             claimed={"points_earned": 5_000_000}, computed={"points_earned": 10},
             message_zh="声称积分 5000000，按规则应为 10，已按 10 入账", message_en="claimed 5000000 points, rules give 10; "
             "credited 10", subject=subject)


@pytest.fixture
def stores(make_store: Callable[..., int]) -> tuple[int, int]:
    return make_store("S01"), make_store("S02")


def test_head_office_lists_and_resolves_a_flag(client: TestClient, engine: Engine, admin: Headers,
                                               stores: tuple[int, int], make_user: Callable[..., int],
                                               login: Callable[[str], Headers]) -> None:
    s1, s2 = stores
    _flag(engine, s1)
    _flag(engine, s2, kind="price_unverified", subject="S02-01-000009")
    r = client.get("/api/v1/review/flags", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2
    newest = body["items"][0]
    assert newest["kind"] == "price_unverified"
    assert newest["kind_name"] == "价格无法核实"
    first = body["items"][1]
    assert first["claimed"] == {"points_earned": 5_000_000}
    assert first["computed"] == {"points_earned": 10}
    assert first["status"] == "open"
    assert first["subject"] == "S01-01-000001"
    assert client.get("/api/v1/review/flags", params={"store_id": s2}, headers=admin).json()["total"] == 1
    assert client.get("/api/v1/review/flags", params={"kind": "points_mismatch"}, headers=admin).json()["total"] == 1

    make_user("fin", role="finance")
    fin = login("fin")
    r = client.post(f"/api/v1/review/flags/{first['id']}/resolve", json={"note": "收银员误操作，已口头提醒"}, headers=fin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved"
    assert r.json()["resolution_note"] == "收银员误操作，已口头提醒"
    assert r.json()["resolved_by"] is not None
    assert r.json()["resolved_at"]
    assert client.get("/api/v1/review/flags", headers=admin).json()["total"] == 1
    assert client.get("/api/v1/review/flags", params={"status": "all"}, headers=admin).json()["total"] == 2
    again = client.post(f"/api/v1/review/flags/{first['id']}/resolve", json={"note": "x"}, headers=fin)
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "already_resolved"


def test_each_denial(client: TestClient, engine: Engine, admin: Headers, stores: tuple[int, int],
                     make_user: Callable[..., int], login: Callable[[str], Headers]) -> None:
    s1, s2 = stores
    _flag(engine, s1)
    _flag(engine, s2)
    _flag(engine, None, kind="stored_value_overdraw", subject="API")
    ids = {f["store_id"]: f["id"] for f in client.get("/api/v1/review/flags", headers=admin).json()["items"]}

    assert client.get("/api/v1/review/flags").status_code == 401
    make_user("mgr1", role="store_manager", store_id=s1)
    mgr = login("mgr1")
    mine = client.get("/api/v1/review/flags", headers=mgr)
    assert mine.status_code == 200
    assert [f["store_id"] for f in mine.json()["items"]] == [s1]
    assert client.get("/api/v1/review/flags", params={"store_id": s2}, headers=mgr).status_code == 403
    assert client.get(f"/api/v1/review/flags/{ids[s2]}", headers=mgr).status_code == 403
    assert client.get(f"/api/v1/review/flags/{ids[None]}", headers=mgr).status_code == 403
    assert client.get(f"/api/v1/review/flags/{ids[s1]}", headers=mgr).status_code == 200
    # a store manager reads their store's flags but does not resolve them (head office does)
    denied = client.post(f"/api/v1/review/flags/{ids[s1]}/resolve", json={"note": "ok"}, headers=mgr)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"

    make_user("cash1", role="cashier", store_id=s1)
    assert client.get("/api/v1/review/flags", headers=login("cash1")).status_code == 403
    with session_scope(engine) as s:
        code, _ = org.make_enrolment_code(s, store_id=s1, kind=DeviceKind.POS)
    cred = client.post("/api/v1/enroll", json={"code": code}).json()
    device = {"Authorization": f"Device {cred['credential']}"}
    assert client.get("/api/v1/review/flags", headers=device).status_code == 403

    empty = client.post(f"/api/v1/review/flags/{ids[s1]}/resolve", json={"note": "  "}, headers=admin)
    assert empty.status_code == 422
    nul = client.post(f"/api/v1/review/flags/{ids[s1]}/resolve", json={"note": "a\u0000b"}, headers=admin)
    assert nul.status_code == 422
    assert client.post("/api/v1/review/flags/999999/resolve", json={"note": "x"}, headers=admin).status_code == 404


def test_cli_lists_and_resolves(db_url: str, engine: Engine, stores: tuple[int, int], make_user: Callable[..., int],
                                capsys: pytest.CaptureFixture[str]) -> None:
    s1, s2 = stores
    _flag(engine, s1)
    _flag(engine, s2, kind="price_unverified")
    assert main(["review", "list", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "积分与规则不符" in out
    assert "价格无法核实" in out
    assert "5000000" in out
    assert "credited 10" in out
    assert main(["review", "list", "--db", db_url, "--store", "S02", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["kind"] for r in rows] == ["price_unverified"]
    make_user("boss", role="admin")
    assert main(["review", "resolve", str(rows[0]["id"]), "--note", "价格改过，已核实", "--by", "boss",
                 "--db", db_url]) == 0
    assert "已处理" in capsys.readouterr().out
    assert main(["review", "resolve", str(rows[0]["id"]), "--note", "again", "--db", db_url]) == 1
    assert "already resolved" in capsys.readouterr().err
    assert main(["review", "list", "--db", db_url, "--status", "resolved", "--json"]) == 0
    done = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert done[0]["resolution_note"] == "价格改过，已核实"
    assert done[0]["resolved_by"] is not None
    assert main(["review", "list", "--db", db_url, "--store", "S99"]) == 1
