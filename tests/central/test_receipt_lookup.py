"""`GET /api/v1/sales/by-receipt/{receipt_no}`: a till of the same store fetches another till's sale
for a return; another store's till, an unknown receipt and a console user all get nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.db import session_scope
from central.errors import DomainError
from central.sales import ingest
from sync.events import SaleCompleted, Tender
from tests.central.domains.conftest import World, line, return_of, sale, shift_opened
from tests.central.domains.conftest import world as world  # noqa: F401  (the fixture)

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
Headers = dict[str, str]


def _device(client: TestClient, admin: Headers, store_id: int) -> Headers:
    code = client.post("/api/v1/enrolment-codes", json={"store_id": store_id}, headers=admin).json()["code"]
    cred = client.post("/api/v1/enroll", json={"code": code}).json()["credential"]
    return {"Authorization": f"Device {cred}"}


def _apply(engine: Engine, fn: object, ev: object) -> None:
    with session_scope(engine) as s:
        fn(s, ev, terminal_id=ev.terminal_id, store_id=ev.store_id, received_at=NOW)  # type: ignore[attr-defined,operator]


def _sold(engine: Engine, w: World) -> SaleCompleted:
    _apply(engine, ingest.apply_shift_opened, shift_opened(w))
    ev = sale(w, [line(1, w.cola, 3, 300), line(2, w.apples, "1.250", 1280, tax_bp=900),
                  line(3, w.rice, 1, 5990, tax_bp=900)],
              tenders=[(Tender.WECHAT, 5000), (Tender.CASH, 900 + 1600 + 5990 - 5000)], member_id=w.member,
              points_earned=84)
    _apply(engine, ingest.apply_sale_completed, ev)
    return ev


def test_same_store_till_gets_the_sale_with_what_was_returned(
        client: TestClient, admin: Headers, engine: Engine, world: World) -> None:
    # given a sale at till 1 of store 1, 2 of its 3 cans returned there
    ev = _sold(engine, world)
    ret = return_of(world, ev, [(1, "2")])
    _apply(engine, ingest.apply_sale_returned, ret)
    # when another till of the same store looks the receipt up
    r = client.get(f"/api/v1/sales/by-receipt/{ev.receipt_no}", headers=_device(client, admin, world.store))
    # then it gets the sale as sold, with the returned quantity and money per line
    assert r.status_code == 200, r.text
    body = r.json()
    got = SaleCompleted.model_validate(body["sale"])
    assert got.sale_id == ev.sale_id
    assert got.member_id == world.member
    assert got.points_earned == 84
    assert [(ln.line_no, ln.qty, ln.amount_fen, ln.tax_fen, ln.unit_code, ln.unit_factor) for ln in got.lines] == \
        [(ln.line_no, ln.qty, ln.amount_fen, ln.tax_fen, ln.unit_code, ln.unit_factor) for ln in ev.lines]
    # pieces stay whole ("3"), weights keep their 3 places ("1.250"): the till tells them apart so
    assert str(got.lines[0].qty) == "3"
    assert str(got.lines[1].qty) == "1.250"
    assert [(p.tender, p.amount_fen) for p in got.payments] == [(p.tender, p.amount_fen) for p in ev.payments]
    returned = {x["line_no"]: (Decimal(x["qty"]), x["amount_fen"]) for x in body["returned"]}
    assert returned == {1: (Decimal(2), 600), 2: (Decimal(0), 0), 3: (Decimal(0), 0)}
    [past] = body["returns"]
    assert past["return_id"] == ret.return_id
    assert past["total_fen"] == 600
    assert [(x["original_line_no"], Decimal(x["qty"])) for x in past["lines"]] == [(1, Decimal(2))]
    assert [(x["tender"], x["amount_fen"]) for x in past["refunds"]] == [("cash", 600)]


def test_another_store_receipt_is_refused_without_its_content_and_an_unknown_one_is_404(
        client: TestClient, admin: Headers, engine: Engine, world: World) -> None:
    """Without chain-wide returns a till is told that the receipt is another store's (403, so the
    cashier can say why) but is given nothing of the sale; an unknown receipt is a plain 404."""
    ev = _sold(engine, world)
    other = _device(client, admin, world.store2)
    theirs = client.get(f"/api/v1/sales/by-receipt/{ev.receipt_no}", headers=other)
    unknown = client.get("/api/v1/sales/by-receipt/NO-SUCH-1", headers=other)
    assert theirs.status_code == 403
    assert theirs.json()["error"]["code"] == "return_other_store"
    assert set(theirs.json()) == {"error"}
    assert ev.lines[0].name not in theirs.text
    assert str(ev.total_fen) not in theirs.text
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "receipt_not_found"
    # console users (even admins) use /sales; the lookup is for tills only
    assert client.get(f"/api/v1/sales/by-receipt/{ev.receipt_no}", headers=admin).status_code == 403
    assert client.get(f"/api/v1/sales/by-receipt/{ev.receipt_no}").status_code == 401


def test_central_refuses_a_return_beyond_what_was_sold(engine: Engine, world: World) -> None:
    """The guarantee the lookup relies on: two tills each returning what they saw cannot together
    return more than was sold; central's ingest refuses the second (it is then quarantined)."""
    ev = _sold(engine, world)
    _apply(engine, ingest.apply_sale_returned, return_of(world, ev, [(1, "2")]))
    with pytest.raises(DomainError):
        _apply(engine, ingest.apply_sale_returned, return_of(world, ev, [(1, "2")]))


@pytest.mark.parametrize("speaks", [None, "1", "3"])
def test_an_older_till_gets_the_sale_without_fields_it_does_not_know(
        client: TestClient, admin: Headers, engine: Engine, world: World, speaks: str | None) -> None:
    """A till of protocol < 4 parses the sale with a `SaleCompleted` that refuses unknown fields:
    the answer leaves out `points_value_fen` and the lines' `weighed` (sync/protocol.py, 4)."""
    ev = _sold(engine, world)
    headers = _device(client, admin, world.store) | ({"X-POS-Protocol": speaks} if speaks else {})
    r = client.get(f"/api/v1/sales/by-receipt/{ev.receipt_no}", headers=headers)
    assert r.status_code == 200, r.text
    sale_json = r.json()["sale"]
    assert "points_value_fen" not in sale_json
    assert all("weighed" not in ln for ln in sale_json["lines"])
    assert set(sale_json) <= set(SaleCompleted.model_fields) - {"points_value_fen"}


def test_a_protocol_4_till_is_told_which_lines_are_weighed_and_what_points_paid(
        client: TestClient, admin: Headers, engine: Engine, world: World) -> None:
    ev = _sold(engine, world)
    headers = _device(client, admin, world.store) | {"X-POS-Protocol": "4"}
    r = client.get(f"/api/v1/sales/by-receipt/{ev.receipt_no}", headers=headers)
    assert r.status_code == 200, r.text
    got = SaleCompleted.model_validate(r.json()["sale"])
    # central's own product data says which is weighed, not the form of the quantity
    assert [ln.weighed for ln in got.lines] == [False, True, False]
    assert got.points_value_fen == 0
