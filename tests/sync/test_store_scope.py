"""#10 §2 people and places: a return takes back a sale of its own store unless head office allows
chain-wide returns (跨店退货, a store setting both the till and central follow), and the people a
till names (the opener of a shift, the cashier of a return) are till staff of its store. A return
or shift that happened is applied; what does not hold is flagged on the review list.

Real terminal stores (SQLite files), the real central app and push/pull/lookup API, on SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.audit.service import history
from central.auth.passwords import hash_password
from central.db import session_scope
from central.inventory.models import StockMovement
from central.org.service import default_warehouse_id
from central.review.models import ReviewFlag
from central.sales.models import Sale, SaleLine, SaleReturn, Shift
from central.users.models import User
from sync.events import SaleCompleted
from terminal import online_lookup
from terminal.catalog import Catalog
from terminal.errors import NotFound
from terminal.returns import find_sale, return_sale
from terminal.session import Session
from terminal.shift import current_shift, open_shift
from terminal.store import Store
from tests.terminal.helpers import MANAGER_PIN, _pin_hash

from .world import Seeded, Till, enrol_till, seed

SERVER = "http://central"


def _admin_headers(api: TestClient, engine: Engine) -> dict[str, str]:
    with session_scope(engine) as s:
        s.add(User(username="hq", display_name="总部", role="admin", password_hash=hash_password("pw-hq-123456")))
    r = api.post("/api/v1/auth/login", json={"username": "hq", "password": "pw-hq-123456"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _managers(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as s:
        for code, sid in seeded.store_ids.items():
            s.add(User(username=f"manager{code}", display_name=f"店长{code}", role="store_manager", store_id=sid,
                       staff_code=f"9{sid:03d}", pin_hash=_pin_hash(MANAGER_PIN)))


def _manager_session(store: Store) -> Session:
    """The store's manager signed in at the till with an open shift (refunds need no further PIN)."""
    session = Session(store)
    session.sign_in(f"9{store.store_id():03d}", MANAGER_PIN)
    open_shift(store, session, 10_000)
    return session


def _fetch(api: TestClient):  # type: ignore[no-untyped-def]
    """The till's real lookup (terminal.online_lookup) through the in-process app."""
    return lambda store, receipt: online_lookup.fetch_receipt(store, receipt, client=api)


def _flags(engine: Engine, kind: str) -> list[ReviewFlag]:
    with session_scope(engine, write=False) as s:
        rows = list(s.scalars(select(ReviewFlag).where(ReviewFlag.kind == kind).order_by(ReviewFlag.id)))
        s.expunge_all()
        return rows


def _stock_in(engine: Engine, store_id: int, product_id: int) -> int:
    with session_scope(engine, write=False) as s:
        wid = default_warehouse_id(s, store_id)
        return int(s.scalar(select(func.coalesce(func.sum(StockMovement.qty_m), 0)).where(
            StockMovement.warehouse_id == wid, StockMovement.product_id == product_id)) or 0)


def _returned_m(engine: Engine, sale: SaleCompleted) -> int:
    with session_scope(engine, write=False) as s:
        return int(s.scalar(select(SaleLine.returned_qty_m).where(SaleLine.sale_id == sale.sale_id,
                                                                  SaleLine.line_no == 1)) or 0)


def _push_ok(till: Till) -> None:
    report = till.sync_client().push()
    quarantined = [tuple(r) for r in till.store.all("SELECT type, code, message_en FROM sync_quarantine")]
    assert not quarantined, quarantined
    assert report.rejected == 0


