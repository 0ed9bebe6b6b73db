"""Purchasing through the API on SQLite and PostgreSQL: orders in boxes at the supplier's price,
approval above an amount, two arrivals (batches and expiry) and the rest cancelled with a reason,
over-receipts, supplier returns, a late invoice correcting cost, price history, and every denial."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.catalog.models import Product
from central.db import session_scope
from central.inventory.check import check_stock
from central.inventory.models import StockBatch, StockOnHand
from central.sales import ingest
from tests.central.domains.conftest import T0, World, line, sale

Login = Callable[[str], dict[str, str]]


def _supplier(client: TestClient, headers: dict[str, str], code: str = "SUP01") -> int:
    r = client.post("/api/v1/suppliers", headers=headers, json={"code": code, "name": "上海东方食品批发有限公司"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _on_hand(engine: Engine, warehouse_id: int, product_id: int) -> tuple[int, int, int | None]:
    with Session(engine) as s:
        row = s.get(StockOnHand, (warehouse_id, product_id))
        return (0, 0, None) if row is None else (row.qty_m, row.value_fen, row.avg_cost_mfen)


def _post(client: TestClient, path: str, headers: dict[str, str], body: Any, status: int = 201) -> Any:
    r = client.post(path, headers=headers, json=body)
    assert r.status_code == status, r.text
    return r.json()


def test_an_order_arrives_in_two_arrivals_with_batches_and_the_rest_is_cancelled(
        client: TestClient, admin: dict[str, str], world: World, engine: Engine) -> None:
    # given rice tracked by batch, and a supplier selling cola in boxes of 24 at ¥48.00
    with session_scope(engine) as s:
        rice = s.get(Product, world.rice)
        assert rice is not None
        rice.shelf_life_tracked = True
    sup = _supplier(client, admin)
    r = client.put("/api/v1/purchasing/supplier-prices", headers=admin, json={
        "supplier_id": sup, "product_id": world.cola, "unit_code": "box", "price_fen": 4800, "lead_time_days": 2})
    assert r.status_code == 200, r.text
    assert r.json()["unit_factor"] == 24
    # when a buyer orders 10 boxes of cola (at the supplier's price) and 20 bags of rice at ¥40.00
    order = _post(client, "/api/v1/purchasing/orders", admin, {
        "supplier_id": sup, "warehouse_id": world.warehouse, "expected_date": "2026-03-05", "submit": True,
        "lines": [{"product_id": world.cola, "qty": "10"},
                  {"product_id": world.rice, "qty": "20", "unit_code": "pc", "price_fen": 4000}]})
    # then it is approved at once (¥1,280.00 is under the ¥5,000.00 approval amount)
    assert (order["status"], order["total_fen"]) == ("approved", 48_000 + 80_000)
    assert [(ln["unit_code"], ln["qty"], ln["price_fen"]) for ln in order["lines"]] == [
        ("box", "10.000", 4800), ("pc", "20.000", 4000)]

    # when the first arrival brings 6 boxes and 12 bags of batch R1, with ¥36.00 of freight
    first = _post(client, f"/api/v1/purchasing/orders/{order['id']}/receipts", admin, {
        "landed_cost_fen": 3600, "supplier_doc_no": "SH-889",
        "lines": [{"order_line_no": 1, "qty": "6"},
                  {"order_line_no": 2, "qty": "12", "batch_no": "R1", "production_date": "2026-02-01",
                   "expiry_date": "2027-02-01"}]})
    # then the freight is spread by value over the lines, into their cost
    assert [(ln["amount_fen"], ln["landed_fen"], ln["value_fen"]) for ln in first["lines"]] == [
        (28_800, 1350, 30_150), (48_000, 2250, 50_250)]
    detail = client.get(f"/api/v1/purchasing/orders/{order['id']}", headers=admin).json()
    assert detail["status"] == "partially_received"
    assert [Decimal(ln["open_qty"]) for ln in detail["lines"]] == [4, 8]
    assert _on_hand(engine, world.warehouse, world.cola)[:2] == (144_000, 30_150)

    # a rice line without its batch is refused (rice is tracked), nothing is written
    r = client.post(f"/api/v1/purchasing/orders/{order['id']}/receipts", headers=admin, json={
        "lines": [{"order_line_no": 2, "qty": "3"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "batch_required")
    # the second arrival brings 8 bags of batch R2; the 4 boxes of cola are not coming: cancelled
    _post(client, f"/api/v1/purchasing/orders/{order['id']}/receipts", admin, {
        "lines": [{"order_line_no": 2, "qty": "8", "batch_no": "R2", "expiry_date": "2027-03-01"}]})
    r = client.post(f"/api/v1/purchasing/orders/{order['id']}/cancel", headers=admin, json={"reason": ""})
    assert r.status_code == 422  # a reason is required
    done = _post(client, f"/api/v1/purchasing/orders/{order['id']}/cancel", admin,
                 {"reason": "供应商缺货 / out of stock at the supplier"}, status=200)
    assert done["status"] == "closed"
    assert [(int(Decimal(ln["received_qty"])), int(Decimal(ln["cancelled_qty"])), int(Decimal(ln["open_qty"])))
            for ln in done["lines"]] == [(6, 4, 0), (20, 0, 0)]
    assert len(done["receipts"]) == 2
    with Session(engine) as s:
        assert {b.batch_no: (b.qty_m, b.expiry_date) for b in s.scalars(select(StockBatch))} == {
            "R1": (12_000, date(2027, 2, 1)), "R2": (8_000, date(2027, 3, 1))}
        assert check_stock(s).ok
    assert _on_hand(engine, world.warehouse, world.rice)[:2] == (20_000, 50_250 + 32_000)
    # nothing more can arrive against a closed order
    r = client.post(f"/api/v1/purchasing/orders/{order['id']}/receipts", headers=admin, json={
        "lines": [{"order_line_no": 1, "qty": "1"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "order_status")


def test_approval_above_the_amount_and_over_receipts(client: TestClient, admin: dict[str, str], world: World,
                                                     make_user: Callable[..., int], login: Login) -> None:
    sup = _supplier(client, admin)
    make_user("buyer", role="warehouse")
    make_user("cfo", role="finance")
    buyer, cfo = login("buyer"), login("cfo")
    r = client.patch("/api/v1/purchasing/settings", headers=buyer, json={"approval_threshold_fen": 0})
    assert r.status_code == 403  # a buyer does not set the approval amount
    _post(client, "/api/v1/purchasing/settings", cfo, {}, status=405)
    r = client.patch("/api/v1/purchasing/settings", headers=cfo, json={"approval_threshold_fen": 10_000})
    assert r.status_code == 200
    order = _post(client, "/api/v1/purchasing/orders", buyer, {
        "supplier_id": sup, "warehouse_id": world.warehouse, "submit": True,
        "lines": [{"product_id": world.cola, "qty": "100", "price_fen": 150}]})
    assert order["status"] == "pending_approval"  # ¥150.00 > ¥100.00
    # nothing arrives against an order that is not approved
    r = client.post(f"/api/v1/purchasing/orders/{order['id']}/receipts", headers=buyer, json={
        "lines": [{"order_line_no": 1, "qty": "10"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "order_status")
    # the buyer cannot approve it; the approver sends it back once, then approves it
    assert client.post(f"/api/v1/purchasing/orders/{order['id']}/approve", headers=buyer).status_code == 403
    back = _post(client, f"/api/v1/purchasing/orders/{order['id']}/reject", cfo, {"reason": "数量太多"}, status=200)
    assert (back["status"], back["close_reason"]) == ("draft", "数量太多")
    r = client.patch(f"/api/v1/purchasing/orders/{order['id']}", headers=buyer, json={
        "lines": [{"product_id": world.cola, "qty": "80", "price_fen": 150}]})
    assert r.json()["total_fen"] == 12_000
    assert _post(client, f"/api/v1/purchasing/orders/{order['id']}/submit", buyer, None, 200)["status"] == \
        "pending_approval"
    approved = _post(client, f"/api/v1/purchasing/orders/{order['id']}/approve", cfo, None, status=200)
    assert approved["status"] == "approved"

    # receiving more than ordered is refused, named by line
    r = client.post(f"/api/v1/purchasing/orders/{order['id']}/receipts", headers=buyer, json={
        "lines": [{"order_line_no": 1, "qty": "85"}]})
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["field"]) == (
        422, "over_receipt", "lines[0].qty")
    # asking for it to be approved needs someone who may approve
    r = client.post(f"/api/v1/purchasing/orders/{order['id']}/receipts", headers=buyer, json={
        "lines": [{"order_line_no": 1, "qty": "85"}], "approve_over_receipt": True})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "over_receipt_forbidden")
    got = _post(client, f"/api/v1/purchasing/orders/{order['id']}/receipts", admin, {
        "lines": [{"order_line_no": 1, "qty": "85"}], "approve_over_receipt": True})
    assert got["over_receipt_approved_by"] is not None
    assert client.get(f"/api/v1/purchasing/orders/{order['id']}", headers=buyer).json()["status"] == "received"


def test_supplier_returns_cost_corrections_and_price_history(client: TestClient, admin: dict[str, str],
                                                             world: World, engine: Engine) -> None:
    sup = _supplier(client, admin)
    # 10 cans at ¥1.00 arrive without an order, then 6 are sold at the till
    receipt = _post(client, "/api/v1/purchasing/receipts", admin, {
        "supplier_id": sup, "warehouse_id": world.warehouse,
        "lines": [{"product_id": world.cola, "qty": "10", "unit_code": "pc", "price_fen": 100}]})
    with session_scope(engine) as s:
        ingest.apply_sale_completed(s, sale(world, [line(1, world.cola, 6, 300)]), terminal_id=world.terminal,
                                    store_id=world.store, received_at=T0)
    assert _on_hand(engine, world.warehouse, world.cola) == (4000, 400, 100_000)
    # when the supplier's invoice says ¥1.20 a can
    fix = _post(client, f"/api/v1/purchasing/receipts/{receipt['id']}/cost-corrections", admin, {
        "reason": "供应商发票单价 1.20", "lines": [{"line_no": 1, "price_fen": 120}]})
    # then the 4 cans still here are revalued by 4 × ¥0.20, the 6 sold are the period's variance
    assert (fix["difference_fen"], fix["revalued_fen"], fix["variance_fen"]) == (200, 80, 120)
    assert _on_hand(engine, world.warehouse, world.cola) == (4000, 480, 120_000)
    r = client.post(f"/api/v1/purchasing/receipts/{receipt['id']}/cost-corrections", headers=admin, json={
        "reason": "again", "lines": [{"line_no": 1, "price_fen": 120}]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "no_difference")
    history = client.get("/api/v1/purchasing/price-history", headers=admin,
                         params={"product_id": world.cola}).json()
    assert [(h["price_fen"], h["corrected_price_fen"]) for h in history] == [(100, 120)]

    # 3 cans go back to the supplier against that receipt: out at average cost, credited at the price
    back = _post(client, "/api/v1/purchasing/returns", admin, {
        "supplier_id": sup, "warehouse_id": world.warehouse, "receipt_id": receipt["id"], "reason": "包装破损",
        "lines": [{"product_id": world.cola, "qty": "3"}]})
    assert (back["credit_fen"], back["cost_fen"]) == (300, 360)
    r = client.post("/api/v1/purchasing/returns", headers=admin, json={
        "supplier_id": sup, "warehouse_id": world.warehouse, "receipt_id": receipt["id"], "reason": "再退",
        "lines": [{"product_id": world.cola, "qty": "8"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "return_exceeds_receipt")
    with Session(engine) as s:
        assert check_stock(s).ok


def test_who_may_do_what(client: TestClient, admin: dict[str, str], world: World, make_user: Callable[..., int],
                         login: Login) -> None:
    sup = _supplier(client, admin)
    order = _post(client, "/api/v1/purchasing/orders", admin, {
        "supplier_id": sup, "warehouse_id": world.warehouse,
        "lines": [{"product_id": world.cola, "qty": "1", "price_fen": 100}]})
    make_user("cash", role="cashier", store_id=world.store)
    make_user("mgr1", role="store_manager", store_id=world.store)
    make_user("mgr2", role="store_manager", store_id=world.store2)
    make_user("rep", role="sales_rep", store_id=world.store)
    cashier, mgr1, mgr2, rep = login("cash"), login("mgr1"), login("mgr2"), login("rep")
    for headers in (cashier, rep):
        assert client.get("/api/v1/purchasing/orders", headers=headers).status_code == 403
    assert client.get("/api/v1/purchasing/orders").status_code == 401
    # store managers read their own store's orders only, and change nothing
    assert client.get("/api/v1/purchasing/orders", headers=mgr1).json()["total"] == 1
    assert client.get("/api/v1/purchasing/orders", headers=mgr2).json()["total"] == 0
    assert client.get(f"/api/v1/purchasing/orders/{order['id']}", headers=mgr2).status_code == 403
    for path in (f"/api/v1/purchasing/orders/{order['id']}/submit", f"/api/v1/purchasing/orders/{order['id']}/approve"):
        assert client.post(path, headers=mgr1).status_code == 403
    assert client.post(f"/api/v1/purchasing/orders/{order['id']}/cancel", headers=mgr1,
                       json={"reason": "x"}).status_code == 403
    assert client.get("/api/v1/purchasing/price-history", headers=mgr1).status_code == 403  # costs are not theirs
    # a draft cannot be received; an unknown order is a 404
    r = client.post(f"/api/v1/purchasing/orders/{order['id']}/receipts", headers=admin, json={
        "lines": [{"order_line_no": 1, "qty": "1"}]})
    assert r.status_code == 409
    assert client.get("/api/v1/purchasing/orders/999999", headers=admin).status_code == 404
    # bad input names the field and writes nothing
    r = client.post("/api/v1/purchasing/orders", headers=admin, json={
        "supplier_id": sup, "warehouse_id": world.warehouse, "lines": [{"product_id": world.rice, "qty": "1"}]})
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["field"]) == (
        422, "price_missing", "lines[0].price_fen")
    assert client.get("/api/v1/purchasing/orders", headers=admin).json()["total"] == 1
