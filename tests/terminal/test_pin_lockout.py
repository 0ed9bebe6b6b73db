"""Till PINs (#10 §5): a few wrong PINs in a row lock the user out on this till until another
manager unlocks them with their own PIN; a manager's PIN shorter than 6 digits is refused."""

from __future__ import annotations

import pytest

from terminal.errors import AuthError
from terminal.session import PIN_ATTEMPTS, Action, Session
from terminal.store import Store, open_store
from tests.terminal.helpers import CASHIER_PIN, MANAGER_PIN, add_user


def wrong_pins(session: Session, code: str, times: int) -> list[str]:
    codes = []
    for _ in range(times):
        with pytest.raises(AuthError) as refused:
            session.sign_in(code, "0000")
        codes.append(refused.value.code)
    return codes


def test_wrong_pins_lock_the_user_out_until_a_manager_unlocks(store: Store) -> None:
    session = Session(store)
    codes = wrong_pins(session, "1001", PIN_ATTEMPTS)
    assert codes == ["bad_credentials"] * (PIN_ATTEMPTS - 1) + ["pin_locked_out"]
    with pytest.raises(AuthError) as refused:
        session.sign_in("1001", CASHIER_PIN)  # even the right PIN now
    assert refused.value.code == "pin_locked_out"
    assert "店长" in refused.value.message
    assert "manager" in refused.value.message_en
    assert session.is_locked_out("1001")

    reopened = Session(store)  # a restart does not forget
    with pytest.raises(AuthError):
        reopened.sign_in("1001", CASHIER_PIN)
    with pytest.raises(AuthError) as not_manager:
        reopened.unlock_user("1001", "1002", "2222")  # another cashier cannot
    assert not_manager.value.code == "not_manager"
    with pytest.raises(AuthError):
        reopened.unlock_user("1001", "9001", "000000")  # nor a wrong manager PIN
    unlocked = reopened.unlock_user("1001", "9001", MANAGER_PIN)
    assert unlocked.code == "1001"
    assert reopened.sign_in("1001", CASHIER_PIN).code == "1001"
    actions = [r[0] for r in store.all("SELECT action FROM audit_log ORDER BY id")]
    assert "pin_locked_out" in actions
    assert "pin_unlocked" in actions


def test_a_right_pin_resets_the_count(store: Store) -> None:
    session = Session(store)
    wrong_pins(session, "1001", PIN_ATTEMPTS - 1)
    session.sign_in("1001", CASHIER_PIN)
    assert wrong_pins(session, "1001", PIN_ATTEMPTS - 1) == ["bad_credentials"] * (PIN_ATTEMPTS - 1)


def test_a_new_pin_from_head_office_lifts_the_lock(store: Store) -> None:
    session = Session(store)
    wrong_pins(session, "1001", PIN_ATTEMPTS)
    add_user(store, 11, "1001", "张三", "cashier", "8642")  # head office set a new PIN; it synced
    assert session.sign_in("1001", "8642").code == "1001"


def test_a_locked_out_manager_cannot_approve_nor_unlock_themselves(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    for _ in range(PIN_ATTEMPTS):
        with pytest.raises(AuthError):
            session.approve(Action.REFUND, "9001", "000000")
    with pytest.raises(AuthError) as refused:
        session.approve(Action.REFUND, "9001", MANAGER_PIN)
    assert refused.value.code == "pin_locked_out"
    with pytest.raises(AuthError):
        session.unlock_user("9001", "9001", MANAGER_PIN)


def test_a_short_manager_pin_is_refused_at_the_till(store: Store) -> None:
    add_user(store, 22, "9002", "旧店长", "store_manager", "4321")  # set before the 6-digit rule
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    with pytest.raises(AuthError) as refused:
        session.approve(Action.REFUND, "9002", "4321")
    assert refused.value.code == "manager_pin_too_short"
    assert "6" in refused.value.message
    assert session.approve(Action.REFUND, "9001", MANAGER_PIN).manager_id == 21


def test_the_lock_lives_in_the_database_file(tmp_path: object) -> None:
    from pathlib import Path

    from tests.terminal.helpers import enrol

    data = Path(str(tmp_path)) / "till"
    with open_store(data) as store:
        enrol(store)
        wrong_pins(Session(store), "1001", PIN_ATTEMPTS)
    with open_store(data) as store:  # another process, the next morning
        assert Session(store).is_locked_out("1001")