def test_another_stores_receipt_refused_at_the_till_flagged_at_central_and_allowed_chain_wide(
        central_engine: Engine, api: TestClient, tmp_path: Path) -> None:
    engine = central_engine
    seeded = seed(engine, products=4, members=1)
    _managers(engine, seeded)
    s01, s02 = seeded.store_ids["S01"], seeded.store_ids["S02"]
    headers = _admin_headers(api, engine)
    # given sales made at a till of S01 and at central
    till_a = enrol_till(engine, tmp_path / "a", s01, SERVER, api)
    sold = [till_a.sell(seeded.product_ids[:2], qty=2) for _ in range(2)]
    _push_ok(till_a)
    # and a till of S02, whose store does not take back other stores' receipts (the default)
    till_c = enrol_till(engine, tmp_path / "c", s02, SERVER, api, seed_=3)
    assert Catalog(till_c.store).store_settings().chain_returns is False
    session = _manager_session(till_c.store)
    product = sold[0].lines[0].product_id

    # when its cashier looks up S01's receipt, the till refuses in plain words (central says why too)
    with pytest.raises(NotFound) as info:
        find_sale(till_c.store, sold[0].receipt_no, fetch=_fetch(api))
    assert info.value.code == "other_store_receipt"
    assert "跨店退货" in info.value.message
    assert "chain-wide returns are off" in info.value.message_en
    assert till_c.store.scalar("SELECT count(*) FROM remote_sales") == 0
    r = api.get(f"/api/v1/sales/by-receipt/{sold[0].receipt_no}",
                headers={"Authorization": f"Device {till_c.store.get_setting('credential')}"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "return_other_store"
    assert "sale" not in r.json()  # nothing of the sale is shown

    # when a till of S02 pushes such a return anyway (an old till, a forged event)
    stock_before = _stock_in(engine, s02, product), _stock_in(engine, s01, product)
    till_c.shift_id = current_shift(till_c.store).id  # type: ignore[union-attr]
    forced = till_c.give_back(sold[0])
    _push_ok(till_c)
    # then central applies it where it happened: recorded, goods back into S02's stock (not S01's),
    # the original line marked returned (nobody returns it twice) ...
    with session_scope(engine, write=False) as s:
        ret = s.get(SaleReturn, forced.return_id)
        assert ret is not None
        assert ret.store_id == s02
        assert ret.original_sale_id == sold[0].sale_id
    assert _stock_in(engine, s02, product) == stock_before[0] + 2000
    assert _stock_in(engine, s01, product) == stock_before[1]
    assert _returned_m(engine, sold[0]) == 2000
    # ... and flags it for head office, naming both stores
    flags = _flags(engine, "return_other_store")
    assert [(f.store_id, f.subject) for f in flags] == [(s02, forced.receipt_no)]
    assert "S01" in flags[0].message_zh
    assert "S02" in flags[0].message_zh
    assert "chain-wide" in flags[0].message_en
    assert flags[0].computed["sold_in_store_id"] == s01

    # when head office allows chain-wide returns at S02 (API, audited; not nullable)
    assert api.patch(f"/api/v1/stores/{s02}", json={"chain_returns": None}, headers=headers).status_code == 422
    r = api.patch(f"/api/v1/stores/{s02}", json={"chain_returns": True}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["chain_returns"] is True
    with session_scope(engine, write=False) as s:
        trail = history(s, entity_type="store", entity_id=s02)
        assert [(e.action, e.actor_label, e.before, e.after) for e in trail[:1]] == [
            ("store.update", "hq", {"chain_returns": False}, {"chain_returns": True})]
    # then a till still holding the old setting refuses, until it pulls the store's settings
    with pytest.raises(NotFound) as info:
        find_sale(till_c.store, sold[1].receipt_no, fetch=_fetch(api))
    assert info.value.code == "other_store_receipt"
    assert till_c.sync_client().pull() >= 1
    assert Catalog(till_c.store).store_settings().chain_returns is True
    # and the return of S01's receipt is allowed on both sides: a return of S02, no flag
    found = find_sale(till_c.store, sold[1].receipt_no, fetch=_fetch(api))
    assert found.remote
    assert found.sale.store_id == s01
    done = return_sale(till_c.store, session, sold[1].receipt_no, {1: 2})
    assert done.payload.store_id == s02
    _push_ok(till_c)
    assert _returned_m(engine, sold[1]) == 2000
    assert _stock_in(engine, s02, product) == stock_before[0] + 4000
    assert len(_flags(engine, "return_other_store")) == 1

    # when head office turns it off again, a copy the till already holds is refused offline too
    assert api.patch(f"/api/v1/stores/{s02}", json={"chain_returns": False}, headers=headers).status_code == 200
    assert till_c.sync_client().pull() >= 1
    with pytest.raises(NotFound) as info:
        find_sale(till_c.store, sold[1].receipt_no, online=False)
    assert info.value.code == "other_store_receipt"


def test_foreign_shift_opener_and_return_cashier_are_flagged_not_dropped(
        central_engine: Engine, api: TestClient, tmp_path: Path) -> None:
    engine = central_engine
    seeded = seed(engine, products=3, members=0)
    s01, s02 = seeded.store_ids["S01"], seeded.store_ids["S02"]
    with session_scope(engine) as s:
        clerk = User(username="wh01", display_name="仓管01", role="warehouse", store_id=s01)
        s.add(clerk)
        s.flush()
        clerk_id = clerk.id
    till = enrol_till(engine, tmp_path / "a", s01, SERVER, api)
    # a shift opened by S01's own cashier: no flag
    till.cashier_id = seeded.cashier_ids[s01]
    till.open_shift()
    own = till.shift_id
    sale = till.sell(seeded.product_ids[:1])
    # a shift opened by S02's cashier, one by a warehouse clerk (no till role): kept and flagged
    till.cashier_id = seeded.cashier_ids[s02]
    till.open_shift()
    foreign = till.shift_id
    till.cashier_id = clerk_id
    till.open_shift()
    clerk_shift = till.shift_id
    # a return made by S02's cashier
    ret = till.give_back(sale, cashier_id=seeded.cashier_ids[s02])
    _push_ok(till)

    with session_scope(engine, write=False) as s:
        shifts = {sh.id: sh.cashier_id for sh in s.scalars(select(Shift))}
        assert shifts[own] == seeded.cashier_ids[s01]
        assert shifts[foreign] == seeded.cashier_ids[s02]  # applied as it happened
        assert shifts[clerk_shift] == clerk_id
        assert s.get(Sale, sale.sale_id) is not None
        assert s.get(SaleReturn, ret.return_id) is not None
    opened = _flags(engine, "shift_opener_not_of_store")
    assert {(f.subject, f.computed["reason"]) for f in opened} == {
        (foreign, "other_store"), (clerk_shift, "not_till_role")}
    assert all(f.store_id == s01 for f in opened)
    assert any("收银员S02" in f.message_zh and "开班" in f.message_zh for f in opened)
    cashiers = _flags(engine, "cashier_not_of_store")
    assert [(f.subject, f.computed["reason"]) for f in cashiers
            if f.subject == ret.receipt_no] == [(ret.receipt_no, "other_store")]


def test_a_rep_collection_beyond_what_is_owed_is_kept_as_an_advance_and_flagged(
        central_engine: Engine, api: TestClient, tmp_path: Path) -> None:
    from datetime import date

    from central.customers.models import Customer
    from central.db import utcnow
    from central.field.models import Collection
    from central.finance.receivables import balance_of, post_receivable

    from .world import enrol_tablet, seed_rep

    engine = central_engine
    seeded = seed(engine, products=2, members=0, stores=("S01",))
    s01 = seeded.store_ids["S01"]
    rep_id, customers = seed_rep(engine, s01)
    with session_scope(engine) as s:  # the customer owes ¥100.00 for a delivery
        customer = s.get(Customer, customers[0])
        assert customer is not None
        post_receivable(s, customer=customer, kind="charge", amount_fen=10_000, doc_type="manual", doc_id="D1",
                        doc_no="D1", doc_date=date(2026, 11, 1), occurred_at=utcnow())
    tablet = enrol_tablet(engine, tmp_path / "tab", s01, rep_id, SERVER, api)
    # the rep collects ¥60.00 (within the debt), then ¥90.00 (¥50.00 more than is left), offline
    fine = tablet.collect(customers[0], 6_000)
    over = tablet.collect(customers[0], 9_000)
    _push_ok(tablet)
    with session_scope(engine, write=False) as s:
        got = {c.id: (c.applied_fen, c.unapplied_fen) for c in s.scalars(select(Collection))}
        owed = balance_of(s, customers[0])
    # both are applied as far as they hold; the excess waits as an advance (预收), nothing lost
    assert got == {fine.collection_id: (6_000, 0), over.collection_id: (4_000, 5_000)}
    assert owed == 0
    # and only the excess is flagged, with what central worked out
    flags = _flags(engine, "collection_exceeds")
    assert [(f.subject, f.store_id, f.computed["excess_fen"], f.computed["collectable_fen"]) for f in flags] == [
        (over.receipt_no, s01, 5_000, 4_000)]
    assert "预收" in flags[0].message_zh
    assert "advance" in flags[0].message_en
