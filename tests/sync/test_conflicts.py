"""Each rule of sync/CONFLICTS.md, end to end through the real API (rules 1, 2 and 10 are also
covered in test_ingest.py / test_e2e.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.auth.passwords import hash_password
from central.auth.roles import DeviceKind
from central.customers.models import Customer, CustomerFieldChange
from central.db import session_scope
from central.inventory.models import StockOnHand
from central.members.models import Member, PointsEntry
from central.sales.models import Sale, SaleReturn, Shift
from central.syncing import feed
from central.users.models import User
from sync.events import CustomerUpdated, ShiftClosed
from terminal.store import open_store
from terminal.sync_client import setup
from terminal.sync_client.client import status_dict

from .world import Seeded, Till, enrol_till, enrolment_code, seed

SERVER = "http://central"


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    return seed(central_engine, products=6, members=2)


def tills(engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path, n: int = 2) -> list[Till]:
    return [enrol_till(engine, tmp_path / f"t{i}", seeded.store_ids["S01"], SERVER, api, seed_=i) for i in range(n)]


def test_rule3_two_tills_sell_the_last_item_stock_goes_negative_not_refused(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    a, b = tills(central_engine, api, seeded, tmp_path)
    pid = seeded.product_ids[0]
    sa, sb = a.sell([pid]), b.sell([pid])  # central has none in stock
    for t in (a, b):
        report = t.sync_client().sync_round()
        assert report.current
        assert report.push.rejected == 0
    with session_scope(central_engine, write=False) as s:
        assert {x.id for x in s.execute(select(Sale)).scalars()} == {sa.sale_id, sb.sale_id}
        on_hand = s.execute(select(StockOnHand.qty_m).where(StockOnHand.product_id == pid)).scalar_one()
    assert on_hand == -2000


def test_rule4_offline_redemptions_that_overdraw_are_applied_and_flagged(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    a, b = tills(central_engine, api, seeded, tmp_path)
    member = seeded.member_ids[0]  # 500 points at central; both tills believe they can use 400
    expensive = seeded.product_ids[5]
    a.sell([expensive], member_id=member, redeem=100, qty=4)
    b.sell([expensive], member_id=member, redeem=100, qty=4)
    a.sell([expensive], member_id=member, redeem=400, qty=4)
    b.sell([expensive], member_id=member, redeem=400, qty=4)
    for t in (a, b):
        assert t.sync_client().sync_round().push.rejected == 0
    with session_scope(central_engine, write=False) as s:
        balance = s.get(Member, member).points_balance  # type: ignore[union-attr]
        flagged = s.execute(select(PointsEntry).where(PointsEntry.member_id == member,
                                                      PointsEntry.overdrawn.is_(True))).scalars().all()
    earned = sum(x.points_earned for t in (a, b) for x in t.sales.values())
    assert balance == 500 - 1000 + earned
    assert flagged
    # and the new balance travels back to every till
    a.sync_client().pull()
    row = a.store.one("SELECT data FROM master WHERE entity='member' AND id=?", (member,))
    assert row is not None
    assert json.loads(row[0])["points_balance"] == balance


def test_rule5_a_sale_keeps_the_price_version_it_was_priced_with(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    (a,) = tills(central_engine, api, seeded, tmp_path, n=1)
    version = status_dict(a.store)["cursor"]
    sale = a.sell([seeded.product_ids[0]])
    assert sale.price_version == version > 0
    a.sync_client().sync_round()
    with session_scope(central_engine, write=False) as s:
        got = s.get(Sale, sale.sale_id)
        assert got is not None
        assert got.price_version == version
        assert got.total_fen == sale.total_fen  # central does not re-price


def _reps(s: Session, seeded: Seeded, *names: str) -> list[int]:
    """Sales reps of store S01; their user ids."""
    ids = []
    for name in names:
        u = User(username=name, display_name=name, role="sales_rep", store_id=seeded.store_ids["S01"],
                 password_hash=hash_password("x" * 8))
        s.add(u)
        s.flush()
        ids.append(u.id)
    return ids


def test_rule6_rep_edits_merge_field_by_field_later_receipt_wins_history_kept_and_scope_is_the_rep(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    with session_scope(central_engine) as s:
        reps = _reps(s, seeded, "rep1", "rep2")
        mine = Customer(code="C001", name="张记小卖部", contact_name="张三", contact_phone="13900000000", rep_id=reps[0])
        theirs = Customer(code="C002", name="李家餐馆", rep_id=reps[1])
        s.add_all([mine, theirs])
        s.flush()
        mine_id, theirs_id = mine.id, theirs.id
    store = open_store(tmp_path / "tablet")
    code = enrolment_code(central_engine, seeded.store_ids["S01"], DeviceKind.REP, rep_user_id=reps[0])
    setup.enroll(store, SERVER, code, client=api)
    setup.bootstrap(store, client=api)
    tablet = Till(store=store, client=api, server=SERVER)
    customers = {r[0] for r in store.all("SELECT id FROM master WHERE entity='customer'")}
    assert customers == {str(mine_id)}  # only the rep's own customers
    # two offline edits: the phone twice, the address once; the second receipt wins the phone
    earlier = datetime.now(UTC) - timedelta(hours=1)
    with store.transaction():
        store.outbox.append(CustomerUpdated(customer_id=mine_id, rep_id=reps[0], terminal_id=tablet.terminal_id,
                                                   edited_at=earlier, fields={"contact_phone": "13911111111",
                                                                              "address": "人民路1号"}))
        store.outbox.append(CustomerUpdated(customer_id=mine_id, rep_id=reps[0], terminal_id=tablet.terminal_id,
                                                   edited_at=earlier - timedelta(days=1),  # a wrong clock
                                                   fields={"contact_phone": "13922222222"}))
    report = tablet.sync_client().sync_round()
    assert report.push.rejected == 0
    with session_scope(central_engine, write=False) as s:
        c = s.get(Customer, mine_id)
        assert c is not None
        assert (c.contact_phone, c.address, c.contact_name) == ("13922222222", "人民路1号", "张三")
        history = [(h.field, h.old_value, h.new_value) for h in s.execute(
            select(CustomerFieldChange).where(CustomerFieldChange.customer_id == mine_id)
            .order_by(CustomerFieldChange.id)).scalars()]
    assert ("contact_phone", "13900000000", "13911111111") in history
    assert ("contact_phone", "13911111111", "13922222222") in history
    # the merged record flows back to the tablet; the other rep's customer never does
    data = json.loads(store.scalar("SELECT data FROM master WHERE entity='customer' AND id=?", (str(mine_id),)))
    assert data["contact_phone"] == "13922222222"
    # an edit of another rep's customer is refused (and kept in quarantine), not applied
    with store.transaction():
        store.outbox.append(CustomerUpdated(customer_id=theirs_id, rep_id=reps[0],
                                                   terminal_id=tablet.terminal_id, edited_at=earlier,
                                                   fields={"notes": "抢客户"}))
    assert tablet.sync_client().sync_round().push.rejected == 1
    with session_scope(central_engine, write=False) as s:
        assert s.get(Customer, theirs_id).notes is None  # type: ignore[union-attr]
    # reassigning the customer to rep 2 sends the tablet a tombstone
    with session_scope(central_engine) as s:
        s.get(Customer, mine_id).rep_id = reps[1]  # type: ignore[union-attr]
    tablet.sync_client().pull()
    assert store.scalar("SELECT count(*) FROM master WHERE entity='customer'") == 0


def test_rule7_a_wrong_till_clock_is_kept_as_reported_and_central_orders_by_receipt(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    (a,) = tills(central_engine, api, seeded, tmp_path, n=1)
    # within the contract's window (2000-01-01 .. receiver's clock + 2 days) a wrong clock is kept
    years_behind = datetime(2019, 5, 1, 8, 0, tzinfo=UTC)
    a_day_ahead = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    sales = [a.sell([seeded.product_ids[0]], sold_at=when) for when in (years_behind, a_day_ahead)]
    before = datetime.now(UTC)
    assert a.sync_client().sync_round().push.rejected == 0
    with session_scope(central_engine, write=False) as s:
        for sale, when in zip(sales, (years_behind, a_day_ahead), strict=True):
            got = s.get(Sale, sale.sale_id)
            assert got is not None
            assert got.sold_at == when
            assert before - timedelta(seconds=5) <= got.received_at <= datetime.now(UTC) + timedelta(seconds=5)


def test_rule7_a_clock_years_ahead_is_refused_at_the_till_before_a_sale_is_made(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    (a,) = tills(central_engine, api, seeded, tmp_path, n=1)
    a.open_shift()
    events_before = a.store.scalar("SELECT count(*) FROM outbox")
    with pytest.raises(ValidationError, match="clock is wrong"):
        a.sell([seeded.product_ids[0]], sold_at=datetime(2031, 5, 1, 8, 0, tzinfo=UTC))
    assert a.store.scalar("SELECT count(*) FROM outbox") == events_before


def test_rule8_a_sale_arriving_after_its_shift_closed_is_posted_to_that_shift_and_flagged(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    (a,) = tills(central_engine, api, seeded, tmp_path, n=1)
    a.open_shift()
    sale = a.sell([seeded.product_ids[0]])
    with a.store.transaction():
        a.store.outbox.append(ShiftClosed(
            shift_id=a.shift_id, store_id=a.store_id, terminal_id=a.terminal_id, cashier_id=a._any_cashier(),
            closed_at=datetime.now(UTC), counted_cash_fen=10000 + sale.total_fen,
            expected_cash_fen=10000 + sale.total_fen, sales_count=1, returns_count=0))
    # the sale's push is lost on the way; the shift events get through first
    with a.store.transaction():
        a.store.execute("UPDATE outbox SET status='acked' WHERE type='sale.completed'")
    a.sync_client().push()
    with session_scope(central_engine, write=False) as s:
        shift = s.get(Shift, a.shift_id)
        assert shift is not None
        assert shift.status == "closed"
    with a.store.transaction():
        a.store.execute("UPDATE outbox SET status='pending' WHERE type='sale.completed'")
    assert a.sync_client().sync_round().current
    with session_scope(central_engine, write=False) as s:
        shift = s.get(Shift, a.shift_id)
        got = s.get(Sale, sale.sale_id)
        assert shift is not None
        assert got is not None
        assert got.shift_id == a.shift_id
        assert shift.late_postings == 1
        assert shift.sales_count == 1
        assert shift.sales_total_fen == sale.total_fen


def test_rule9_receipt_prefixes_are_unique_across_the_business(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    a, b = tills(central_engine, api, seeded, tmp_path)
    c = enrol_till(central_engine, tmp_path / "c", seeded.store_ids["S02"], SERVER, api, seed_=3)
    prefixes = [t.store.get_setting("receipt_prefix") for t in (a, b, c)]
    assert len(set(prefixes)) == 3
    assert all(p and p.startswith(code) for p, code in zip(prefixes, ("S01", "S01", "S02"), strict=True))
    terminal_rows = [json.loads(t.store.scalar("SELECT data FROM master WHERE entity='terminal' AND id=?",
                                               (str(t.terminal_id),))) for t in (a, b, c)]
    assert [r["receipt_prefix"] for r in terminal_rows] == prefixes


def test_rule2_a_return_of_a_sale_central_has_not_seen_is_deferred_then_applied(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    (a,) = tills(central_engine, api, seeded, tmp_path, n=1)
    sale = a.sell([seeded.product_ids[0], seeded.product_ids[1]])
    ret = a.give_back(sale)
    # the sale's first push attempt is lost; the return arrives alone
    with a.store.transaction():
        a.store.execute("UPDATE outbox SET status='acked' WHERE type='sale.completed'")
    report = a.sync_client().push()
    assert report.deferred == 1
    assert a.pending() == 1
    with a.store.transaction():
        a.store.execute("UPDATE outbox SET status='pending' WHERE type='sale.completed'")
    assert a.sync_client().sync_round().current
    with session_scope(central_engine, write=False) as s:
        assert s.get(SaleReturn, ret.return_id) is not None


def test_rule11_a_cursor_older_than_the_tombstone_horizon_rebootstraps_and_drops_deleted_rows(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    from central.catalog.models import Product

    (a,) = tills(central_engine, api, seeded, tmp_path, n=1)
    gone = seeded.product_ids[2]
    with session_scope(central_engine) as s:
        s.get(Product, gone).active = False  # type: ignore[union-attr]
    with session_scope(central_engine) as s:
        assert feed.purge_tombstones(s, feed.counter(s) + 1) >= 1  # horizon = the current position
    pulled = a.sync_client().pull()
    assert pulled > 0  # a fresh snapshot
    assert a.store.scalar("SELECT count(*) FROM master WHERE entity='product' AND id=?", (str(gone),)) == 0
    assert a.store.scalar("SELECT count(*) FROM barcode_index WHERE product_id=?", (str(gone),)) == 0
    assert a.store.scalar("SELECT count(*) FROM master WHERE entity='product'") == 5


def test_quarantine_api_lists_and_resolves(central_engine: Engine, api: TestClient, seeded: Seeded,
                                           tmp_path: Path) -> None:
    (a,) = tills(central_engine, api, seeded, tmp_path, n=1)
    a.sell([424242])
    a.sync_client().sync_round()
    with session_scope(central_engine) as s:
        s.add(User(username="boss", display_name="老板", role="admin", password_hash=hash_password("secret-123")))
    token = api.post("/api/v1/auth/login", json={"username": "boss", "password": "secret-123"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    items = api.get("/api/v1/sync/quarantine", headers=headers).json()
    assert [i["code"] for i in items] == ["product_not_found"]
    # the till sees its own list with its device credential
    mine = api.get("/api/v1/sync/my-quarantine", headers={"Authorization": f"Device {a.store.get_setting('credential')}"})
    assert [i["event_id"] for i in mine.json()] == [items[0]["event_id"]]
    bad = api.post(f"/api/v1/sync/quarantine/{items[0]['id']}/resolve", headers=headers, json={"action": "explode"})
    assert bad.status_code == 422
    retry = api.post(f"/api/v1/sync/quarantine/{items[0]['id']}/resolve", headers=headers, json={"action": "retry"})
    assert retry.status_code == 422  # still an unknown product
    assert retry.json()["error"]["code"] == "retry_failed"
    done = api.post(f"/api/v1/sync/quarantine/{items[0]['id']}/resolve", headers=headers,
                    json={"action": "dismiss", "note": "扫错了"})
    assert done.status_code == 200
    assert api.get("/api/v1/sync/quarantine", headers=headers).json() == []
    assert api.get("/api/v1/sync/quarantine", headers={
        "Authorization": f"Device {a.store.get_setting('credential')}"}).status_code == 403


def test_a_customer_given_to_another_rep_takes_its_own_price_list_along(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    from central.pricing.models import PriceList, PriceListItem

    with session_scope(central_engine) as s:
        reps = _reps(s, seeded, "rep-a", "rep-b")
        customer = Customer(code="C101", name="王记批发部", rep_id=reps[0])
        s.add(customer)
        s.flush()
        own = PriceList(code="PL-C101", name="王记专价", scope="customer", target_id=customer.id,
                        items=[PriceListItem(product_id=seeded.product_ids[0], unit_code="pc", price_fen=250)])
        s.add(own)
        s.flush()
        customer_id, list_id = customer.id, own.id
    tablets = []
    for i, rep in enumerate(reps):
        store = open_store(tmp_path / f"tablet-{i}")
        setup.enroll(store, SERVER, enrolment_code(central_engine, seeded.store_ids["S01"], DeviceKind.REP,
                                                   rep_user_id=rep), client=api)
        setup.bootstrap(store, client=api)
        tablets.append(Till(store=store, client=api, server=SERVER))

    def held(tablet: Till, entity: str) -> set[str]:
        return {r[0] for r in tablet.store.all("SELECT id FROM master WHERE entity=?", (entity,))}

    assert held(tablets[0], "price_list") >= {str(list_id)}
    assert str(list_id) not in held(tablets[1], "price_list")
    # head office gives the customer to rep B: the customer and its own price list move together
    with session_scope(central_engine) as s:
        moved = s.get(Customer, customer_id)
        assert moved is not None
        moved.rep_id = reps[1]
    for tablet in tablets:
        assert tablet.sync_client().sync_round().current
    assert str(customer_id) in held(tablets[1], "customer")
    assert str(list_id) in held(tablets[1], "price_list")
    assert str(customer_id) not in held(tablets[0], "customer")
    assert str(list_id) not in held(tablets[0], "price_list")
