"""The rep tablet's wire contract (sync/FIELD.md): golden events and pulled entities are exactly the
models' forms, the credit check's golden cases hold, and older tablets' payloads still parse."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from sync.events import PAYLOAD_TYPES, EventEnvelope, EventType, FieldOrderCreated, payload_hash
from sync.field import CreditState, OpenItem, OrderLineCheck, check_order, hold_message
from sync.master import Change, validate_data

WIRE = Path(__file__).resolve().parents[1] / "golden" / "wire"


def _files(prefix: str) -> list[Path]:
    return sorted(WIRE.glob(f"{prefix}.*.json"))


@pytest.mark.parametrize("path", _files("event"), ids=lambda p: p.stem)
def test_golden_events_are_the_models_canonical_form(path: Path) -> None:
    data = json.loads(path.read_text())
    env = EventEnvelope.model_validate(data)
    assert env.payload_hash == payload_hash(env.payload)
    parsed = env.parsed()
    assert type(parsed) is PAYLOAD_TYPES[env.type]
    # every field written out, as the models dump it: a contract change shows up here
    assert parsed.model_dump(mode="json") == data["payload"]


def test_every_rep_event_has_a_golden_example() -> None:
    rep_events = {EventType.FIELD_ORDER_CREATED, EventType.CUSTOMER_CREATED, EventType.VISIT_RECORDED,
                  EventType.COLLECTION_RECORDED, EventType.ORDER_RETURN_RECORDED}
    examples = {p.stem.removeprefix("event.") for p in _files("event")}
    assert {t.value for t in rep_events} <= examples
    assert examples <= {t.value for t in EventType}  # e.g. sale.completed (protocol 4) too


@pytest.mark.parametrize("path", _files("entity"), ids=lambda p: p.stem)
def test_golden_entities_are_the_models_canonical_form(path: Path) -> None:
    change = Change.model_validate(json.loads(path.read_text()))
    assert change.data is not None
    assert validate_data(change.entity, change.data) == change.data


def test_an_older_tablets_field_order_still_parses() -> None:
    old = {"order_id": "0190a1b2-0000-7000-8000-000000000001", "order_no": "FO-1", "customer_id": 3, "rep_id": 4,
           "terminal_id": 5, "ordered_at": "2026-03-01T02:00:00Z", "total_fen": 600, "on_credit": True, "note": None,
           "lines": [{"product_id": 7, "sku": "1001", "unit_code": "pc", "unit_factor": 1, "qty": "2",
                      "unit_price_fen": 300, "amount_fen": 600}]}
    order = FieldOrderCreated.model_validate(old)
    assert (order.held, order.hold_reasons, order.lines[0].is_gift, order.new_customer_id) == (False, [], False, None)


def test_an_order_names_exactly_one_customer() -> None:
    base = json.loads((WIRE / "event.field_order.created.json").read_text())["payload"]
    with pytest.raises(ValidationError):
        FieldOrderCreated.model_validate({**base, "new_customer_id": "01950b6e-7a40-7c3e-9f10-2b7d5c1e0a01"})
    with pytest.raises(ValidationError):
        FieldOrderCreated.model_validate({**base, "customer_id": None})


def _case_inputs(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **{k: v for k, v in case.items() if k not in ("name", "story", "expect")}}
    credit = merged["credit"]
    return {
        "total_fen": merged["total_fen"], "on_credit": merged["on_credit"],
        "lines": [OrderLineCheck(ln["product_id"], ln["unit_code"], Decimal(ln["qty"]), ln["amount_fen"],
                                 ln["is_gift"]) for ln in merged["lines"]],
        "credit": CreditState(
            credit_limit_fen=credit["credit_limit_fen"], balance_fen=credit["balance_fen"],
            advances_fen=credit.get("advances_fen", 0), open_orders_fen=credit["open_orders_fen"],
            pending=credit["pending"], open_items=tuple(
                OpenItem(i["doc_no"], date.fromisoformat(i["doc_date"]), date.fromisoformat(i["due_date"]), i["open_fen"])
                for i in credit["open_items"])),
        "floor_prices": {(f["product_id"], f["unit_code"]): f["price_fen"] for f in merged["floor_prices"]},
        "allowed_overdue_days": merged["allowed_overdue_days"], "today": date.fromisoformat(merged["today"]),
    }


CREDIT = json.loads((WIRE / "credit_check.json").read_text())


@pytest.mark.parametrize("case", CREDIT["cases"], ids=lambda c: c["name"])
def test_credit_check_golden_cases(case: dict[str, Any]) -> None:
    verdict = check_order(**_case_inputs(CREDIT["defaults"], case))
    assert [r.value for r in verdict.reasons] == case["expect"], case["story"]
    assert verdict.held == bool(case["expect"])
    if verdict.held:
        zh, en = hold_message(case["expect"])
        assert zh
        assert en
