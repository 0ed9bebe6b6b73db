"""The on-screen numeric keypad for tills with a touch screen and no keyboard: the key logic alone,
then the real app driven by touches only (member phone, return quantity, the drawer count at shift
close) at 1024×768 and 1920×1080, and keyboard entry / scans while it is open."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.ui import keypad as pad
from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen


def keys(*pressed: str, start: str = "", **options: object) -> str:
    text = start
    for i, key in enumerate(pressed):
        text = pad.press(text, key, replace=bool(options.get("replace")) and i == 0,
                         **{k: v for k, v in options.items() if k != "replace"})  # type: ignore[arg-type]
    return text


def test_digits_dot_and_double_zero() -> None:
    assert keys("1", "2", ".", "5") == "12.5"
    assert keys(".", "5") == "0.5"
    assert keys("1", ".", ".", "2") == "1.2"  # one dot only
    assert keys("1", ".", "2", "3", "4") == "1.23"  # two decimals for yuan
    assert keys("1", ".", "2", "3", "4", decimals=3) == "1.234"  # three for kilograms
    assert keys("5", "00") == "500"
    assert keys("00") == "0"
    assert keys("0", "7") == "7"  # no leading zero in an amount
    assert keys("0", "00", "1", leading_zeros=True) == "0001"  # kept in a code
    assert keys("1", ".", "00") == "1.00"
    assert keys("1", ".", "5", "00") == "1.50"


def test_int_fields_take_no_dot() -> None:
    assert keys("3", ".", "2", allow_dot=False) == "32"


def test_backspace_clear_and_replace() -> None:
    assert keys("←", start="125") == "12"
    assert keys("←") == ""
    assert keys("C", start="125") == ""
    assert keys("7", start="125", replace=True) == "7"  # the loaded value is replaced
    assert keys("←", start="125", replace=True) == "12"  # … but ← edits it
    assert keys(*"1234567890123") == "123456789012"  # at most 12 characters


@pytest.mark.ui
@pytest.mark.slow
@pytest.mark.parametrize("size", ["1024x768", "1920x1080"])
def test_shift_close_and_return_by_touch_only(terminal_dir: Path, run_scenario: ScenarioRunner, size: str) -> None:
    result = run_scenario("touch_only", terminal_dir, size=size)
    facts = result["facts"]
    # the return quantity set on the keypad made a one-cola refund
    assert facts["return_qty"] == "1"
    assert facts["refund_fen"] == facts["preview_fen"] == 350
    # the drawer counted on the keypad alone matches what the till expected, and the Z report has it
    assert facts["counted_fen"] == facts["expected_fen"] > 0
    assert facts["z_counted_fen"] == facts["counted_fen"]
    assert facts["z_expected_fen"] == facts["expected_fen"]
    assert sum(int(fen) * n for fen, n in facts["counts"].items()) == facts["expected_fen"]
    # the keypad and the screens under it fit the window
    assert facts["problems"] == []
    shots = {Path(s).stem: Path(s) for s in result["screenshots"]}
    for name in ("keypad_member", "keypad_return", "keypad_count", "shift_close_counted"):
        assert_real_screen(shots[name])


@pytest.mark.ui
@pytest.mark.slow
def test_keyboard_and_scanner_still_work_with_the_keypad(terminal_dir: Path, run_scenario: ScenarioRunner) -> None:
    from tests.ui.terminal_data import MEMBER_CARD

    facts = run_scenario("keypad_keyboard", terminal_dir)["facts"]
    assert facts["scan_passed_keypad"] == MEMBER_CARD
    assert facts["count_typed"] == "12"
    assert facts["counted_fen"] == 12 * 10000
    assert facts["count_after_cancel"] == "12"
    assert facts["count_direct"] == "4"
