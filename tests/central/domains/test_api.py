"""The domains' HTTP API: members, customers, stock, sales, receivables, reports — each role sees
exactly its rows, and bad input is a clear 4xx naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.db import session_scope
from central.sales import ingest
from sync.events import Tender

from .conftest import World, line, return_of, sale

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
Login = Callable[[str], dict[str, str]]


def apply(engine: Engine, fn: Any, ev: Any) -> None:
    with session_scope(engine) as s:
        fn(s, ev, terminal_id=ev.terminal_id, store_id=ev.store_id, received_at=NOW)


def test_members_signup_search_and_points(client: TestClient, admin: dict[str, str], world: World) -> None:
    r = client.post("/api/v1/members", headers=admin, json={"card_no": "M2001", "phone": "13912345678",
                                                             "name": "王小明", "birthday": "1992-02-29",
                                                             "level": "normal"})
    assert r.status_code == 201, r.text
    member = r.json()
    assert member["points_balance"] == 0
    dup = client.post("/api/v1/members", headers=admin, json={"card_no": "M2001"})
    assert dup.status_code == 409
    assert dup.json()["error"]["field"] == "card_no"
    bad = client.post("/api/v1/members", headers=admin, json={"card_no": "M2002", "level": "diamond"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "level"
    found = client.get("/api/v1/members", headers=admin, params={"q": "1391234"}).json()
    assert [m["card_no"] for m in found["items"]] == ["M2001"]
    adj = client.post(f"/api/v1/members/{member['id']}/points/adjustments", headers=admin,
                      json={"points": 150, "note": "开业赠送"})
    assert adj.status_code == 201, adj.text
    assert adj.json()["balance_after"] == 150
    ledger = client.get(f"/api/v1/members/{member['id']}/points", headers=admin).json()
    assert [e["points"] for e in ledger["items"]] == [150]
    assert client.get("/api/v1/members/0190ffff-0000", headers=admin).status_code == 404


def test_a_rep_sees_and_edits_only_their_customers(client: TestClient, admin: dict[str, str], world: World,
                                                   login: Login) -> None:
    rep = login("rep1")
    listed = client.get("/api/v1/customers", headers=rep).json()
    assert [c["code"] for c in listed["items"]] == ["C0001"]
    assert client.get(f"/api/v1/customers/{world.other_customer}", headers=rep).status_code == 404
    ok = client.patch(f"/api/v1/customers/{world.customer}", headers=rep, json={"contact_phone": "13700000000"})
    assert ok.status_code == 200, ok.text
    denied = client.patch(f"/api/v1/customers/{world.customer}", headers=rep, json={"credit_limit_fen": 1})
    assert denied.status_code == 403
    # head office edits too; every change is in the history with who and where from
    r = client.patch(f"/api/v1/customers/{world.customer}", headers=admin,
                     json={"credit_limit_fen": 200_000, "tags": ["大客户"]})
    assert r.status_code == 200, r.text
    history = client.get(f"/api/v1/customers/{world.customer}/history", headers=admin).json()["items"]
    pairs = [(h["field"], h["source"]) for h in history]  # newest first; one PATCH's fields in any order
    assert sorted(pairs[:2]) == [("credit_limit_fen", "console"), ("tags", "console")]
    assert pairs[2:] == [("contact_phone", "rep")]
    # a rep's new customer is theirs
    made = client.post("/api/v1/customers", headers=rep, json={"code": "C0100", "name": "新开便利店"})
    assert made.status_code == 201, made.text
    assert made.json()["rep_id"] == world.rep
    dup = client.post("/api/v1/customers", headers=admin, json={"code": "C0100", "name": "重复"})
    assert dup.status_code == 409


def test_stock_documents_and_store_scope(client: TestClient, admin: dict[str, str], world: World,
                                         make_user: Callable[..., int], login: Login, engine: Engine) -> None:
    r = client.post("/api/v1/stock/receipts", headers=admin, json={
        "warehouse_id": world.warehouse, "doc_no": "GR-0001",
        "lines": [{"product_id": world.rice, "qty": "40", "unit_cost_fen": 4200, "batch_no": "B1",
                   "expiry_date": "2027-01-01"}, {"product_id": world.apples, "qty": "12.5"}]})
    assert r.status_code == 201, r.text
    count = client.post("/api/v1/stock/counts", headers=admin, json={
        "warehouse_id": world.warehouse, "lines": [{"product_id": world.rice, "counted_qty": "38"}]})
    assert count.status_code == 201
    assert count.json()["movements"] == 1
    loss = client.post("/api/v1/stock/adjustments", headers=admin, json={
        "warehouse_id": world.warehouse, "kind": "loss", "reason": "破损", "lines": [{"product_id": world.apples,
                                                                                   "qty": "0.5"}]})
    assert loss.status_code == 201
    on_hand = client.get("/api/v1/stock", headers=admin, params={"warehouse_id": world.warehouse}).json()["items"]
    assert {(o["product_id"], Decimal(o["qty"])) for o in on_hand} == {(world.rice, Decimal(38)),
                                                                      (world.apples, Decimal(12))}
    # the names a person reads come with the ids
    assert {(o["product_sku"], o["product_name"], o["warehouse_code"]) for o in on_hand} == {
        ("2001", "五常大米 5kg", "S01-W1"), ("3001", "红富士苹果", "S01-W1")}
    moves = client.get("/api/v1/stock/movements", headers=admin, params={"product_id": world.apples}).json()["items"]
    assert {m["product_name"] for m in moves} == {"红富士苹果"}
    assert all(m["warehouse_name"] for m in moves)
    half = client.post("/api/v1/stock/receipts", headers=admin, json={
        "warehouse_id": world.warehouse, "lines": [{"product_id": world.rice, "qty": "1.5"}]})
    assert half.status_code == 422  # rice is counted in bags
    # a store manager of S02 cannot move S01's stock, nor see it
    make_user("mgr2", role="store_manager", store_id=world.store2)
    mgr2 = login("mgr2")
    other = client.post("/api/v1/stock/adjustments", headers=mgr2, json={
        "warehouse_id": world.warehouse, "kind": "adjustment", "reason": "x",
        "lines": [{"product_id": world.rice, "qty": "-1"}]})
    assert other.status_code == 403
    assert client.get("/api/v1/stock", headers=mgr2).json()["total"] == 0
    check = client.get("/api/v1/stock/check", headers=admin).json()
    assert check["ok"] is True
    assert check["movements"] == 4


def test_sales_shifts_reports_and_receivables(client: TestClient, admin: dict[str, str], world: World,
                                              make_user: Callable[..., int], login: Login, engine: Engine) -> None:
    ev = sale(world, [line(1, world.rice, 2, 5990, tax_bp=900)], customer_id=world.customer,
              tenders=[(Tender.CREDIT, 10_000), (Tender.CASH, 1_980)])
    apply(engine, ingest.apply_sale_completed, ev)
    apply(engine, ingest.apply_sale_returned, return_of(world, ev, [(1, "1")]))
    make_user("mgr2", role="store_manager", store_id=world.store2)
    make_user("fin", role="finance")
    mgr2, fin = login("mgr2"), login("fin")
    assert client.get("/api/v1/sales", headers=mgr2).json()["total"] == 0
    assert client.get(f"/api/v1/sales/{ev.sale_id}", headers=mgr2).status_code == 404
    detail = client.get(f"/api/v1/sales/{ev.sale_id}", headers=admin).json()
    assert [(ln["qty"], ln["returned_qty"]) for ln in detail["lines"]] == [("2.000", "1.000")]
    assert {p["tender"] for p in detail["payments"]} == {"credit", "cash"}
    shift = client.get("/api/v1/shifts/shift-1", headers=admin).json()
    assert shift["totals_by_tender"] == {"credit": 10_000, "cash": 1_980 - 5_990}
    # the report over the API has the CLI's shape
    report = client.get("/api/v1/reports/sales", headers=admin, params={"from": "2026-03-01", "to": "2026-03-01"})
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["sales"], body["returns"], body["net_fen"]) == (1, 1, 11_980 - 5_990)
    scoped = client.get("/api/v1/reports/sales", headers=mgr2, params={"from": "2026-03-01", "to": "2026-03-01"})
    assert scoped.json()["sales"] == 0
    assert client.get("/api/v1/reports/sales", headers=admin,
                      params={"from": "2026-03-02", "to": "2026-03-01"}).status_code == 422
    # receivables: the credit part of the sale, then a payment; the ageing report
    accounts = client.get("/api/v1/receivables", headers=fin).json()["items"]
    assert [(a["code"], a["balance_fen"]) for a in accounts] == [("C0001", 10_000)]
    pay = client.post("/api/v1/receivables/payments", headers=fin, json={
        "customer_id": world.customer, "amount_fen": 4_000, "method": "wechat", "paid_on": "2026-03-05"})
    assert pay.status_code == 201, pay.text
    assert pay.json()["balance_after_fen"] == 6_000
    bad = client.post("/api/v1/receivables/payments", headers=fin, json={
        "customer_id": world.customer, "amount_fen": -5, "method": "wechat"})
    assert bad.status_code == 422
    ageing = client.get("/api/v1/receivables/ageing", headers=fin, params={"as_of": "2026-04-15"}).json()
    assert ageing["totals"] == {"0-30": 0, "31-60": 6_000, "61-90": 0, "90+": 0}
    assert ageing["overdue_fen"] == 6_000
    assert client.post("/api/v1/receivables/payments", headers=mgr2, json={
        "customer_id": world.customer, "amount_fen": 1, "method": "cash"}).status_code == 403


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/stock/receipts", {"warehouse_id": 1, "lines": []}, "lines"),
    ("/api/v1/stock/transfers", {"from_warehouse_id": 1, "to_warehouse_id": 1,
                                 "lines": [{"product_id": 1, "qty": "1"}]}, "to_warehouse_id"),
    ("/api/v1/customers", {"code": "C 1", "name": "x"}, "code"),
    ("/api/v1/members", {"card_no": "M1", "phone": "abc"}, "phone"),
])
def test_bad_input_names_the_field(client: TestClient, admin: dict[str, str], world: World, path: str,
                                   body: dict[str, Any], field: str) -> None:
    r = client.post(path, headers=admin, json=body)
    assert 400 <= r.status_code < 500, r.text
    assert field in (r.json()["error"].get("field") or "")
