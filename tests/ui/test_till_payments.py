"""Payments at the till through the real app, off screen, with real touches: 付款码 against the
provider simulator (a real HTTP server), stored value offline, a voucher, and the refund of each;
and the 付款码 tender greyed out when the till is offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.payments.provider import order_number
from drivers.sim.payments import DEMO_APP_ID, DEMO_KEY, DEMO_MCH_ID, PaymentSimulator
from sync.events import EventType
from terminal.store import open_store
from tests.ui import terminal_data as td
from tests.ui.conftest import ScenarioRunner

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture
def sim() -> Iterator[PaymentSimulator]:
    with PaymentSimulator(confirm_after=2) as s:
        yield s


def provider_env(sim: PaymentSimulator) -> dict[str, str]:
    return {"POS_PAY_URL": sim.url, "POS_PAY_MCH_ID": DEMO_MCH_ID, "POS_PAY_APP_ID": DEMO_APP_ID,
            "POS_PAY_KEY": DEMO_KEY, "POS_PAY_TIMEOUT": "5"}


def test_code_stored_value_and_voucher_paid_then_refunded(terminal_dir: Path, run_scenario: ScenarioRunner,
                                                          sim: PaymentSimulator) -> None:
    result = run_scenario("till_payments", terminal_dir, env=provider_env(sim))
    facts = result["facts"]
    store = open_store(terminal_dir)
    try:
        sale_of = {no: json.loads(store.sales.json_by_receipt(no)[1])  # type: ignore[index]
                   for no in (facts["code_receipt"], facts["stored_value_receipt"], facts["voucher_receipt"])}
        types = [str(r[0]) for r in store.all("SELECT type FROM outbox ORDER BY seq")]
        returned = [store.returns.of_sale(s["sale_id"]) for s in sale_of.values()]
        member = store.members.synced(td.MEMBER_CARD)
        unacked = store.prepaid.unacked_fen("m-1")
    finally:
        store.close()
    # 付款码: one charge of exactly what was due, taken after the customer confirmed, then refunded
    code_sale = sale_of[facts["code_receipt"]]
    order_no = order_number(code_sale["sale_id"], 1)
    assert code_sale["payments"] == [{"tender": "wechat", "amount_fen": 450, "tendered_fen": None,
                                      "reference": order_no, "points": None}]
    assert sim.charge_count(order_no) == 1
    order = sim.order(order_no)
    assert order is not None
    assert order.refunded_fen == 450
    # stored value: paid offline from the balance, refunded to it
    sv_sale = sale_of[facts["stored_value_receipt"]]
    assert [p["tender"] for p in sv_sale["payments"]] == ["store_credit"]
    assert member is not None
    assert member.stored_value_fen + unacked == td.MEMBER_STORED_VALUE_FEN
    # voucher: ¥5 off, the rest in cash; the whole return gives the voucher back
    v_sale = sale_of[facts["voucher_receipt"]]
    assert {p["tender"]: p["amount_fen"] for p in v_sale["payments"]}["voucher"] == 500
    for event in (EventType.STORED_VALUE_PAID, EventType.STORED_VALUE_REFUNDED, EventType.VOUCHER_REDEEMED,
                  EventType.VOUCHER_RESTORED):
        assert event.value in types
    assert [len(r) for r in returned] == [1, 1, 1]
    assert [(r.tender.value, r.amount_fen) for r in returned[0][0].refunds] == [("wechat", 450)]
    assert returned[1][0].refunds[0].tender.value == "store_credit"


def test_code_tender_is_greyed_out_offline(tmp_path: Path, run_scenario: ScenarioRunner,
                                           sim: PaymentSimulator) -> None:
    # an enrolled till whose central does not answer (nothing listens on port 9)
    data = td.make_terminal_data(tmp_path / "offline", extra_settings={
        "server_url": "http://127.0.0.1:9", "credential": "test-credential"})
    result = run_scenario("code_offline", data, env=provider_env(sim))
    assert "离线" in result["facts"]["note"]
    assert sim.charges == []
