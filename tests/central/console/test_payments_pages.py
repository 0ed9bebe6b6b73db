"""Console pages 代金券 and 储值卡: the forms save through the API's schemas and services (audited),
bad input changes nothing and says why, store managers see only their store's batches."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.audit import service as audit
from central.db import session_scope
from central.members.models import Member
from central.stored_value.models import StoredValueRule
from central.vouchers.models import Voucher, VoucherBatch
from sync.events import uuid7


def _codes(html: str) -> list[str]:
    return re.findall(r'/vouchers/code\?code=([0-9A-Za-z-]+)"', html)


def test_head_office_makes_a_batch_issues_looks_up_and_voids(client: TestClient, engine: Engine,
                                                             make_store: Callable[..., int],
                                                             make_user: Callable[..., int],
                                                             console_login: Callable[..., str]) -> None:
    s1, s2 = make_store("S01"), make_store("S02")
    make_user("boss", role="admin")
    csrf = console_login("boss")
    assert "代金券" in client.get("/").text  # in the navigation
    # a form with a mistake is shown again, saying what is wrong, and nothing is stored
    bad = client.post("/vouchers/batches", data={"csrf": csrf, "code": "P10", "name": "九折", "kind": "percent",
                                                 "percent": "0"})
    assert bad.status_code == 422
    assert "flash error" in bad.text
    assert 'value="九折"' in bad.text  # what was typed is kept
    made = client.post("/vouchers/batches", data={
        "csrf": csrf, "code": "S1-20", "name": "满100减20", "kind": "value", "value": "20", "min_spend": "100",
        "valid_to": "2026-12-31", "store_ids": [str(s1)]}, follow_redirects=False)
    assert made.status_code == 303, made.text
    batch_url = made.headers["location"].split("?")[0]
    page = client.get(made.headers["location"]).text
    assert "券批次已建立" in page
    assert "¥20.00" in page
    issued = client.post(f"{batch_url}/issue", data={"csrf": csrf, "count": "5"}, follow_redirects=True)
    assert "已发券 5 张" in issued.text
    codes = _codes(issued.text)
    assert len(codes) == 5
    lookup = client.get("/vouchers/code", params={"code": codes[0]})
    assert lookup.status_code == 200
    assert "可用" in lookup.text
    assert "没有使用记录" in lookup.text
    voided = client.post(f"/vouchers/code/{codes[0]}/void", data={"csrf": csrf, "reason": "顾客挂失"},
                         follow_redirects=True)
    assert "券已作废" in voided.text
    assert "顾客挂失" in voided.text
    assert client.post(f"/vouchers/code/{codes[1]}/void", data={"reason": "x"}).status_code == 403  # no CSRF value
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count()).select_from(VoucherBatch)) == 1
        assert s.scalar(select(Voucher.status).where(Voucher.code == codes[0])) == "void"
        batch_id = s.scalar(select(VoucherBatch.id))
        assert [e.action for e in audit.history(s, entity_type="voucher_batch", entity_id=batch_id or 0)] == [
            "voucher_batch.issue", "voucher_batch.create"]
    # in English
    client.post("/preferences/language", data={"csrf": csrf, "locale": "en"})
    english = client.get(batch_url).text
    assert "Voucher batch: 满100减20" in english
    assert "Issue codes" in english
    # a store manager of S02 does not see S01's batch, and cannot open it
    make_user("mgr2", role="store_manager", store_id=s2)
    console_login("mgr2")
    assert "S1-20" not in client.get("/vouchers").text
    assert client.get(batch_url).status_code == 403
    assert "新建券批次" not in client.get("/vouchers").text  # and may not make one
    assert client.post("/vouchers/batches", data={"csrf": console_login("mgr2"), "code": "X", "name": "x",
                                                  "kind": "value", "value": "1"}).status_code == 403


def test_stored_value_rules_member_search_and_adjustment(client: TestClient, engine: Engine,
                                                         make_user: Callable[..., int],
                                                         console_login: Callable[..., str]) -> None:
    with session_scope(engine) as s:
        for card, phone in (("M0001", "13800001234"), ("M0002", "13900001234"), ("M0003", "13700005678")):
            s.add(Member(id=uuid7(), card_no=card, phone=phone, name=f"会员{card[-1]}"))
    make_user("fin", role="finance")
    csrf = console_login("fin")
    rule = client.post("/stored-value/rules", data={"csrf": csrf, "name": "充500送50", "min_topup": "500",
                                                    "bonus": "50"}, follow_redirects=True)
    assert rule.status_code == 200
    assert "充500送50" in rule.text
    nothing = client.post("/stored-value/rules", data={"csrf": csrf, "name": "空", "min_topup": "500"})
    assert nothing.status_code == 422  # gives nothing: refused, nothing stored
    # the last four digits of a phone find two members: a short list
    found = client.get("/stored-value", params={"q": "1234"})
    assert "找到多位会员" in found.text
    assert "M0001" in found.text
    assert "M0002" in found.text
    assert "M0003" not in found.text
    one = client.get("/stored-value", params={"q": "5678"}, follow_redirects=False)
    assert one.status_code == 303
    member_url = one.headers["location"]
    refused = client.post(f"{member_url}/adjust", data={"csrf": csrf, "amount": "-10", "note": "x"})
    assert refused.status_code == 422
    assert "余额为负" in refused.text
    done = client.post(f"{member_url}/adjust", data={"csrf": csrf, "amount": "88.80", "note": "复核后补赠"},
                       follow_redirects=True)
    assert "已调整" in done.text
    assert "¥88.80" in done.text
    assert "复核后补赠" in done.text
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Member.stored_value_fen).where(Member.card_no == "M0003")) == 8_880
        assert s.scalar(select(func.count()).select_from(StoredValueRule)) == 1
    # a cashier reads, but neither sets rules nor adjusts
    make_user("cash", role="cashier")
    csrf = console_login("cash")
    assert "调整余额" not in client.get(member_url).text
    assert client.post(f"{member_url}/adjust", data={"csrf": csrf, "amount": "1", "note": "x"}).status_code == 403
