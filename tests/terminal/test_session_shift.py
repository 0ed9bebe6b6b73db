"""Sign-in, lock, manager approval, and shifts (open, X report, close by denomination)."""

from __future__ import annotations

import json

import pytest

from sync.events import EventType
from terminal import shift as shifts
from terminal.errors import ApprovalRequired, AuthError, ShiftError
from terminal.session import Action, Session
from terminal.store import Store
from tests.terminal.helpers import CASHIER_PIN, MANAGER_PIN, add_user


def test_sign_in_with_code_and_pin(store: Store) -> None:
    session = Session(store)
    user = session.sign_in("1001", CASHIER_PIN)
    assert user.name == "张三"
    assert session.signed_in
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action='sign_in' AND cashier_id=11") == 1


@pytest.mark.parametrize(("code", "pin"), [("1001", "0000"), ("nobody", "1111"), ("1001", "")])
def test_wrong_credentials_are_refused_and_audited(store: Store, code: str, pin: str) -> None:
    session = Session(store)
    with pytest.raises(AuthError) as err:
        session.sign_in(code, pin)
    assert err.value.code == "bad_credentials"
    assert "密码" in err.value.message
    assert not session.signed_in
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action='sign_in_failed'") == 1


def test_inactive_user_and_other_store_cannot_sign_in(store: Store) -> None:
    add_user(store, 13, "1003", "赵六", "cashier", "3333", active=False)
    add_user(store, 14, "1004", "钱七", "cashier", "4444", store_id=2)
    session = Session(store)
    with pytest.raises(AuthError):
        session.sign_in("1003", "3333")
    with pytest.raises(AuthError, match="store"):
        session.sign_in("1004", "4444")


