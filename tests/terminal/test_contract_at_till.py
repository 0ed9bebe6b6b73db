"""The till validates with the same wire contract as central before it commits (#10 §2): a member
named with a NUL byte, a sale note with a control character or an amount beyond ¥10,000,000 is
refused at the till with a clear zh/en message and nothing is saved — before, the member was
accepted and its event then blocked every push on PostgreSQL."""

from __future__ import annotations

import pytest

from sync.events import Tender
from terminal.checkout import Checkout
from terminal.errors import RefusedByContract
from terminal.session import Action, Session
from terminal.store import Store
from tests.terminal.helpers import COLA, MANAGER_PIN


def _saved(store: Store) -> tuple[int, int, int]:
    return (store.scalar("SELECT count(*) FROM outbox"), store.scalar("SELECT count(*) FROM sales"),
            store.scalar("SELECT count(*) FROM local_members"))


def test_a_member_named_with_a_nul_byte_is_refused_at_the_till(till: Checkout, store: Store) -> None:
    before = _saved(store)
    with pytest.raises(RefusedByContract) as refused:
        till.create_member(phone="13900002222", name="张\x00三")
    assert refused.value.code == "invalid_text"
    assert "控制字符" in refused.value.message
    assert "control character" in refused.value.message_en
    assert _saved(store) == before
    till.create_member(phone="13900002222", name="张三")  # the same member, typed properly, goes in


def test_a_sale_note_with_a_control_character_is_refused_and_the_cart_kept(till: Checkout, store: Store) -> None:
    till.scan(COLA)
    till.add_payment(Tender.CASH, till.remaining_fen)
    before = _saved(store)
    with pytest.raises(RefusedByContract, match="control character"):
        till.complete(note="找零\x07")
    assert _saved(store) == before
    assert till.items  # still on screen
    sale = till.complete(note="找零")
    assert sale.receipt_no


def test_an_amount_beyond_the_contract_is_refused_at_the_till(till: Checkout, store: Store,
                                                             session: Session) -> None:
    till.scan(COLA)
    approval = session.approve(Action.PRICE_OVERRIDE, "9001", MANAGER_PIN)
    till.override_price(0, 2_000_000_000, approval)  # ¥20,000,000 a bottle
    till.add_payment(Tender.CASH, till.remaining_fen)
    before = _saved(store)
    with pytest.raises(RefusedByContract) as refused:
        till.complete()
    assert refused.value.code == "out_of_range"
    assert "超出允许范围" in refused.value.message
    assert _saved(store) == before
