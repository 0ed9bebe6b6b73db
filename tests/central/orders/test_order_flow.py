"""From a rep's order to its deliveries: central's own credit check, the approval queue, the split by
warehouse, partial deliveries from two warehouses, leftovers, cancelling the rest, receivables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.db import session_scope
from central.finance.models import ReceivableEntry
from central.inventory.ledger import on_hand
from central.inventory.models import StockMovement

from .conftest import Field

Login = Callable[[str], dict[str, str]]
API = "/api/v1"


def get(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    r = client.get(API + path, headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def post(client: TestClient, headers: dict[str, str], path: str, body: Any, status: int = 200) -> Any:
    r = client.post(API + path, headers=headers, json=body)
    assert r.status_code == status, r.text
    return r.json()


def test_an_order_within_credit_is_approved_and_split_by_warehouse(client: TestClient, admin: dict[str, str],
                                                                   field: Field) -> None:
    # 5 boxes of cola (the shop holds 10, central 100: the shop was not asked for, central is preferred),
    # 20 bags of rice (only the shop has them), 3 boxes of water (nobody has any: the preferred warehouse)
    ev = field.order(lines=[(field.cola, "box", 24, "5", 33_000), (field.rice, "pc", 1, "20", 40_000),
                            (field.water, "box", 12, "3", 6_600)])
    assert field.push(client, ev)[0]["status"] == "applied"
    order = get(client, admin, f"/sales-orders/{ev.order_no}")
    assert (order["status"], order["hold_reasons"], order["total_fen"]) == ("approved", [], 79_600)
    by_wh = {d["warehouse_id"]: [(ln["order_line_no"], ln["qty"]) for ln in d["lines"]] for d in order["deliveries"]}
    assert by_wh == {field.central_wh: [(1, "5.000"), (3, "3.000")], field.shop_wh: [(2, "20.000")]}
    assert [h["action"] for h in order["history"]] == ["received", "approved", "split"]


def test_a_line_larger_than_any_stock_is_split_over_warehouses(client: TestClient, admin: dict[str, str],
                                                               field: Field, engine: Engine) -> None:
    with session_scope(engine) as s:
        from central.pricing.models import FloorPrice

        s.execute(FloorPrice.__table__.delete())  # type: ignore[attr-defined]
    ev = field.order(lines=[(field.cola, "box", 24, "105", 630_000)], warehouse_id=field.shop_wh,
                     customer=field.cod_customer, on_credit=False)
    field.push(client, ev)
    order = get(client, admin, f"/sales-orders/{ev.order_no}")
    assert order["status"] == "approved", order["hold_reasons"]
    parts = {d["warehouse_id"]: d["lines"][0]["qty"] for d in order["deliveries"]}
    assert parts == {field.central_wh: "100.000", field.shop_wh: "5.000"}  # the shop (asked for) takes the rest


def test_central_checks_again_and_never_believes_the_tablet(client: TestClient, admin: dict[str, str],
                                                           field: Field) -> None:
    # the tablet thought it fine, but ¥1,200.00 on credit is over the ¥1,000.00 limit
    over = field.order(lines=[(field.cola, "box", 24, "18", 120_000)])
    # the tablet held this one (its data was stale), central finds nothing wrong
    fine = field.order(lines=[(field.cola, "box", 24, "1", 6_600)], held=True, hold_reasons=["credit_limit"])
    # below the floor price of a box (¥60.00): ¥55.00 a box
    cheap = field.order(lines=[(field.cola, "box", 24, "2", 11_000)])
    # on credit for a customer who has none
    no_terms = field.order(customer=field.cod_customer)
    results = field.push(client, over, fine, cheap, no_terms)
    assert [r["status"] for r in results] == ["applied"] * 4
    got = {o.order_no: get(client, admin, f"/sales-orders/{o.order_no}") for o in (over, fine, cheap, no_terms)}
    assert got[over.order_no]["status"] == "held"
    assert got[over.order_no]["hold_reasons"] == ["credit_limit"]
    assert got[over.order_no]["hold_details"]["credit_limit"]["over_by_fen"] > 0
    assert (got[fine.order_no]["status"], got[fine.order_no]["claimed_hold_reasons"]) == ("approved", ["credit_limit"])
    assert got[cheap.order_no]["hold_reasons"] == ["below_floor_price"]
    assert got[no_terms.order_no]["hold_reasons"] == ["no_credit_terms"]
    queue = get(client, admin, "/sales-orders", status="held")
    assert {o["order_no"] for o in queue["items"]} == {over.order_no, cheap.order_no, no_terms.order_no}
    assert queue["items"][0]["hold_message"]


def test_overdue_receivables_beyond_the_allowed_days_hold_the_order(client: TestClient, admin: dict[str, str],
                                                                    field: Field) -> None:
    # a delivery 40 days ago on 30 days' credit, unpaid: 10 days overdue today
    first = field.order(lines=[(field.cola, "box", 24, "1", 6_600)])
    field.push(client, first)
    note = get(client, admin, f"/sales-orders/{first.order_no}")["deliveries"][0]["delivery_no"]
    long_ago = (date.today() - timedelta(days=40)).isoformat() + "T02:00:00Z"
    post(client, admin, f"/deliveries/{note}/deliver", {"delivered_at": long_ago})
    second = field.order(lines=[(field.cola, "box", 24, "1", 6_600)])
    field.push(client, second)
    held = get(client, admin, f"/sales-orders/{second.order_no}")
    assert held["hold_reasons"] == ["overdue"]
    assert held["hold_details"]["overdue"]["oldest_overdue_days"] >= 9
    # the store allows 15 days: the next order passes
    store = client.patch(f"{API}/stores/{field.store}", headers=admin, json={"allowed_overdue_days": 15})
    assert store.status_code == 200, store.text
    third = field.order(lines=[(field.cola, "box", 24, "1", 6_600)])
    field.push(client, third)
    assert get(client, admin, f"/sales-orders/{third.order_no}")["status"] == "approved"


def test_the_approval_queue_approve_reject_edit(client: TestClient, admin: dict[str, str], field: Field,
                                                login: Login, make_user: Callable[..., int]) -> None:
    big = field.order(lines=[(field.cola, "box", 24, "10", 66_000), (field.rice, "pc", 1, "10", 59_900)])
    other = field.order(lines=[(field.cola, "box", 24, "20", 132_000)])
    field.push(client, big, other)
    assert get(client, admin, f"/sales-orders/{big.order_no}")["status"] == "held"
    make_user("fin", role="finance")
    fin = login("fin")
    # edit: 4 boxes instead of 10; the line's amount scales, the order is checked again (now within credit)
    edited = client.patch(f"{API}/sales-orders/{big.order_no}/lines", headers=fin,
                          json={"lines": [{"line_no": 1, "qty": "4"}], "note": "客户电话确认改为 4 箱"})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["status"], body["total_fen"], body["original_total_fen"]) == ("held", 26_400 + 59_900, 125_900)
    assert body["hold_reasons"] == []
    assert [(ln["original_qty"], ln["qty"], ln["amount_fen"]) for ln in body["lines"]] == [
        ("10.000", "4.000", 26_400), ("10.000", "10.000", 59_900)]
    approved = post(client, fin, f"/sales-orders/{big.order_no}/approve", {"note": "已电话确认"})
    assert approved["status"] == "approved"
    assert len(approved["deliveries"]) == 2
    again = client.post(f"{API}/sales-orders/{big.order_no}/approve", headers=fin, json={})
    assert again.status_code == 409
    no_reason = client.post(f"{API}/sales-orders/{other.order_no}/reject", headers=fin, json={"reason": " "})
    assert no_reason.status_code == 422
    rejected = post(client, fin, f"/sales-orders/{other.order_no}/reject", {"reason": "超额，先回款"})
    assert (rejected["status"], rejected["reject_reason"]) == ("rejected", "超额，先回款")
    assert rejected["deliveries"] == []


def test_partial_deliveries_from_two_warehouses_leftovers_and_receivables(
        client: TestClient, admin: dict[str, str], field: Field, engine: Engine) -> None:
    ev = field.order(lines=[(field.cola, "box", 24, "6", 39_600), (field.rice, "pc", 1, "10", 59_900)])
    field.push(client, ev)
    order = get(client, admin, f"/sales-orders/{ev.order_no}")
    notes = {d["warehouse_id"]: d for d in order["deliveries"]}
    central_note, shop_note = notes[field.central_wh], notes[field.shop_wh]
    # central ships 4 of the 6 boxes today; 2 stay open on a new note of the same warehouse
    done = post(client, admin, f"/deliveries/{central_note['delivery_no']}/deliver",
                {"lines": [{"line_no": 1, "qty": "4"}], "driver": "王师傅"})
    assert done["delivery"]["status"] == "delivered"
    assert done["delivery"]["lines"][0]["qty"] == "4.000"
    assert done["delivery"]["amount_fen"] == 26_400
    rest = done["backorder"]
    assert (rest["status"], rest["warehouse_id"], rest["lines"][0]["qty"]) == ("open", field.central_wh, "2.000")
    assert get(client, admin, f"/sales-orders/{ev.order_no}")["status"] == "partly_delivered"
    # the shop delivers all the rice
    post(client, admin, f"/deliveries/{shop_note['delivery_no']}/deliver", {})
    # stock left each warehouse: 4 boxes = 96 cans centrally, 10 bags from the shop
    with session_scope(engine, write=False) as s:
        assert on_hand(s, field.central_wh, field.cola) == (2400 - 96) * 1000
        assert on_hand(s, field.shop_wh, field.rice) == 40 * 1000
        entries = s.execute(select(ReceivableEntry.kind, ReceivableEntry.amount_fen, ReceivableEntry.doc_date,
                                   ReceivableEntry.due_date).where(ReceivableEntry.customer_id == field.customer)
                            .order_by(ReceivableEntry.id)).all()
    assert [(k, a) for k, a, _d, _due in entries] == [("charge", 26_400), ("charge", 59_900)]
    assert all(due == d + timedelta(days=30) for _k, _a, d, due in entries)  # the customer's credit days
    # the driver brings back 1 box of the 4 (not unloaded): stock back, a credit note, the delivery unchanged
    back = post(client, admin, f"/deliveries/{central_note['delivery_no']}/leftovers",
                {"lines": [{"line_no": 1, "qty": "1"}], "reason": "客户仓库放不下"}, status=201)
    line = back["lines"][0]
    assert (line["qty"], line["delivered_qty"], line["returned_qty"]) == ("6.000", "4.000", "1.000")
    assert back["returns"][0]["kind"] == "leftover"
    assert back["returns"][0]["amount_fen"] == 6_600
    assert back["returned_fen"] == 6_600
    delivered = get(client, admin, f"/deliveries/{central_note['delivery_no']}")
    assert (delivered["lines"][0]["qty"], delivered["amount_fen"]) == ("4.000", 26_400)
    # more than was delivered cannot come back
    too_much = client.post(f"{API}/deliveries/{central_note['delivery_no']}/leftovers", headers=admin,
                           json={"lines": [{"line_no": 1, "qty": "4"}]})
    assert too_much.status_code == 422
    # the last 2 boxes are delivered another day: the order is delivered
    post(client, admin, f"/deliveries/{rest['delivery_no']}/deliver", {})
    final = get(client, admin, f"/sales-orders/{ev.order_no}")
    assert final["status"] == "delivered"
    assert final["delivered_fen"] == 39_600 + 59_900
    with session_scope(engine, write=False) as s:
        assert on_hand(s, field.central_wh, field.cola) == (2400 - 144 + 24) * 1000
        moved = s.scalar(select(func.count()).select_from(StockMovement).where(
            StockMovement.source_type.in_(["delivery", "order_return"])))
    assert moved == 4
    balance = get(client, admin, f"/customers/{field.customer}/receivables")
    assert sum(e["amount_fen"] for e in balance["items"]) == 39_600 + 59_900 - 6_600
    closed = post(client, admin, f"/sales-orders/{ev.order_no}/close", {"note": "结案"})
    assert closed["status"] == "closed"


def test_cash_on_delivery_is_due_at_once_and_the_rest_can_be_cancelled(
        client: TestClient, admin: dict[str, str], field: Field, engine: Engine) -> None:
    ev = field.order(customer=field.cod_customer, on_credit=False,
                     lines=[(field.rice, "pc", 1, "30", 179_700)])
    field.push(client, ev)
    note = get(client, admin, f"/sales-orders/{ev.order_no}")["deliveries"][0]
    done = post(client, admin, f"/deliveries/{note['delivery_no']}/deliver", {"lines": [{"line_no": 1, "qty": "25"}]})
    assert done["delivery"]["due_date"] == done["delivery"]["business_date"]
    rest = done["backorder"]["delivery_no"]
    assert client.post(f"{API}/deliveries/{rest}/cancel", headers=admin, json={"reason": ""}).status_code == 422
    post(client, admin, f"/deliveries/{rest}/cancel", {"reason": "客户不要了"})
    order = get(client, admin, f"/sales-orders/{ev.order_no}")
    assert order["status"] == "closed"
    assert order["lines"][0]["cancelled_qty"] == "5.000"
    assert client.post(f"{API}/deliveries/{rest}/deliver", headers=admin, json={}).status_code == 409


def test_head_office_enters_an_order_priced_by_central(client: TestClient, admin: dict[str, str],
                                                       field: Field) -> None:
    r = client.post(f"{API}/sales-orders", headers=admin, json={
        "customer_id": field.customer, "lines": [{"product_id": field.cola, "unit_code": "box", "qty": "2"},
                                                 {"product_id": field.rice, "unit_code": "pc", "qty": "1",
                                                  "unit_price_fen": 5_500}],
        "requested_date": "2026-03-05", "note": "电话订货"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["source"], order["status"], order["store_id"]) == ("console", "approved", field.store)
    assert [ln["amount_fen"] for ln in order["lines"]] == [13_200, 5_500]
    assert order["order_no"].startswith("SO")
    # under a `block` policy an order failing the check is refused at head office
    client.patch(f"{API}/stores/{field.store}", headers=admin, json={"credit_policy": "block"})
    refused = client.post(f"{API}/sales-orders", headers=admin, json={
        "customer_id": field.customer, "lines": [{"product_id": field.cola, "unit_code": "box", "qty": "30"}]})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "credit_check_failed"
    # a tablet's order under `block` is still held (it was taken: it is never dropped)
    ev = field.order(lines=[(field.cola, "box", 24, "30", 198_000)])
    assert field.push(client, ev)[0]["status"] == "applied"
    assert get(client, admin, f"/sales-orders/{ev.order_no}")["status"] == "held"