def test_lock_and_unlock(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    session.lock()
    with pytest.raises(AuthError) as err:
        _ = session.user
    assert err.value.code == "locked"
    with pytest.raises(AuthError):  # another cashier may not unlock
        session.unlock("1002", "2222")
    session.unlock("9001", MANAGER_PIN)  # a manager may
    assert session.user.id == 11
    session.lock()
    session.unlock("1001", CASHIER_PIN)
    assert session.signed_in


def test_manager_approval_is_needed_and_recorded(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    with pytest.raises(ApprovalRequired):
        session.require(Action.PRICE_OVERRIDE, None)
    with pytest.raises(AuthError):  # a cashier cannot approve
        session.approve(Action.PRICE_OVERRIDE, "1002", "2222")
    approval = session.approve(Action.PRICE_OVERRIDE, "9001", MANAGER_PIN)
    assert session.require(Action.PRICE_OVERRIDE, approval) == 21
    with pytest.raises(ApprovalRequired):  # an approval is for one kind of action
        session.require(Action.REFUND, approval)
    row = store.one("SELECT * FROM audit_log WHERE action='approval'")
    assert row is not None
    assert row["approved_by"] == 21
    assert json.loads(row["detail"]) == {"action": "price_override"}


def test_shift_open_report_close(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    with pytest.raises(ShiftError):
        shifts.require_open_shift(store)
    shift = shifts.open_shift(store, session, 50_000)
    with pytest.raises(ShiftError):
        shifts.open_shift(store, session, 0)
    x = shifts.shift_report(store, shift.id, "X")
    assert x.expected_cash_fen == 50_000
    assert x.sales_count == 0
    z = shifts.close_shift(store, session, {10000: 4, "5000": 1, 100: 3, 50: 1})
    assert z.counted_cash_fen == 45_350
    assert z.difference_fen == 45_350 - 50_000
    assert shifts.current_shift(store) is None
    types = [e.type for e in store.outbox.unacked()]
    assert types == [EventType.SHIFT_OPENED, EventType.SHIFT_CLOSED]
    closed = store.outbox.unacked()[1].payload
    assert closed["counted_cash_fen"] == 45_350
    assert closed["expected_cash_fen"] == 50_000
    assert closed["denominations"] == {"10000": 4, "5000": 1, "100": 3, "50": 1}


@pytest.mark.parametrize("count", [{300: 1}, {100: -1}, {"abc": 1}])
def test_bad_denominations_are_refused(store: Store, count: dict[int | str, int]) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    shifts.open_shift(store, session, 0)
    with pytest.raises(ShiftError):
        shifts.close_shift(store, session, count)
    assert shifts.current_shift(store) is not None


def test_negative_float_refused(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    with pytest.raises(ShiftError):
        shifts.open_shift(store, session, -1)


def test_no_sale_needs_manager_and_makes_event(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    with pytest.raises(ApprovalRequired):
        shifts.record_no_sale(store, session, "换零钱")
    approval = session.approve(Action.NO_SALE, "9001", MANAGER_PIN)
    shifts.record_no_sale(store, session, "换零钱", approval)
    (ev,) = store.outbox.unacked()
    assert ev.type is EventType.DRAWER_OPENED
    assert ev.payload["approved_by"] == 21


def test_an_approval_expires(store: Store) -> None:
    from dataclasses import replace
    from datetime import timedelta

    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    approval = session.approve(Action.DISCOUNT, "9001", MANAGER_PIN)
    old = replace(approval, at=approval.at - timedelta(minutes=6))
    with pytest.raises(ApprovalRequired):
        session.require(Action.DISCOUNT, old)


# ---------------------------------------------------------------------------- 交接班: another cashier's open shift


def _second_cashier(store: Store) -> Session:
    add_user(store, 12, "1002", "李四", "cashier", "2222")
    other = Session(store)
    other.sign_in("1002", "2222")
    return other


def _sell_one(store: Store, session: Session) -> str:
    from terminal.catalog import Catalog
    from terminal.checkout import Checkout
    from tests.terminal.helpers import COLA

    co = Checkout(store, session, Catalog(store))
    co.scan(COLA)
    co.add_payment("cash", tendered_fen=1000)
    return co.complete().receipt_no


def test_a_cashier_cannot_sell_in_another_cashiers_open_shift_without_a_manager(store: Store) -> None:
    from tests.terminal.helpers import small_catalog

    small_catalog(store)
    first = Session(store)
    first.sign_in("1001", CASHIER_PIN)
    shift = shifts.open_shift(store, first, 20_000)
    _sell_one(store, first)
    first.sign_out()  # … and went home without closing the shift (交班)
    second = _second_cashier(store)
    assert shifts.others_shift(store, second) == shift
    sales_before = store.scalar("SELECT count(*) FROM sales")
    with pytest.raises(ShiftError) as err:
        _sell_one(store, second)
    assert err.value.code == "others_shift"
    assert store.scalar("SELECT count(*) FROM sales") == sales_before  # nothing half-written
    # a manager approves taking the shift over: the sale goes into it, the take-over is audited
    with pytest.raises(ApprovalRequired):
        shifts.take_over_shift(store, second)
    approval = second.approve(Action.TAKE_OVER_SHIFT, "9001", MANAGER_PIN)
    assert shifts.take_over_shift(store, second, approval) == shift
    assert shifts.others_shift(store, second) is None
    _sell_one(store, second)
    assert store.scalar("SELECT count(*) FROM sales WHERE shift_id=? AND cashier_id=12", (shift.id,)) == 1
    row = store.one("SELECT approved_by, detail FROM audit_log WHERE action='shift_take_over'")
    assert row is not None
    assert row["approved_by"] == 21
    assert json.loads(row["detail"]) == {"shift_id": shift.id, "opened_by": 11}
    # signing out ends it: the next sign-in asks again
    second.sign_out()
    second.sign_in("1002", "2222")
    assert shifts.others_shift(store, second) == shift


def test_the_next_cashier_may_close_the_shift_and_open_their_own(store: Store) -> None:
    first = Session(store)
    first.sign_in("1001", CASHIER_PIN)
    shifts.open_shift(store, first, 20_000)
    first.sign_out()
    second = _second_cashier(store)
    report = shifts.close_shift(store, second, {10000: 2})  # the handover count
    assert report.counted_cash_fen == 20_000
    mine = shifts.open_shift(store, second, 30_000)
    assert shifts.others_shift(store, second) is None
    assert mine.cashier_id == 12


def test_a_manager_signed_in_takes_over_without_another_pin(store: Store) -> None:
    first = Session(store)
    first.sign_in("1001", CASHIER_PIN)
    shift = shifts.open_shift(store, first, 20_000)
    manager = Session(store)
    manager.sign_in("9001", MANAGER_PIN)
    assert shifts.others_shift(store, manager) == shift
    shifts.take_over_shift(store, manager)
    assert shifts.others_shift(store, manager) is None
