"""The event envelope: ids sort by time, hashes are canonical, payloads are validated strictly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from sync.events import (
    EventType,
    PaymentPayload,
    SaleCompleted,
    SaleLinePayload,
    ShiftOpened,
    Tender,
    make_event,
    payload_hash,
    uuid7,
)


def _line(**over: object) -> SaleLinePayload:
    data: dict[str, object] = {
        "line_no": 1, "product_id": 7, "sku": "690001", "name": "农夫山泉 550ml", "unit_code": "pc", "unit_factor": 1,
        "qty": Decimal("2"), "unit_price_fen": 200, "price_source": "base", "list_amount_fen": 400,
        "line_discount_fen": 0, "order_discount_fen": 0, "amount_fen": 400, "tax_rate_bp": 1300, "tax_fen": 46,
    }
    data.update(over)
    return SaleLinePayload.model_validate(data)


def _sale(**over: object) -> SaleCompleted:
    data: dict[str, object] = {
        "sale_id": uuid7(), "receipt_no": "S01-T01-000001", "store_id": 1, "terminal_id": 1, "shift_id": uuid7(),
        "sold_at": datetime(2026, 11, 23, 2, 0, tzinfo=UTC), "lines": [_line()],
        "payments": [PaymentPayload(tender=Tender.CASH, amount_fen=400, tendered_fen=500)],
        "subtotal_fen": 400, "discount_fen": 0, "rounding_fen": 0, "total_fen": 400, "change_fen": 100, "tax_fen": 46,
    }
    data.update(over)
    return SaleCompleted.model_validate(data)


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7() for _ in range(200)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert len(set(ids)) == len(ids)
    # the 48-bit millisecond prefix never goes backwards
    prefixes = [i.replace("-", "")[:12] for i in ids]
    assert prefixes == sorted(prefixes)


def test_make_event_round_trips_and_hashes_canonically() -> None:
    sale = _sale()
    ev = make_event(terminal_id=1, seq=1, payload=sale)
    assert ev.type is EventType.SALE_COMPLETED
    assert ev.payload_hash == payload_hash(ev.payload)
    # key order does not change the hash
    assert payload_hash(dict(reversed(list(ev.payload.items())))) == ev.payload_hash
    parsed = ev.parsed()
    assert isinstance(parsed, SaleCompleted)
    assert parsed.lines[0].qty == Decimal("2")
    assert parsed == sale


def test_different_payload_gives_different_hash() -> None:
    a = make_event(terminal_id=1, seq=1, payload=_sale(total_fen=400))
    b = a.model_copy(update={"payload": {**a.payload, "total_fen": 401}})
    assert payload_hash(b.payload) != a.payload_hash


@pytest.mark.parametrize("bad", [
    {"lines": []},
    {"total_fen": -1},
    {"sold_at": datetime(2026, 11, 23, 2, 0)},  # naive time: refused
    {"receipt_no": ""},
    {"unknown_field": 1},
])
def test_bad_sale_payloads_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _sale(**bad)


def test_weighed_quantity_keeps_three_places_and_refuses_more() -> None:
    assert _line(qty=Decimal("0.532")).qty == Decimal("0.532")
    with pytest.raises(ValidationError):
        _line(qty=Decimal("0.5321"))


def test_times_are_normalised_to_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    sale = _sale(sold_at=datetime(2026, 11, 23, 10, 0, tzinfo=shanghai))
    assert sale.sold_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert sale.sold_at.utcoffset() == timedelta(0)


def test_shift_payload_refuses_negative_float() -> None:
    with pytest.raises(ValidationError):
        ShiftOpened(shift_id=uuid7(), store_id=1, terminal_id=1, cashier_id=1,
                    opened_at=datetime.now(UTC), opening_float_fen=-100)


def test_protocol_2_events_carry_stored_value_and_vouchers() -> None:
    from sync.events import PAYLOAD_TYPES, StoredValueToppedUp, VoucherRedeemed

    assert set(PAYLOAD_TYPES) == set(EventType)
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    topup = StoredValueToppedUp(
        topup_id=uuid7(), receipt_no="S01-T01-C000001", member_id=uuid7(), store_id=1, terminal_id=1,
        shift_id=uuid7(), amount_fen=50_000, bonus_fen=5_000, topped_up_at=at,
        payments=[PaymentPayload(tender=Tender.WECHAT, amount_fen=50_000, reference="4200000001")])
    event = make_event(terminal_id=1, seq=1, payload=topup)
    assert event.type is EventType.STORED_VALUE_TOPPED_UP
    assert event.parsed() == topup
    with pytest.raises(ValidationError):  # beyond a named prepaid card's limit
        StoredValueToppedUp.model_validate({**topup.model_dump(), "amount_fen": 500_001})
    with pytest.raises(ValidationError):  # a clock without a zone
        VoucherRedeemed(redemption_id="r", code="990000100000000000", store_id=1, terminal_id=1, sale_id="s",
                        receipt_no="S01-T01-000001", amount_fen=100, due_fen=100,
                        redeemed_at=datetime(2026, 11, 23, 2, 0))  # noqa: DTZ001
    assert Tender("voucher") is Tender.VOUCHER
