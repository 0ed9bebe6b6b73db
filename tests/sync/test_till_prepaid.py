"""Stored value and vouchers from real tills to a real central (SQLite and PostgreSQL), two tills
offline at once: what each till did is applied at central, and what does not hold — a balance
overdrawn by both, one voucher used on both — is flagged for review with both sales named."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.db import session_scope
from central.members.models import Member
from central.review.models import ReviewFlag
from central.sales.models import Sale
from central.stored_value import service as stored_value
from central.stored_value.models import StoredValueEntry
from central.users.models import User
from central.vouchers import service as vouchers
from central.vouchers.models import Voucher
from terminal import shift as shifts
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.members import find_member
from terminal.session import Session, hash_pin
from terminal.store import Store
from terminal.stored_value import TopUp

from .world import Seeded, Till, enrol_till, seed

SERVER = "http://central"
PIN = "2468"


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    s = seed(central_engine, products=4, members=1)
    with session_scope(central_engine) as db:
        user = db.get(User, s.cashier_ids[s.store_ids["S01"]])
        assert user is not None
        user.pin_hash = hash_pin(PIN)
        member = db.get(Member, s.member_ids[0])
        assert member is not None
        stored_value.adjust(db, member, amount_fen=300, note="开卡预存", actor=None)
        stored_value.create_rule(db, actor=None, name="充1元送1角", min_topup_fen=100, bonus_fen=10)
        batch = vouchers.create_batch(db, actor=None, code="WELCOME", name="一元券", kind="value", value_fen=100)
        vouchers.issue(db, batch, code="WELCOME0001", actor=None)
    return s


def checkout(till: Till, engine: Engine, seeded: Seeded) -> Checkout:
    with session_scope(engine, write=False) as db:
        user = db.get(User, seeded.cashier_ids[seeded.store_ids["S01"]])
        assert user is not None
        code = str(user.staff_code)
    session = Session(till.store)
    session.sign_in(code, PIN)
    if shifts.current_shift(till.store) is None:
        shifts.open_shift(till.store, session, 10000)
    return Checkout(till.store, session, Catalog(till.store))


def flags(engine: Engine, kind: str) -> list[ReviewFlag]:
    with session_scope(engine, write=False) as db:
        return list(db.execute(select(ReviewFlag).where(ReviewFlag.kind == kind)).scalars())


def sync(*tills: Till) -> None:
    for t in tills:
        report = t.sync_client().sync_round()
        assert report.push.rejected == 0


def stored(store: Store, member_id: str) -> int:
    return find_member(store, Catalog(store), member_id).stored_value_fen


def test_two_tills_offline_overdraw_stored_value_and_use_one_voucher_twice(
        central_engine: Engine, api: TestClient, seeded: Seeded, tmp_path: Path) -> None:
    a, b = (enrol_till(central_engine, tmp_path / f"t{i}", seeded.store_ids["S01"], SERVER, api, seed_=i)
            for i in range(2))
    member_id = seeded.member_ids[0]
    pids = seeded.product_ids
    ca, cb = checkout(a, central_engine, seeded), checkout(b, central_engine, seeded)
    assert stored(a.store, member_id) == stored(b.store, member_id) == 300
    # both tills offline from here: each spends the whole balance and the same voucher
    receipts = []
    for till, items in ((ca, pids[:3]), (cb, pids[1:4])):
        till.set_member("M000000")
        for pid in items:
            till.add_product(pid)
        assert till.apply_voucher("WELCOME0001").amount_fen == 100
        paid = till.pay_stored_value().amount_fen  # what is due after the voucher, within the 3.00 balance
        assert till.remaining_fen == 0
        receipts.append(till.complete().receipt_no)
        assert stored(till.store, member_id) == 300 - paid
    sync(a, b)
    with session_scope(central_engine, write=False) as db:
        assert db.scalar(select(Sale.id).where(Sale.receipt_no == receipts[1])) is not None  # applied, not refused
        member = db.get(Member, member_id)
        assert member is not None
        pays = sorted(db.execute(select(StoredValueEntry.amount_fen).where(
            StoredValueEntry.member_id == member_id, StoredValueEntry.kind == "pay")).scalars())
        assert pays == [-209, -206]
        assert member.stored_value_fen == 300 - 206 - 209  # overdrawn by both tills: applied
        voucher = db.scalar(select(Voucher).where(Voucher.code == "WELCOME0001"))
        assert voucher is not None
        assert voucher.status == "redeemed"
        assert voucher.uses == 2
    (overdraw,) = flags(central_engine, "stored_value_overdraw")
    assert overdraw.subject == receipts[1]
    (double,) = flags(central_engine, "voucher_double_use")
    assert receipts[0] in double.message_zh
    assert receipts[1] in double.message_zh
    # the next pull brings central's balance to both tills; a top-up at A (head office's bonus) pays it back
    sync(a, b)
    assert stored(a.store, member_id) == stored(b.store, member_id) == -115
    top = TopUp(a.store, ca.session, ca.catalog, find_member(a.store, ca.catalog, member_id), 200)
    top.takings.add_cash()
    assert top.complete().balance_fen == 95
    sync(a)
    sync(b)
    assert stored(a.store, member_id) == stored(b.store, member_id) == 95
    assert flags(central_engine, "stored_value_bonus_mismatch") == []
    with session_scope(central_engine, write=False) as db:
        member = db.get(Member, member_id)
        assert member is not None
        assert member.stored_value_fen == 95
