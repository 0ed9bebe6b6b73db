"""The customer pole display in the real app: a sale rung up through the UI shows on a simulated
VFD at the other end of a real pty pair (bytes decoded by the simulator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.money import format_fen
from drivers.sim.pty import SocatPair, socat_available
from tests.ui.conftest import ScenarioRunner

pytestmark = [pytest.mark.ui]


def test_customer_display_follows_the_sale(terminal_dir: Path, run_scenario: ScenarioRunner) -> None:
    if not socat_available():
        pytest.skip("socat is not installed (apt-get install socat): no display pty pair")
    pair = SocatPair()
    device, host = pair.start()
    try:
        # given a till whose display is configured the way the printer is (an environment variable)
        result = run_scenario("customer_display", terminal_dir,
                              env={"POS_DISPLAY_URL": device, "POS_TEST_DISPLAY_HOST": host})
    finally:
        pair.stop()
    facts = result["facts"]
    shown = {k: [" ".join(line.split()) for line in v] for k, v in facts["display"].items()}
    total = format_fen(facts["total_fen"])
    # then the customer saw: the item with the running total, the total at payment, what they
    # paid and their change, and welcome for the next customer
    assert shown["item"][0].startswith("全麦吐司面包")
    assert shown["item"][1] == f"合计 {total}"
    assert shown["payment"] == [f"合计 {total}", "请付款"]
    assert shown["paid"] == [f"实收 {format_fen(facts['cash_fen'])}", f"找零 {format_fen(facts['change_fen'])}"]
    assert facts["change_fen"] == facts["cash_fen"] - facts["total_fen"]
    assert shown["next"][0] == "欢迎光临"
    assert facts["display_errors"] == []
