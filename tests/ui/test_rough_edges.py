"""The rough edges a new cashier hit at the till (#15), each driven through the real app off screen
with touches and keys; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def shots(result: dict[str, object]) -> dict[str, Path]:
    return {Path(s).stem: Path(s) for s in result["screenshots"]}  # type: ignore[attr-defined]


def test_enter_completes_a_sale_paid_in_full_at_the_keyboard(terminal_dir: Path,
                                                             run_scenario: ScenarioRunner) -> None:
    result = run_scenario("keyboard_pay", terminal_dir)
    facts = result["facts"]
    assert facts["change_fen"] == 2000 - 550 == facts["done_change_fen"]
    assert facts["receipt_no"]
    for shot in shots(result).values():
        assert_real_screen(shot)


def test_refund_button_is_grey_and_explains_until_a_line_is_chosen(terminal_dir: Path,
                                                                  run_scenario: ScenarioRunner) -> None:
    result = run_scenario("returns_guard", terminal_dir)
    facts = result["facts"]
    assert facts["nothing_chosen"] == {"disabled": True, "kind": "default"}
    assert "确认退款" in facts["explained"]
    lines = facts["preview_text"].split("\n")
    assert lines[0].startswith("现金 ")
    assert "扣回积分 7" in lines
    for shot in shots(result).values():
        assert_real_screen(shot)
