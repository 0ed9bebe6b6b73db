"""A store manager stays inside their store (#10 §4.3): no enrolment code for another store's rep, no
order shipped from another store's warehouse, no sight of another store's field orders, customers,
reps' routes and targets. A customer belongs to a store through its rep (the rep's home store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.auth.tokens import digest
from central.customers.models import Customer
from central.db import session_scope
from central.inventory.ledger import Movement, post_movements
from central.org.models import Terminal, Warehouse

from .conftest import T0, Field
from .test_order_flow import API, get

Login = Callable[[str], dict[str, str]]


@dataclass
class Store2:
    rep: int
    customer: int
    warehouse: int
    tablet: dict[str, str]
    tablet_id: int


def _store2(engine: Engine, field: Field, make_user: Callable[..., int]) -> Store2:
    """Rep3 of store S02 with a customer, a tablet, and rice in S02's warehouse."""
    rep = make_user("rep3", role="sales_rep", store_id=field.store2)
    with session_scope(engine) as s:
        wh = s.scalar(select(Warehouse.id).where(Warehouse.store_id == field.store2))
        assert wh is not None
        tablet = Terminal(code="S02-R01", store_id=field.store2, kind="rep", rep_user_id=rep,
                          secret_hash=digest("tablet-three"))
        customer = Customer(code="C0009", name="南城小卖部", rep_id=rep, credit_limit_fen=100_000, credit_days=30,
                            tags=[], contacts=[])
        s.add_all([tablet, customer])
        s.flush()
        post_movements(s, [Movement(warehouse_id=wh, product_id=field.rice, kind="purchase_receipt", qty_m=50_000,
                                    source_type="purchase_receipt", source_id="GR-2", occurred_at=T0)])
        return Store2(rep=rep, customer=customer.id, warehouse=wh,
                      tablet={"Authorization": f"Device {tablet.id}:tablet-three"}, tablet_id=tablet.id)


def test_a_store_manager_sees_only_their_stores_field_work_and_customers(
        client: TestClient, engine: Engine, admin: dict[str, str], field: Field, login: Login,
        make_user: Callable[..., int]) -> None:
    other = _store2(engine, field, make_user)
    pushed = field.push(client, field.order(customer=other.customer, rep=other.rep, tablet_id=other.tablet_id),
                        tablet=other.tablet, tablet_id=other.tablet_id)
    assert pushed[0]["status"] == "applied", pushed
    make_user("mgr1", role="store_manager", store_id=field.store)
    mgr1 = login("mgr1")
    month = {"from": "2026-03-01", "to": "2026-03-31"}
    # head office sees both stores' field work; the S01 manager only S01's
    assert get(client, admin, "/reports/field", **month)["orders"] == 1
    report = get(client, mgr1, "/reports/field", **month)
    assert (report["orders"], [r["rep_id"] for r in report["by_rep"]]) == (0, [])
    assert get(client, mgr1, "/sales-orders")["total"] == 0
    codes = [c["code"] for c in get(client, mgr1, "/customers")["items"]]
    assert codes == ["C0001", "C0002", "C0003"]
    assert client.get(f"{API}/customers/{other.customer}", headers=mgr1).status_code == 404
    assert client.get(f"{API}/customers/{field.customer}", headers=mgr1).status_code == 200
    assert client.get(f"{API}/reps/{other.rep}/visit-plan", headers=mgr1).status_code == 404
    assert client.get(f"{API}/reps/{field.rep}/visit-plan", headers=mgr1).status_code == 200
    targets = client.get(f"{API}/rep-targets", headers=mgr1, params={"month": "2026-03"}).json()
    assert sorted(t["rep_id"] for t in targets) == sorted([field.rep, field.other_rep])
    assert client.get(f"{API}/rep-targets", headers=mgr1,
                      params={"month": "2026-03", "rep_id": other.rep}).status_code == 404
    # nor enter an order for another store's customer
    r = client.post(f"{API}/sales-orders", headers=mgr1, json={
        "customer_id": other.customer, "lines": [{"product_id": field.rice, "unit_code": "pc", "qty": "1"}]})
    assert r.status_code == 404, r.text
    assert r.json()["error"]["field"] == "customer_id"


def test_a_store_manager_ships_only_from_their_stores_warehouses(
        client: TestClient, engine: Engine, admin: dict[str, str], field: Field, login: Login,
        make_user: Callable[..., int]) -> None:
    other = _store2(engine, field, make_user)
    make_user("mgr1", role="store_manager", store_id=field.store)
    mgr1 = login("mgr1")
    line = [{"product_id": field.rice, "unit_code": "pc", "qty": "1"}]
    # rice ships from S02's warehouse chain-wide (its default warehouse), so an S01 order's note is S02's:
    # the S01 manager sees it but cannot deliver or cancel it
    r = client.put(f"{API}/products/{field.rice}/default-warehouse", headers=admin,
                   json={"warehouse_id": other.warehouse})
    assert r.status_code == 200, r.text
    order = client.post(f"{API}/sales-orders", headers=admin, json={
        "customer_id": field.customer, "store_id": field.store, "lines": line})
    assert order.status_code == 201, order.text
    note = order.json()["deliveries"][0]
    assert note["warehouse_id"] == other.warehouse
    assert client.get(f"{API}/deliveries/{note['delivery_no']}", headers=mgr1).status_code == 200
    for action, body in (("deliver", {}), ("cancel", {"reason": "不要了"})):
        r = client.post(f"{API}/deliveries/{note['delivery_no']}/{action}", headers=mgr1, json=body)
        assert r.status_code == 403, (action, r.text)
        assert r.json()["error"]["code"] == "other_store"
    assert get(client, admin, f"/deliveries/{note['delivery_no']}")["status"] == "open"
    # from their own store's warehouse they do
    mine = client.post(f"{API}/sales-orders", headers=mgr1, json={
        "customer_id": field.customer, "warehouse_id": field.shop_wh,
        "lines": [{"product_id": field.cola, "unit_code": "pc", "qty": "1"}]})
    assert mine.status_code == 201, mine.text
    own_note = mine.json()["deliveries"][0]
    assert own_note["warehouse_id"] == field.shop_wh
    r = client.post(f"{API}/deliveries/{own_note['delivery_no']}/deliver", headers=mgr1, json={})
    assert r.status_code == 200, r.text
    # and an order of theirs may not ask S02's warehouse to ship it
    r = client.post(f"{API}/sales-orders", headers=mgr1,
                    json={"customer_id": field.customer, "lines": line, "warehouse_id": other.warehouse})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["field"] == "warehouse_id"


def test_a_store_manager_makes_enrolment_codes_for_their_stores_reps_only(
        client: TestClient, engine: Engine, field: Field, login: Login, make_user: Callable[..., int]) -> None:
    other = _store2(engine, field, make_user)
    make_user("mgr1", role="store_manager", store_id=field.store)
    mgr1 = login("mgr1")
    r = client.post(f"{API}/enrolment-codes", headers=mgr1,
                    json={"store_id": field.store, "kind": "rep", "rep_user_id": other.rep})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "other_store"
    r = client.post(f"{API}/enrolment-codes", headers=mgr1,
                    json={"store_id": field.store2, "kind": "rep", "rep_user_id": other.rep})
    assert r.status_code == 403
    r = client.post(f"{API}/enrolment-codes", headers=mgr1,
                    json={"store_id": field.store, "kind": "rep", "rep_user_id": field.rep})
    assert r.status_code == 201, r.text
