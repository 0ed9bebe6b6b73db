"""Members and customers pages: pinyin search, points adjustments limited by role and with a reason,
customers seen by their rep only, edits kept in history and the audit trail, payments by finance."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.customers.models import Customer, CustomerFieldChange
from central.db import session_scope
from central.finance.models import ReceivableAccount
from central.members import service as members
from central.members.models import Member


def test_member_search_and_points_adjustment_by_role(client: TestClient, engine: Engine, admin: dict[str, str],
                                                     make_store: Callable[..., int], make_user: Callable[..., int],
                                                     console_login: Callable[..., str], login: Callable[..., dict]) -> None:
    store = make_store("S01")
    make_user("cash", role="cashier", store_id=store)
    make_user("mgr", role="store_manager", store_id=store)
    make_user("fin", role="finance")
    with session_scope(engine) as s:
        zhang = members.create_member(s, card_no="M001", phone="13800000001", name="张伟", home_store_id=store).id
        members.create_member(s, card_no="M002", phone="13800000002", name="李娜", home_store_id=store)
    csrf = console_login("cash")
    found = client.get("/members?q=zw")
    assert "张伟" in found.text
    assert "李娜" not in found.text
    page = client.get(f"/members/{zhang}")
    assert page.status_code == 200
    assert 'action="/members/' + zhang + '/points"' not in page.text
    denied = client.post(f"/members/{zhang}/points", data={"csrf": csrf, "points": "500", "note": "送"})
    assert denied.status_code == 403
    api = client.post(f"/api/v1/members/{zhang}/points/adjustments", headers=login("cash"),
                      json={"points": 500, "note": "送"})
    assert api.status_code == 403  # the same permission guards the API
    csrf = console_login("mgr")  # a head-office action: not the store manager's either
    assert client.post(f"/members/{zhang}/points", data={"csrf": csrf, "points": "500", "note": "送"}).status_code == 403
    csrf = console_login("fin")
    no_reason = client.post(f"/members/{zhang}/points", data={"csrf": csrf, "points": "500", "note": ""})
    assert no_reason.status_code == 200
    assert "原因" in no_reason.text
    ok = client.post(f"/members/{zhang}/points", data={"csrf": csrf, "points": "500", "note": "开业活动补送"},
                     follow_redirects=False)
    assert ok.status_code == 303
    with session_scope(engine, write=False) as s:
        assert s.get(Member, zhang).points_balance == 500  # type: ignore[union-attr]
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "member.points_adjust"))
        assert entry is not None
        assert entry.reason == "开业活动补送"
        assert entry.actor_label == "fin"
        assert entry.before is not None
        assert entry.before["points_balance"] == 0
        assert entry.after == {"points_balance": 500, "points": 500}
    assert "开业活动补送" in client.get(f"/members/{zhang}").text


def test_customers_by_rep_history_and_payments(client: TestClient, engine: Engine, make_store: Callable[..., int],
                                              make_user: Callable[..., int], console_login: Callable[..., str]) -> None:
    store = make_store("S01")
    rep1 = make_user("rep1", role="sales_rep", store_id=store)
    rep2 = make_user("rep2", role="sales_rep", store_id=store)
    make_user("fin", role="finance")
    make_user("mgr", role="store_manager", store_id=store)
    with session_scope(engine) as s:
        mine = Customer(code="C1", name="华联超市", rep_id=rep1, tags=[], credit_limit_fen=100_000, credit_days=30)
        other = Customer(code="C2", name="老王餐馆", rep_id=rep2, tags=[])
        s.add_all([mine, other])
        s.flush()
        mine_id, other_id = mine.id, other.id
        from datetime import date

        from central.db import utcnow
        from central.finance.receivables import post_receivable

        post_receivable(s, customer=mine, kind="charge", amount_fen=50_000, doc_type="manual", doc_id="D1",
                        doc_no="D1", doc_date=date(2026, 1, 5), occurred_at=utcnow())
    csrf = console_login("rep1")
    listed = client.get("/customers?q=hl")
    assert "华联超市" in listed.text
    assert "老王餐馆" not in listed.text
    assert client.get(f"/customers/{other_id}").status_code == 404
    r = client.post(f"/customers/{mine_id}", data={"csrf": csrf, "contact_name": "王经理", "contact_phone": "13900000000"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with session_scope(engine, write=False) as s:
        changes = {c.field: c.new_value for c in s.scalars(select(CustomerFieldChange))}
        assert changes == {"contact_name": "王经理", "contact_phone": "13900000000"}
        assert s.scalar(select(AuditEntry.actor_label).where(AuditEntry.action == "customer.update")) == "rep1"
    assert client.post(f"/customers/{mine_id}/payments", data={"csrf": csrf, "amount": "100",
                                                               "method": "cash"}).status_code == 403
    csrf = console_login("mgr")
    assert client.get("/customers").status_code == 200
    assert client.post(f"/customers/{mine_id}/payments", data={"csrf": csrf, "amount": "100",
                                                               "method": "cash"}).status_code == 403
    csrf = console_login("fin")
    bad = client.post(f"/customers/{mine_id}/payments", data={"csrf": csrf, "amount": "1.234", "method": "cash"})
    assert bad.status_code == 200
    assert "金额" in bad.text
    paid = client.post(f"/customers/{mine_id}/payments", data={"csrf": csrf, "amount": "200.00",
                                                               "method": "bank_transfer", "reference": "B1"},
                       follow_redirects=False)
    assert paid.status_code == 303
    with session_scope(engine, write=False) as s:
        assert s.get(ReceivableAccount, mine_id).balance_fen == 30_000  # type: ignore[union-attr]
    assert "¥300.00" in client.get(f"/customers/{mine_id}").text
    # more than is owed: refused in the form, nothing recorded (#10 §2)
    over = client.post(f"/customers/{mine_id}/payments", data={"csrf": csrf, "amount": "300.01", "method": "cash"},
                       follow_redirects=False)
    assert over.status_code == 200
    assert "超过" in over.text
    with session_scope(engine, write=False) as s:
        assert s.get(ReceivableAccount, mine_id).balance_fen == 30_000  # type: ignore[union-attr]
