"""A rep tablet's other events through the real push: a customer made offline (pending, cash on
delivery) with an order and a collection for it in the same batch; visits checked against the
customer type's steps; collections allocated to the oldest open receivables and never beyond them;
goods returned against an order; and what the tablet pulls back."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.db import session_scope
from central.field.models import Collection, CollectionAllocation
from central.finance.models import ReceivableEntry
from sync.events import (
    AttachmentRef,
    CollectionRecorded,
    CustomerCreated,
    OrderReturnLine,
    OrderReturnRecorded,
    VisitRecorded,
    VisitStepDone,
    uuid7,
)
from sync.field import CollectionMethod, CustomerType, ReturnKind
from sync.protocol import PROTOCOL_VERSION

from .conftest import T0, Field
from .test_order_flow import API, get, post


def collection(field: Field, amount: int, customer: int | None = None, **extra: object) -> CollectionRecorded:
    cid = uuid7()
    if "new_customer_id" not in extra:
        extra["customer_id"] = customer or field.customer
    return CollectionRecorded(collection_id=cid, receipt_no=f"RC-{cid[-8:]}", rep_id=field.rep,
                              terminal_id=field.tablet_id, collected_at=T0, amount_fen=amount,
                              method=CollectionMethod.CASH, **extra)  # type: ignore[arg-type]


def pull(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, str], dict[str, object]]:
    r = client.post(f"{API}/sync/pull", headers=headers,
                    json={"protocol_version": PROTOCOL_VERSION, "cursor": 0, "schema_version": 1, "limit": 10000})
    assert r.status_code == 200, r.text
    return {(c["entity"], c["id"]): c["data"] for c in r.json()["changes"] if c["op"] == "upsert"}


def test_a_customer_made_offline_orders_and_pays_in_the_same_push(client: TestClient, admin: dict[str, str],
                                                                 field: Field) -> None:
    new_id = uuid7()
    made = CustomerCreated(customer_id=new_id, rep_id=field.rep, terminal_id=field.tablet_id, created_at=T0,
                           name="张江专柜", customer_type=CustomerType.CONSIGNMENT, contact_phone="13800001111")
    on_credit = field.order(new_customer_id=new_id)
    cod = field.order(new_customer_id=new_id, on_credit=False)
    paid = collection(field, 33_000, new_customer_id=new_id, order_id=cod.order_id)
    # an order for a new customer central has never heard of waits (deferred), it is not lost
    orphan = field.order(new_customer_id=uuid7())
    results = field.push(client, made, on_credit, cod, paid, orphan)
    assert [r["status"] for r in results] == ["applied", "applied", "applied", "applied", "deferred"]
    customers = get(client, admin, "/customers", status="pending")["items"]
    assert [(c["name"], c["customer_type"], c["client_id"], c["credit_limit_fen"]) for c in customers] == [
        ("张江专柜", "consignment", new_id, 0)]
    cid = customers[0]["id"]
    orders = {o["order_no"]: o for o in get(client, admin, "/sales-orders", customer_id=cid)["items"]}
    assert orders[on_credit.order_no]["hold_reasons"] == ["no_credit_terms"]  # pending: cash on delivery only
    assert orders[cod.order_no]["status"] == "approved"
    # the cash came before the delivery: it waits as an advance, then settles the delivery
    advance = get(client, admin, "/collections", customer_id=cid)["items"][0]
    assert (advance["applied_fen"], advance["unapplied_fen"]) == (0, 33_000)
    note = get(client, admin, f"/sales-orders/{cod.order_no}")["deliveries"][0]["delivery_no"]
    post(client, admin, f"/deliveries/{note}/deliver", {})
    settled = get(client, admin, f"/collections/{paid.receipt_no}")
    assert (settled["applied_fen"], settled["unapplied_fen"]) == (33_000, 0)
    assert len(settled["allocations"]) == 1
    assert get(client, admin, "/receivables", nonzero=False)["items"][0]["balance_fen"] >= 0
    # head office reviews the customer: setting credit makes it active
    r = client.patch(f"{API}/customers/{cid}", headers=admin, json={"credit_limit_fen": 200_000, "credit_days": 15})
    assert (r.status_code, r.json()["status"]) == (200, "active")


def test_collections_settle_the_oldest_receivables_first_and_never_more_than_is_open(
        client: TestClient, admin: dict[str, str], field: Field, engine: Engine) -> None:
    first, second = (field.order(lines=[(field.cola, "box", 24, "1", 6_600)]) for _ in range(2))
    field.push(client, first, second)
    for o, days_ago in ((first, 20), (second, 5)):
        note = get(client, admin, f"/sales-orders/{o.order_no}")["deliveries"][0]["delivery_no"]
        when = (T0 - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")
        post(client, admin, f"/deliveries/{note}/deliver", {"delivered_at": when})
    part, rest = collection(field, 8_000), collection(field, 10_000)
    field.push(client, part, rest)
    with session_scope(engine, write=False) as s:
        charges = dict(s.execute(select(ReceivableEntry.doc_no, ReceivableEntry.id).where(
            ReceivableEntry.kind == "charge")).all())
        alloc = s.execute(select(CollectionAllocation.collection_id, CollectionAllocation.charge_entry_id,
                                 CollectionAllocation.amount_fen).order_by(CollectionAllocation.id)).all()
        got = {c.id: (c.applied_fen, c.unapplied_fen) for c in s.scalars(select(Collection))}
    older, newer = (charges[f"{o.order_no}-D1"] for o in (first, second))
    assert alloc == [(part.collection_id, older, 6_600), (part.collection_id, newer, 1_400),
                     (rest.collection_id, newer, 5_200)]
    assert got == {part.collection_id: (8_000, 0), rest.collection_id: (5_200, 4_800)}
    balance = get(client, admin, f"/customers/{field.customer}/receivables")
    assert sum(e["amount_fen"] for e in balance["items"]) == 0  # never below zero: the rest is an advance
    assert get(client, admin, "/collections", unapplied=True)["total"] == 1


def test_visits_are_checked_against_the_customer_types_steps(client: TestClient, admin: dict[str, str],
                                                             field: Field) -> None:
    photo = AttachmentRef(sha256="ab" * 32, size=1234, content_type="image/jpeg", step="shelf_check")
    full = VisitRecorded(visit_id=uuid7(), customer_id=field.customer, rep_id=field.rep, terminal_id=field.tablet_id,
                         checked_in_at=T0, checked_out_at=T0 + timedelta(minutes=20), notes="货架整齐",
                         steps=[VisitStepDone(step="shelf_check")], photos=[photo], order_ids=[uuid7()])
    short = VisitRecorded(visit_id=uuid7(), customer_id=field.customer, rep_id=field.rep,
                          terminal_id=field.tablet_id, checked_in_at=T0 + timedelta(hours=1), notes="老板不在")
    assert [r["status"] for r in field.push(client, full, short)] == ["applied", "applied"]
    visits = {v["id"]: v for v in get(client, admin, "/visits", customer_id=field.customer)["items"]}
    assert visits[full.visit_id]["missing_steps"] == []  # direct: shelf check + order
    assert visits[short.visit_id]["missing_steps"] == ["shelf_check", "order"]
    assert visits[full.visit_id]["photos"][0]["sha256"] == "ab" * 32
    # the same visit again (another event id) is a duplicate document: rejected, kept in quarantine
    again = VisitRecorded.model_validate(full.model_dump())
    assert field.push(client, again)[0]["status"] == "rejected"


def test_returns_from_the_tablet_are_priced_from_the_order(client: TestClient, admin: dict[str, str],
                                                           field: Field) -> None:
    o = field.order(lines=[(field.cola, "box", 24, "3", 19_800), (field.rice, "pc", 1, "2", 11_980)])
    field.push(client, o)
    for d in get(client, admin, f"/sales-orders/{o.order_no}")["deliveries"]:
        post(client, admin, f"/deliveries/{d['delivery_no']}/deliver", {})
    refused = OrderReturnRecorded(return_id=uuid7(), return_no="RT-0001", order_id=o.order_id, rep_id=field.rep,
                                  terminal_id=field.tablet_id, returned_at=T0, kind=ReturnKind.REFUSED,
                                  reason="一箱破损", lines=[OrderReturnLine(order_line_no=1, product_id=field.cola,
                                                                             qty=Decimal(1), restock=False)])
    too_many = OrderReturnRecorded(return_id=uuid7(), return_no="RT-0002", order_id=o.order_id, rep_id=field.rep,
                                   terminal_id=field.tablet_id, returned_at=T0,
                                   lines=[OrderReturnLine(order_line_no=2, product_id=field.rice, qty=Decimal(3))])
    not_yet = OrderReturnRecorded(return_id=uuid7(), return_no="RT-0003", order_id=uuid7(), rep_id=field.rep,
                                  terminal_id=field.tablet_id, returned_at=T0,
                                  lines=[OrderReturnLine(order_line_no=1, product_id=field.rice, qty=Decimal(1))])
    results = field.push(client, refused, too_many, not_yet)
    assert [r["status"] for r in results] == ["applied", "rejected", "deferred"]
    assert results[1]["code"] == "return_exceeds_sale"
    order = get(client, admin, f"/sales-orders/{o.order_no}")
    assert (order["returned_fen"], order["lines"][0]["delivered_qty"], order["lines"][0]["returned_qty"]) == (
        6_600, "3.000", "1.000")
    assert order["status"] == "delivered"


def test_the_tablet_pulls_its_customers_orders_route_and_target_and_nothing_of_other_reps(
        client: TestClient, admin: dict[str, str], field: Field) -> None:
    plan = client.put(f"{API}/reps/{field.rep}/visit-plan", headers=admin,
                      json={"days": {"1": [field.customer, field.cod_customer], "4": [field.customer]}})
    assert plan.status_code == 200, plan.text
    assert client.put(f"{API}/reps/{field.rep}/visit-plan", headers=admin,
                      json={"days": {"1": [field.other_customer]}}).status_code == 422
    assert client.put(f"{API}/reps/{field.rep}/targets/2026-03", headers=admin,
                      json={"target_fen": 5_000_000}).status_code == 200
    o = field.order(lines=[(field.cola, "box", 24, "18", 120_000)])  # held: over the limit
    field.push(client, o)
    rows = pull(client, field.tablet)
    customer = rows[("customer", str(field.customer))]
    assert (customer["credit_limit_fen"], customer["customer_type"], customer["payment_terms"]) == (
        100_000, "direct", "credit")
    assert customer["last_orders"][0]["order_no"] == o.order_no  # type: ignore[index]
    order = rows[("sales_order", o.order_id)]
    assert (order["status"], order["hold_reasons"]) == ("held", ["credit_limit"])
    assert rows[("visit_plan", str(field.rep))]["days"] == {"1": [field.customer, field.cod_customer],
                                                            "4": [field.customer]}
    target = rows[("rep_target", f"{field.rep}:2026-03")]
    assert (target["target_fen"], target["achieved_fen"], target["orders"]) == (5_000_000, 120_000, 1)
    assert ("customer_type", "consignment") in rows
    assert rows[("floor_price", str(field.cola))]["prices"] == {"box": 6000}
    theirs = pull(client, field.other_tablet)
    assert ("customer", str(field.customer)) not in theirs
    assert ("sales_order", o.order_id) not in theirs
    assert ("visit_plan", str(field.rep)) not in theirs
    # approval travels back; a customer given to the other rep takes its orders along
    post(client, admin, f"/sales-orders/{o.order_no}/approve", {"note": "老客户，特批"})
    assert pull(client, field.tablet)[("sales_order", o.order_id)]["status"] == "approved"
    client.patch(f"{API}/customers/{field.customer}", headers=admin, json={"rep_id": field.other_rep})
    assert ("sales_order", o.order_id) in pull(client, field.other_tablet)
    assert ("sales_order", o.order_id) not in pull(client, field.tablet)
    assert json.dumps(customer, ensure_ascii=False)  # plain JSON all the way


def test_an_older_tablet_is_still_served_and_central_announces_its_protocol(client: TestClient, admin: dict[str, str],
                                                                           field: Field) -> None:
    from sync.events import make_event

    old_form = {"order_id": uuid7(), "order_no": "FO-OLD-1", "customer_id": field.customer, "rep_id": field.rep,
                "terminal_id": field.tablet_id, "ordered_at": "2026-03-02T02:00:00Z", "total_fen": 600,
                "on_credit": True, "note": None, "lines": [{"product_id": field.rice, "sku": "2001", "unit_code": "pc",
                                                            "unit_factor": 1, "qty": "1", "amount_fen": 600,
                                                            "unit_price_fen": 600}]}
    env = make_event(terminal_id=field.tablet_id, seq=1, payload=field.order()).model_dump(mode="json")
    from sync.events import payload_hash

    env.update(payload=old_form, payload_hash=payload_hash(old_form))
    r = client.post(f"{API}/sync/push", headers={**field.tablet, "X-POS-Protocol": "1"},
                    json={"protocol_version": 1, "terminal_id": field.tablet_id, "events": [env]})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == "applied"
    assert r.headers["X-POS-Protocol"] == str(PROTOCOL_VERSION) == "4"
    assert get(client, admin, "/sales-orders/FO-OLD-1")["status"] == "approved"
