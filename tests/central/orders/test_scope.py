"""Every orders and field endpoint checks role and scope: a rep sees only their customers, a store
manager only their store, a tablet only pushes as its own rep, and each role only does its job."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from .conftest import Field
from .test_order_flow import API, get

Login = Callable[[str], dict[str, str]]


def test_a_rep_sees_and_pushes_only_for_their_own_customers(client: TestClient, admin: dict[str, str],
                                                           field: Field, login: Login) -> None:
    mine = field.order()
    theirs = field.order(customer=field.other_customer, tablet_id=field.other_tablet_id, rep=field.other_rep)
    field.push(client, mine)
    field.push(client, theirs, tablet=field.other_tablet, tablet_id=field.other_tablet_id)
    # a tablet cannot push an order as another rep, nor for another rep's customer
    forged = field.order(customer=field.other_customer, rep=field.other_rep)
    poached = field.order(customer=field.other_customer)
    results = field.push(client, forged, poached)
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "forbidden_rep"), ("rejected", "wrong_scope")]
    rep1 = login("rep1")
    listed = get(client, rep1, "/sales-orders")["items"]
    assert [o["order_no"] for o in listed] == [mine.order_no]
    assert client.get(f"{API}/sales-orders/{theirs.order_no}", headers=rep1).status_code == 404
    assert client.get(f"{API}/sales-orders/{theirs.order_no}", headers=field.tablet).status_code == 404
    note = get(client, admin, f"/sales-orders/{theirs.order_no}")["deliveries"][0]["delivery_no"]
    assert client.get(f"{API}/deliveries/{note}", headers=rep1).status_code == 404
    assert client.get(f"{API}/reps/{field.other_rep}/visit-plan", headers=rep1).status_code == 404
    assert client.get(f"{API}/rep-targets", headers=rep1, params={"month": "2026-03", "rep_id": field.other_rep}
                      ).status_code == 404
    assert client.get(f"{API}/collections", headers=rep1).json()["total"] == 0
    # a rep may enter an order for their customer at a console, not for another's
    assert client.post(f"{API}/sales-orders", headers=rep1, json={
        "customer_id": field.other_customer, "lines": [{"product_id": field.rice, "unit_code": "pc", "qty": "1"}]}
                       ).status_code == 404
    ok = client.post(f"{API}/sales-orders", headers=rep1, json={
        "customer_id": field.customer, "lines": [{"product_id": field.rice, "unit_code": "pc", "qty": "1"}]})
    assert ok.status_code == 201, ok.text
    # but neither approves nor delivers
    assert client.post(f"{API}/sales-orders/{mine.order_no}/approve", headers=rep1, json={}).status_code == 403
    assert client.post(f"{API}/deliveries/{note}/deliver", headers=rep1, json={}).status_code == 403
    # a field report of a rep is the rep's own
    assert get(client, rep1, "/reports/field", **{"from": "2026-03-01", "to": "2026-03-31"})["orders"] == 1


def test_a_store_manager_acts_on_their_store_only_and_roles_do_their_jobs(
        client: TestClient, admin: dict[str, str], field: Field, login: Login,
        make_user: Callable[..., int]) -> None:
    big = field.order(lines=[(field.cola, "box", 24, "18", 120_000)])
    field.push(client, big)
    make_user("mgr2", role="store_manager", store_id=field.store2)
    make_user("mgr1", role="store_manager", store_id=field.store)
    make_user("cash1", role="cashier", store_id=field.store)
    make_user("wh", role="warehouse")
    mgr2, mgr1, cashier, wh = login("mgr2"), login("mgr1"), login("cash1"), login("wh")
    assert get(client, mgr2, "/sales-orders")["total"] == 0
    assert client.get(f"{API}/sales-orders/{big.order_no}", headers=mgr2).status_code == 404
    assert client.post(f"{API}/sales-orders/{big.order_no}/approve", headers=mgr2, json={}).status_code == 404
    assert client.post(f"{API}/sales-orders", headers=mgr2, json={
        "customer_id": field.customer, "store_id": field.store,
        "lines": [{"product_id": field.rice, "unit_code": "pc", "qty": "1"}]}).status_code == 404  # S01's customer
    assert client.get(f"{API}/sales-orders", headers=cashier).status_code == 403
    assert client.post(f"{API}/sales-orders/{big.order_no}/approve", headers=wh, json={}).status_code == 403
    assert client.post(f"{API}/sales-orders/{big.order_no}/approve", headers=field.tablet, json={}).status_code == 403
    assert client.put(f"{API}/reps/{field.rep}/targets/2026-03", headers=mgr1,
                      json={"target_fen": 1}).status_code == 403
    assert client.put(f"{API}/products/{field.cola}/floor-prices", headers=wh,
                      json={"prices": {"box": 1}}).status_code == 403
    approved = client.post(f"{API}/sales-orders/{big.order_no}/approve", headers=mgr1, json={"note": "店长特批"})
    assert approved.status_code == 200, approved.text
    note = approved.json()["deliveries"][0]["delivery_no"]
    assert client.post(f"{API}/deliveries/{note}/deliver", headers=wh, json={}).status_code == 200
    assert client.get(f"{API}/reports/fulfilment", headers=cashier,
                      params={"from": "2026-03-01", "to": "2026-03-31"}).status_code == 403
    fulfilment = get(client, mgr1, "/reports/fulfilment", **{"from": "2026-03-01", "to": "2026-03-31", "by": "product"})
    assert (fulfilment["ordered_fen"], fulfilment["delivered_fen"], fulfilment["rows"][0]["delivered_qty"]) == (
        120_000, 120_000, {"box": "18"})
    assert get(client, mgr2, "/reports/fulfilment", **{"from": "2026-03-01", "to": "2026-03-31"})["ordered_fen"] == 0
