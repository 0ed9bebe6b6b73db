"""Loans of goods (借还货): lent to a customer and a member of staff, given back in two goes (the
value they left at, into the batches they left), the rest settled with a reason, what is still out
per party; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from central.catalog.models import Product
from central.db import session_scope
from central.inventory import service as stock
from central.inventory.check import check_stock
from central.inventory.models import StockBatch, StockOnHand
from tests.central.domains.conftest import World


def test_lend_take_back_settle(client: TestClient, admin: dict[str, str], world: World, engine: Engine,
                               make_user: Callable[..., int], login: Callable[[str], dict[str, str]]) -> None:
    with session_scope(engine) as s:
        rice = s.get(Product, world.rice)
        assert rice is not None
        rice.shelf_life_tracked = True
        stock.receive_purchase(s, warehouse_id=world.warehouse, lines=[
            stock.DocLine(world.cola, Decimal(30), unit_cost_fen=150),
            stock.DocLine(world.rice, Decimal(6), unit_cost_fen=4000, batch_no="R1", expiry_date=date(2027, 1, 1))])
    r = client.post("/api/v1/loans", headers=admin, json={
        "warehouse_id": world.warehouse, "party_type": "customer", "party_id": world.customer, "due_date": "2026-04-01",
        "note": "展会样品", "lines": [{"product_id": world.cola, "qty": "10"}, {"product_id": world.rice, "qty": "3"}]})
    assert r.status_code == 201, r.text
    loan = r.json()
    assert (loan["party_name"], loan["value_fen"], loan["status"]) == ("好邻居便利店", 1500 + 12_000, "open")
    staff = client.post("/api/v1/loans", headers=admin, json={
        "warehouse_id": world.warehouse, "party_type": "staff", "party_id": world.rep,
        "lines": [{"product_id": world.cola, "qty": "2"}]}).json()
    with Session(engine) as s:
        assert s.get(StockOnHand, (world.warehouse, world.cola)).qty_m == 18_000  # type: ignore[union-attr]
        assert s.get(StockBatch, (world.warehouse, world.rice, "R1")).qty_m == 3000  # type: ignore[union-attr]
    # 4 cans and 3 bags come back, then 5 more cans; more than is out is refused
    r = client.post(f"/api/v1/loans/{loan['id']}/returns", headers=admin, json={
        "lines": [{"line_no": 1, "qty": "4"}, {"line_no": 2, "qty": "3"}]})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/loans/{loan['id']}/returns", headers=admin, json={"lines": [{"line_no": 1, "qty": "7"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "qty")
    client.post(f"/api/v1/loans/{loan['id']}/returns", headers=admin, json={"lines": [{"line_no": 1, "qty": "5"}]})
    with Session(engine) as s:
        assert s.get(StockBatch, (world.warehouse, world.rice, "R1")).qty_m == 6000  # type: ignore[union-attr]
        hand = s.get(StockOnHand, (world.warehouse, world.rice))
        assert hand is not None
        assert (hand.qty_m, hand.value_fen) == (6000, 24_000)  # back at exactly what left
    # what is out per party: the customer's last can, the rep's two
    out = client.get("/api/v1/loans/outstanding", headers=admin).json()
    assert {(o["party_type"], o["product_id"], o["out_qty"], o["value_fen"]) for o in out} == {
        ("customer", world.cola, "1.000", 150), ("staff", world.cola, "2.000", 300)}
    # the customer keeps the last can (bought it): settled with a reason, the loan closes
    r = client.post(f"/api/v1/loans/{loan['id']}/settle", headers=admin, json={"reason": "", "lines": [
        {"line_no": 1, "qty": "1"}]})
    assert r.status_code == 422
    done = client.post(f"/api/v1/loans/{loan['id']}/settle", headers=admin, json={
        "reason": "客户买下 / bought by the customer", "lines": [{"line_no": 1, "qty": "1"}]}).json()
    assert done["status"] == "closed"
    r = client.post(f"/api/v1/loans/{loan['id']}/returns", headers=admin, json={"lines": [{"line_no": 1, "qty": "1"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "loan_closed")
    assert [o["party_type"] for o in client.get("/api/v1/loans/outstanding", headers=admin).json()] == ["staff"]
    with Session(engine) as s:
        assert check_stock(s).ok
    # who may: a cashier reads nothing, another store's manager cannot see this store's loans
    make_user("cash", role="cashier", store_id=world.store)
    make_user("mgr2", role="store_manager", store_id=world.store2)
    assert client.get("/api/v1/loans", headers=login("cash")).status_code == 403
    mgr2 = login("mgr2")
    assert client.get(f"/api/v1/loans/{staff['id']}", headers=mgr2).status_code == 403
    assert client.get("/api/v1/loans/outstanding", headers=mgr2).json() == []
    r = client.post("/api/v1/loans", headers=admin, json={"warehouse_id": world.warehouse, "party_type": "other",
                                                          "lines": [{"product_id": world.cola, "qty": "1"}]})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "party_name")
