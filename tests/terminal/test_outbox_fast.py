"""The outbox's one-pass serialisation gives exactly what `sync.events.make_event` and pydantic give.

`append_event` hashes the canonical JSON made by orjson and stores orjson's text of the payload; the
hash is the contract with central (a resent event with another hash is a conflict), so both must be
byte for byte what `sync.events.canonical_json` / `payload_hash` and `model_dump_json` produce.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sync.events import (
    EventEnvelope,
    MemberCreated,
    PaymentPayload,
    SaleCompleted,
    SaleLinePayload,
    ShiftClosed,
    Tender,
    canonical_bytes,
    canonical_json,
    make_event,
    payload_hash,
)
from terminal.checkout import Checkout
from terminal.store import Store, outbox
from terminal.store.stored_json import pack, unpack
from tests.terminal.helpers import COLA

NOW = datetime(2026, 11, 23, 5, 51, 21, 123456, tzinfo=UTC)
ODD_TEXT = "可口可乐 \"quoted\" back\\slash \n\t\r \u2028\u2029 ☃ 𝄞 ￥"
"""Text the JSON encoders escape differently (control characters other than line breaks and tabs are
refused by the wire contract, `sync.ranges`)."""


def _sale(note: str | None = ODD_TEXT, name: str = "可口可乐 330ml", qty: str = "1.250") -> SaleCompleted:
    line = SaleLinePayload(line_no=1, product_id=7, sku="S0000007", name=name, unit_code="kg", unit_factor=1,
                           qty=Decimal(qty), unit_price_fen=1280, price_source="base", list_amount_fen=1600,
                           line_discount_fen=100, order_discount_fen=0, amount_fen=1500, tax_rate_bp=900,
                           tax_fen=124, promotion_ids=[3, 1])
    gift = line.model_copy(update={"line_no": 2, "qty": Decimal(2), "is_gift": True, "amount_fen": 0, "tax_fen": 0})
    return SaleCompleted(
        sale_id="0193f0a0-0000-7000-8000-000000000001", receipt_no="S01-T03-000001", store_id=1, terminal_id=3,
        shift_id="shift-1", cashier_id=11, member_id="m-1", member_level="gold", sold_at=NOW, lines=[line, gift],
        payments=[PaymentPayload(tender=Tender.CASH, amount_fen=1500, tendered_fen=2000),
                  PaymentPayload(tender=Tender.WECHAT, amount_fen=1, reference="WX 4200000")],
        subtotal_fen=1600, discount_fen=100, rounding_fen=0, total_fen=1500, change_fen=500, tax_fen=124,
        points_earned=15, price_version=2**40, promotion_ids=[1, 3], note=note)


PAYLOADS: list[BaseModel] = [
    _sale(),
    _sale(note=None, name="x" * 200, qty="100000"),
    MemberCreated(member_id="m-2", card_no="C00002", store_id=1, created_at=NOW, name="张三 \u3000", phone="139"),
    ShiftClosed(shift_id="s-1", store_id=1, terminal_id=3, cashier_id=11, closed_at=NOW, expected_cash_fen=5,
                counted_cash_fen=5, sales_count=1, returns_count=0, denominations={"10000": 1, "50": 3, "5": 2},
                totals_by_tender={"cash": 5}),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_one_pass_event_equals_make_event(payload: BaseModel) -> None:
    env, text = outbox.make_event(3, 9, payload, NOW)
    ref = make_event(terminal_id=3, seq=9, payload=payload, occurred_at=NOW, event_id=env.event_id)
    assert env == ref
    assert env.payload_hash == payload_hash(ref.payload)
    assert text == payload.model_dump_json()


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20))
def test_canonical_bytes_equal_canonical_json(value: object) -> None:
    data = {"v": value, "b": "末尾", "a": [1, None]}
    assert canonical_bytes(data) == canonical_json(data).encode()


def test_a_completed_sale_keeps_its_text_once_on_its_own_row(till: Checkout, store: Store) -> None:
    till.scan(COLA)
    till.add_payment("cash", tendered_fen=1000)
    sale = till.complete()
    row = store.one("SELECT payload, record_id, payload_hash FROM outbox WHERE seq=?", (sale.event_seq,))
    assert row is not None
    out_text, record_id, digest = row
    assert out_text is None
    assert record_id == sale.sale_id
    stored = store.scalar("SELECT payload FROM sales WHERE id=?", (sale.sale_id,))
    assert isinstance(stored, bytes)  # packed (terminal/store/stored_json.py)
    sale_text = unpack(stored)
    assert sale_text == store.sales.json(sale.sale_id) == sale.payload.model_dump_json()
    assert len(stored) < len(sale_text.encode())
    assert digest == payload_hash(json.loads(sale_text))
    assert SaleCompleted.model_validate_json(sale_text) == sale.payload
    event = store.outbox.get(sale.event_seq)
    assert event is not None
    assert event.payload == json.loads(sale_text)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        store.execute("UPDATE sales SET payload=? WHERE id=?", (pack("{}"), sale.sale_id))
    with pytest.raises(sqlite3.IntegrityError, match="not acknowledged"):
        store.execute("DELETE FROM sales WHERE id=?", (sale.sale_id,))


def test_a_push_batch_is_read_ready_to_send_in_one_query_and_marked_in_one_statement(
        till: Checkout, store: Store) -> None:
    """`next_batch` splices each envelope from the stored texts: what it gives parses to exactly the
    envelope `make_event` made (payload, hash, ids), for a sale, a return and a member alike."""
    from terminal.returns import return_sale
    from terminal.session import Action, Approval

    till.scan(COLA)
    till.scan(COLA)
    till.add_payment("wechat", reference="WX 1")
    sale = till.complete()
    till.create_member(phone="13900000009", name="李 \"四\"")
    return_sale(store, till.session, sale.receipt_no, {1: 1},
                approval=Approval(Action.REFUND, 21, datetime.now(UTC)))
    expected = {e.seq: e for e in store.outbox.unacked()}
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        batch = store.outbox.next_batch(0, 500)
        store.outbox.mark_sending([e.seq for e in batch])
    finally:
        store.conn.set_trace_callback(None)
    assert len(statements) == 2, statements
    assert [e.seq for e in batch] == sorted(expected)
    assert len(batch) >= 4
    for ready in batch:
        sent = EventEnvelope.model_validate_json(ready.json)
        assert sent == expected[ready.seq]
        assert sent.payload_hash == payload_hash(sent.payload)
        assert (ready.event_id, ready.type) == (sent.event_id, sent.type.value)
    assert {e.type for e in expected.values()} >= {"sale.completed", "sale.returned", "member.created"}
    assert store.scalar("SELECT count(*) FROM outbox WHERE status='sending'") == len(batch)
    assert [e.seq for e in store.outbox.next_batch(batch[1].seq, 2)] == [e.seq for e in batch[2:4]]
