"""Reorder's "to ship" is what open delivery notes of approved sales orders will take out of a
warehouse (the sales-orders domain's tables), and available stock subtracts it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from central.purchasing.reorder import reorder
from tests.central.orders.conftest import Field, field  # noqa: F401  (the fixture, re-exported)


def test_open_deliveries_are_to_ship(client: TestClient, admin: dict[str, str], field: Field,  # noqa: F811
                                     engine: Engine) -> None:
    # an approved order of 5 boxes of cola and 3 boxes of water leaves open delivery notes on central
    ev = field.order(lines=[(field.cola, "box", 24, "5", 33_000), (field.water, "box", 12, "3", 6_600)])
    assert field.push(client, ev)[0]["status"] == "applied"
    with Session(engine) as s:
        plan = reorder(s, warehouse_id=field.central_wh, include_all=True)
    got = {x.product_id: x for x in plan.suggestions}
    assert plan.to_ship_known
    assert (got[field.cola].to_ship_m, got[field.water].to_ship_m) == (120_000, 36_000)
    assert got[field.cola].estimated_m == got[field.cola].on_hand_m - 120_000
