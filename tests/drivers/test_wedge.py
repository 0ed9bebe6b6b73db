"""Keyboard-wedge scanner bursts told apart from people typing, by timing alone."""

from __future__ import annotations

import pytest

from drivers.scan import ScanResult
from drivers.wedge import EnterKey, TypedText, WedgeDetector, WedgeEvent


def _type(detector: WedgeDetector, keys: list[str], start: float, gap: float) -> list[WedgeEvent]:
    events: list[WedgeEvent] = []
    for i, key in enumerate(keys):
        events += detector.feed(key, start + i * gap)
    return events


def test_scanner_burst_is_a_scan() -> None:
    detector = WedgeDetector()
    events = _type(detector, [*"6901234567892", "Enter"], start=10.0, gap=0.008)
    assert events == [ScanResult(code="6901234567892", symbology="EAN-13", source="keyboard")]
    assert not detector.holding


def test_person_typing_is_released_as_text() -> None:
    detector = WedgeDetector()
    events = _type(detector, [*"123", "Enter"], start=0.0, gap=0.25)
    assert events == [TypedText("1"), TypedText("2"), TypedText("3"), EnterKey()]


def test_short_fast_burst_is_not_a_scan() -> None:
    detector = WedgeDetector(min_length=4)
    assert _type(detector, [*"12", "\r"], start=0.0, gap=0.01) == [TypedText("12"), EnterKey()]


def test_held_keys_are_flushed_by_the_ui_timer() -> None:
    detector = WedgeDetector(max_gap=0.05)
    assert detector.feed("a", 1.0) == []
    assert detector.flush(1.03) == []
    assert detector.flush(1.2) == [TypedText("a")]


def test_slow_start_then_burst() -> None:
    # a person presses "9", then a scan arrives a second later: the 9 is typed text, the burst a scan
    detector = WedgeDetector()
    events = detector.feed("9", 0.0)
    events += _type(detector, [*"S0202-20261123-0042", "Enter"], start=1.0, gap=0.004)
    assert events == [TypedText("9"), ScanResult(code="S0202-20261123-0042", source="keyboard")]


def test_other_keys_release_the_buffer() -> None:
    detector = WedgeDetector()
    assert _type(detector, ["1", "2", "shift"], start=0, gap=0.001) == [TypedText("12")]
    with pytest.raises(ValueError):
        WedgeDetector(max_gap=0)


def test_tab_suffixed_scanner() -> None:
    detector = WedgeDetector(end_keys=frozenset({"tab", "\t"}))
    events = _type(detector, [*"90311017", "tab"], start=0, gap=0.005)
    assert events == [ScanResult(code="90311017", symbology="EAN-8", source="keyboard")]
