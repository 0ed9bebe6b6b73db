"""The stored-value and vouchers API: head office sets rules and issues vouchers, tills look them up,
every change is audited, bad input changes nothing, and each role is refused what is not its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit import service as audit
from central.db import session_scope
from central.members.models import Member
from central.vouchers.models import Voucher
from sync.events import uuid7
from sync.vouchers import is_voucher_code

Headers = dict[str, str]


@pytest.fixture
def shop(client: TestClient, admin: Headers, engine: Engine, make_store: Callable[..., int],
         make_user: Callable[..., int], login: Callable[[str], Headers]) -> dict[str, Any]:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("cashier1", role="cashier", store_id=s1)
    make_user("finance1", role="finance")
    make_user("manager2", role="store_manager", store_id=s2)
    with session_scope(engine) as s:
        member = Member(id=uuid7(), card_no="M0001", phone="13800000001", name="张三", home_store_id=s1)
        s.add(member)
    devices = {}
    for store in (s1, s2):
        code = client.post("/api/v1/enrolment-codes", json={"store_id": store}, headers=admin).json()["code"]
        cred = client.post("/api/v1/enroll", json={"code": code}).json()["credential"]
        devices[store] = {"Authorization": f"Device {cred}"}
    return {"s1": s1, "s2": s2, "member": member.id, "admin": admin, "cashier": login("cashier1"),
            "finance": login("finance1"), "manager2": login("manager2"), "till1": devices[s1], "till2": devices[s2]}


def test_bonus_rules_are_set_by_head_office_and_quoted_to_tills(client: TestClient, shop: dict[str, Any],
                                                                engine: Engine) -> None:
    r = client.post("/api/v1/stored-value/rules", headers=shop["admin"],
                    json={"name": "充500送50", "min_topup_fen": 50_000, "bonus_fen": 5_000})
    assert r.status_code == 201, r.text
    rule = r.json()
    client.post("/api/v1/stored-value/rules", headers=shop["admin"],
                json={"name": "S02 充1000送15%", "min_topup_fen": 100_000, "bonus_bp": 1500, "store_ids": [shop["s2"]]})
    quote = client.get("/api/v1/stored-value/bonus-quote?amount_fen=100000", headers=shop["till1"]).json()
    assert (quote["bonus_fen"], quote["rule_id"]) == (5_000, rule["id"])  # S02's richer rule is not for S01
    quote2 = client.get("/api/v1/stored-value/bonus-quote?amount_fen=100000", headers=shop["till2"]).json()
    assert quote2["bonus_fen"] == 15_000
    assert client.get(f"/api/v1/stored-value/bonus-quote?amount_fen=100000&store_id={shop['s2']}",
                      headers=shop["till1"]).status_code == 403
    r = client.patch(f"/api/v1/stored-value/rules/{rule['id']}", headers=shop["admin"], json={"active": False})
    assert r.json()["active"] is False
    with session_scope(engine, write=False) as s:
        actions = [e.action for e in audit.history(s, entity_type="stored_value_rule", entity_id=rule["id"])]
    assert actions == ["stored_value_rule.update", "stored_value_rule.create"]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "空", "min_topup_fen": 50_000}, None),                                  # gives nothing
    ({"name": "负", "min_topup_fen": 50_000, "bonus_fen": -1}, "bonus_fen"),
    ({"name": "倒", "min_topup_fen": 50_000, "bonus_fen": 1, "valid_from": "2026-03-02T00:00:00+08:00",
      "valid_to": "2026-03-01T00:00:00+08:00"}, None),
    ({"name": "店", "min_topup_fen": 50_000, "bonus_fen": 1, "store_ids": [999]}, "store_ids"),
    ({"name": "钟", "min_topup_fen": 50_000, "bonus_fen": 1, "valid_from": "2026-03-02T00:00:00"}, "valid_from"),
])
def test_a_bad_rule_is_refused_in_both_languages_and_nothing_is_stored(client: TestClient, shop: dict[str, Any],
                                                                       body: dict[str, Any], field: str | None) -> None:
    r = client.post("/api/v1/stored-value/rules", headers=shop["admin"], json=body)
    assert r.status_code in (404, 422), r.text
    error = r.json()["error"]
    assert error["message"]
    assert error["message_en"]
    if field:
        assert (error["field"] or "").startswith(field)
    assert client.get("/api/v1/stored-value/rules", headers=shop["admin"]).json()["total"] == 0


def test_balance_movements_and_adjustments(client: TestClient, shop: dict[str, Any], engine: Engine) -> None:
    url = f"/api/v1/members/{shop['member']}/stored-value"
    assert client.post(f"{url}/adjustments", headers=shop["finance"], json={"amount_fen": 2_000, "note": " "}
                       ).status_code == 422  # a note is the record
    assert client.post(f"{url}/adjustments", headers=shop["finance"], json={"amount_fen": -1, "note": "x"}
                       ).json()["error"]["code"] == "stored_value_negative"
    assert client.post(f"{url}/adjustments", headers=shop["finance"], json={"amount_fen": 500_001, "note": "x"}
                       ).status_code == 422  # beyond the named-card limit
    r = client.post(f"{url}/adjustments", headers=shop["finance"], json={"amount_fen": 8_800, "note": "复核后补赠"})
    assert r.status_code == 201, r.text
    assert (r.json()["balance_after"], r.json()["kind"]) == (8_800, "adjust")
    seen = client.get(f"{url}?last=5", headers=shop["till1"]).json()
    assert seen["balance_fen"] == 8_800
    assert [m["amount_fen"] for m in seen["movements"]] == [8_800]
    assert client.get(f"{url}/movements", headers=shop["cashier"]).json()["total"] == 1
    with session_scope(engine, write=False) as s:
        (entry,) = audit.history(s, entity_type="member", entity_id=shop["member"])
    assert (entry.action, entry.reason, entry.after) == ("stored_value.adjust", "复核后补赠", {"stored_value_fen": 8_800})


def test_vouchers_issued_looked_up_by_a_till_and_voided(client: TestClient, shop: dict[str, Any],
                                                        engine: Engine) -> None:
    r = client.post("/api/v1/voucher-batches", headers=shop["admin"], json={
        "code": "S01-50", "name": "满200减50", "kind": "value", "value_fen": 5_000, "min_spend_fen": 20_000,
        "valid_to": "2026-12-31T23:59:59+08:00", "store_ids": [shop["s1"]]})
    assert r.status_code == 201, r.text
    batch = r.json()
    issued = client.post(f"/api/v1/voucher-batches/{batch['id']}/issue", headers=shop["admin"], json={"count": 10})
    assert issued.status_code == 201
    codes = issued.json()["codes"]
    assert len(set(codes)) == 10
    assert all(is_voucher_code(c) for c in codes)
    one = client.post(f"/api/v1/voucher-batches/{batch['id']}/issue", headers=shop["admin"],
                      json={"code": "VIP-ZHANG-2026", "member_id": shop["member"]}).json()
    assert one["codes"] == ["VIP-ZHANG-2026"]
    assert client.get(f"/api/v1/voucher-batches/{batch['id']}", headers=shop["admin"]).json()["issued_count"] == 11
    # a till of the batch's store looks a code up; another store's till is refused
    seen = client.get(f"/api/v1/vouchers/{codes[0]}", headers=shop["till1"])
    assert seen.status_code == 200
    assert (seen.json()["voucher"]["status"], seen.json()["batch"]["value_fen"]) == ("active", 5_000)
    assert client.get(f"/api/v1/vouchers/{codes[0]}", headers=shop["till2"]).status_code == 403
    assert client.get(f"/api/v1/vouchers/{codes[0]}", headers=shop["manager2"]).status_code == 403
    assert client.get("/api/v1/vouchers/99999", headers=shop["till1"]).status_code == 404
    # what a voucher is worth cannot change once it is out; its validity and stores can
    fixed = client.patch(f"/api/v1/voucher-batches/{batch['id']}", headers=shop["admin"], json={"value_fen": 1})
    assert fixed.status_code == 422
    assert client.patch(f"/api/v1/voucher-batches/{batch['id']}", headers=shop["admin"],
                        json={"store_ids": []}).json()["store_ids"] == []
    assert client.get(f"/api/v1/vouchers/{codes[0]}", headers=shop["till2"]).status_code == 200
    assert client.post(f"/api/v1/vouchers/{codes[1]}/void", headers=shop["admin"], json={"reason": ""}
                       ).status_code == 422
    voided = client.post(f"/api/v1/vouchers/{codes[1]}/void", headers=shop["admin"], json={"reason": "顾客挂失"})
    assert voided.json()["status"] == "void"
    assert client.post(f"/api/v1/vouchers/{codes[1]}/void", headers=shop["admin"], json={"reason": "again"}
                       ).json()["error"]["code"] == "voucher_not_voidable"
    listed = client.get(f"/api/v1/voucher-batches/{batch['id']}/vouchers?status=void", headers=shop["admin"]).json()
    assert [v["code"] for v in listed["items"]] == [codes[1]]
    with session_scope(engine, write=False) as s:
        assert [e.action for e in audit.history(s, entity_type="voucher", entity_id=codes[1])] == ["voucher.void"]
        assert s.scalar(select(Voucher.member_id).where(Voucher.code == "VIP-ZHANG-2026")) == shop["member"]


@pytest.mark.parametrize(("body", "code"), [
    ({"code": "P", "name": "折", "kind": "percent", "percent_off_bp": 0}, "bad_voucher_batch"),
    ({"code": "G", "name": "提", "kind": "goods", "product_id": 99, "unit_code": "pc"}, "product_unit_not_found"),
    ({"code": "V", "name": "值", "kind": "value"}, "bad_voucher_batch"),
    ({"code": "X", "name": "怪", "kind": "cash", "value_fen": 1}, "validation_error"),
])
def test_a_bad_batch_is_refused_and_nothing_is_stored(client: TestClient, shop: dict[str, Any],
                                                      body: dict[str, Any], code: str) -> None:
    r = client.post("/api/v1/voucher-batches", headers=shop["admin"], json=body)
    assert r.status_code in (404, 422)
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message_en"]
    assert client.get("/api/v1/voucher-batches", headers=shop["admin"]).json()["total"] == 0


def test_each_role_is_refused_what_is_not_its_own(client: TestClient, shop: dict[str, Any]) -> None:
    rule = {"name": "r", "min_topup_fen": 100, "bonus_fen": 1}
    batch = {"code": "B", "name": "b", "kind": "value", "value_fen": 100}
    adjust = {"amount_fen": 100, "note": "n"}
    member_url = f"/api/v1/members/{shop['member']}/stored-value"
    for who in ("cashier", "till1", "manager2"):
        assert client.post("/api/v1/stored-value/rules", headers=shop[who], json=rule).status_code == 403, who
        assert client.post(f"{member_url}/adjustments", headers=shop[who], json=adjust).status_code == 403, who
        assert client.post("/api/v1/voucher-batches", headers=shop[who], json=batch).status_code == 403, who
    assert client.post("/api/v1/voucher-batches", headers=shop["finance"], json=batch).status_code == 403
    made = client.post("/api/v1/voucher-batches", headers=shop["admin"], json=batch).json()
    for who in ("cashier", "till1", "finance", "manager2"):
        assert client.post(f"/api/v1/voucher-batches/{made['id']}/issue", headers=shop[who],
                           json={"count": 1}).status_code == 403, who
    code = client.post(f"/api/v1/voucher-batches/{made['id']}/issue", headers=shop["admin"], json={}).json()["codes"][0]
    assert client.post(f"/api/v1/vouchers/{code}/void", headers=shop["finance"], json={"reason": "x"}).status_code == 403
    for url in ("/api/v1/stored-value/rules", member_url, "/api/v1/voucher-batches", f"/api/v1/vouchers/{code}"):
        assert client.get(url).status_code == 401
