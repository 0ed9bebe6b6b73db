"""The till's area adapters (terminal/ui/adapters, no Kivy) only translate: the rules they used to
hold live in the services, and money crosses them as integer fen, never as text parsed back."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.checkout import Checkout
from terminal.errors import ApprovalRequired, PaymentError
from terminal.quarantine import refused_events
from terminal.session import Action, Session
from terminal.store import Store
from terminal.ui.adapters.till import Till
from tests.terminal.helpers import COLA, MANAGER_PIN, add_member
from tests.ui import terminal_data as td


@pytest.fixture
def areas(tmp_path: Path) -> Iterator[Till]:
    """A till as the app opens it (the UI tests' data), a cashier signed in with an open shift."""
    t = Till(td.make_terminal_data(tmp_path / "till"))
    t.signin.sign_in(*td.CASHIER)
    t.shift.open_shift(50_000)
    try:
        yield t
    finally:
        t.close()


def test_a_weighed_line_counts_as_one_item_whatever_it_weighs(areas: Till) -> None:
    apples = 6  # weighed (terminal_data)
    areas.sale.add_weighed(apples, Decimal("2.000"))  # a whole number of kilos is still one item
    areas.sale.scan(td.WATER)
    cart = areas.sale.scan(td.WATER)
    assert cart.item_count == "3"
    assert areas.checkout.item_count == 3


def test_money_crosses_the_adapters_as_fen_never_as_text(areas: Till) -> None:
    areas.sale.scan(td.WATER)
    state = areas.payment.start_payment()
    with pytest.raises(PaymentError, match="fen"):
        areas.payment.add_payment("cash", "10", "")  # type: ignore[arg-type]
    state = areas.payment.add_payment("cash", state.due_fen + 1_000, "")
    assert state.remaining_fen == 0
    assert state.change_fen == 1_000
    done = areas.payment.complete_sale()
    assert done.change_fen == 1_000


def test_the_points_row_comes_first_and_removing_it_gives_the_points_back(areas: Till) -> None:
    areas.sale.scan(td.NOODLES)
    areas.sale.scan(td.BREAD)
    areas.members.attach_member(td.MEMBER_CARD)
    state = areas.payment.redeem_points(100)
    assert [p.tender for p in state.payments] == ["points"]
    points_row = state.payments[0]
    assert points_row.points == 100
    assert points_row.amount_fen == areas.checkout.priced.points_value_fen > 0
    state = areas.payment.remove_payment(0)
    assert state.payments == ()
    assert areas.checkout.redeem_points_count == 0
    with pytest.raises(Exception, match="non-negative"):
        areas.payment.redeem_points(-5)


def test_removing_a_payment_row_behind_the_points_removes_that_payment(store: Store, till: Checkout) -> None:
    add_member(store, "m-9", "88889999", points=5_000)
    till.scan(COLA)
    till.scan(COLA)
    till.set_member("88889999")
    till.redeem_points(100)
    till.add_payment("wechat", 100, reference="WX-1")
    assert [t.tender.value for t in till.tenders()] == ["points", "wechat"]
    till.remove_tender(1)
    assert [t.tender.value for t in till.tenders()] == ["points"]
    assert till.payments == []


def test_refused_events_open_for_a_manager_only_and_each_look_is_audited(store: Store, session: Session) -> None:
    with pytest.raises(ApprovalRequired):
        refused_events(store, session)
    approval = session.approve(Action.VIEW_QUARANTINE, "9001", MANAGER_PIN)
    assert refused_events(store, session, approval) == []
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action='view_quarantine'") == 1
