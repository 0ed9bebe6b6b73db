"""Reports survive what was stored (#10 §7): every amount on the wire is at most ¥10,000,000
(`sync.ranges.MAX_AMOUNT_FEN`), so one sale fits a 32-bit column, but a shift's running totals add
many of them up. Three such sales in one shift passed 2^31 fen: on PostgreSQL the third sale's shift
update overflowed and the sale was quarantined instead of applied. Running sums are 64-bit now, and
the sales report, the shift list and the shift's detail answer with the exact sums."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.auth.passwords import hash_password
from central.catalog.models import ProductUnit
from central.db import session_scope
from central.sales.models import Sale, Shift
from central.syncing.models import SyncQuarantine
from central.users.models import User
from sync.ranges import MAX_AMOUNT_FEN
from sync.store_time import business_date

from .world import Seeded, enrol_till, seed

SERVER = "http://central"
PRICE = MAX_AMOUNT_FEN - 100  # ¥9,999,999.00: the largest a till may sell on one line


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    world = seed(central_engine, products=5, members=0, stores=("S01",))
    with session_scope(central_engine) as s:
        unit = s.scalars(select(ProductUnit).where(ProductUnit.product_id == world.product_ids[0],
                                                   ProductUnit.code == "pc")).one()
        unit.price_fen = PRICE
        s.add(User(username="hq", display_name="总部", role="admin", password_hash=hash_password("pw-hq-123456")))
    return world


def test_a_shift_of_the_largest_sales_is_applied_and_reported_exactly(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    till = enrol_till(central_engine, tmp_path / "t", seeded.store_ids["S01"], SERVER, api)
    sales = [till.sell([seeded.product_ids[0]]) for _ in range(4)]
    assert {s.total_fen for s in sales} == {PRICE}
    report = till.sync_client().sync_round()
    assert report.push.rejected == 0
    expected = 4 * PRICE
    assert expected > 2**31
    with session_scope(central_engine, write=False) as s:
        assert s.scalar(select(func.count()).select_from(SyncQuarantine)) == 0
        assert s.scalar(select(func.count()).select_from(Sale)) == 4
        shift = s.get(Shift, till.shift_id)
        assert shift is not None
        assert shift.sales_total_fen == expected

    token = api.post("/api/v1/auth/login", json={"username": "hq", "password": "pw-hq-123456"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    day = business_date(sales[0].sold_at).isoformat()
    got = api.get("/api/v1/reports/sales", params={"from": day, "to": day}, headers=headers)
    assert got.status_code == 200, got.text
    assert str(expected) in got.text
    shifts = api.get("/api/v1/shifts", headers=headers)
    assert shifts.status_code == 200, shifts.text
    assert str(expected) in shifts.text
    detail = api.get(f"/api/v1/shifts/{till.shift_id}", headers=headers)
    assert detail.status_code == 200, detail.text
    assert str(expected) in detail.text
