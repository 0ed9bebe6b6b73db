"""One home for each small rule both ends compute (#12 item 4): these tests pin the rule in `sync/`
and prove the till and central use that very function rather than a copy of their own."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from sync.quantity import from_milli, normalize_qty, to_milli

ROOT = Path(__file__).resolve().parents[2]


def _defined_functions(name: str, *rooms: str) -> list[str]:
    """Every module under `rooms` that defines a top-level function called `name`."""
    found = []
    for room in rooms:
        for path in sorted((ROOT / room).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body):
                found.append(str(path.relative_to(ROOT)))
    return found


# ---------------------------------------------------------------------------- to_milli


@pytest.mark.parametrize(("qty", "milli"), [
    (3, 3000), (Decimal(3), 3000), (Decimal("1.5"), 1500), (Decimal("0.450"), 450), ("1.255", 1255),
    (Decimal("2.000"), 2000), (Decimal("100000"), 100_000_000),
    # beyond 3 places: half up, the same at the till and at central
    (Decimal("1.2345"), 1235), (Decimal("1.2344"), 1234), (Decimal("0.0005"), 1), (Decimal("0.0004"), 0),
    ("2.99950", 3000), (Decimal("-1.2345"), -1235),
])
def test_to_milli_is_exact_to_three_places_and_rounds_half_up_beyond(qty: object, milli: int) -> None:
    assert to_milli(qty) == milli  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, True, None])
def test_to_milli_refuses_floats_and_non_numbers(bad: object) -> None:
    with pytest.raises(TypeError):
        to_milli(bad)  # type: ignore[arg-type]


def test_to_milli_inverts_from_milli_for_pieces_and_weights() -> None:
    for milli in (1, 450, 1000, 1255, 99_999_999):
        assert to_milli(from_milli(milli, weighed=True)) == milli
    for milli in (1000, 24_000):
        assert to_milli(from_milli(milli, weighed=False)) == milli
        assert to_milli(normalize_qty(milli // 1000, weighed=False)) == milli


def test_to_milli_has_one_home() -> None:
    assert _defined_functions("to_milli", "sync", "central", "terminal") == ["sync/quantity.py"]


# ---------------------------------------------------------------------------- the store's time zone


def test_store_days_are_shanghai_days_whatever_the_machine_zone() -> None:
    from datetime import UTC, date, datetime

    from sync.store_time import STORE_TIMEZONE, STORE_TZ, business_date, day_start_utc, local_time

    assert STORE_TIMEZONE == "Asia/Shanghai"
    assert STORE_TZ.key == STORE_TIMEZONE
    late = datetime(2026, 2, 28, 16, 30, tzinfo=UTC)  # 00:30 on 1 March in Shanghai
    assert business_date(late) == date(2026, 3, 1)
    assert business_date(datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC)) == date(2026, 2, 28)
    assert day_start_utc(date(2026, 3, 1)) == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert local_time(late).strftime("%Y-%m-%d %H:%M") == "2026-03-01 00:30"
    assert business_date(day_start_utc(date(2026, 3, 1))) == date(2026, 3, 1)


def test_the_store_time_zone_has_one_home() -> None:
    """Nobody else names the zone or defines the day rule: central's old `central/sales/dates.py` is
    gone, the tablet's clock and the till's printing import `sync.store_time`, and the printer driver's
    own default is never imported by the terminal (printing passes the zone explicitly)."""
    assert not (ROOT / "central/sales/dates.py").exists()
    for name in ("business_date", "day_start_utc", "local_date"):
        assert _defined_functions(name, "central", "terminal") == [], name
    for room in ("central", "terminal", "sync"):
        for path in (ROOT / room).rglob("*.py"):
            if "migrations" in path.parts or path.name == "store_time.py":
                continue
            text = path.read_text(encoding="utf-8")
            assert "DEFAULT_TIMEZONE" not in text, path
            assert 'ZoneInfo("' not in text, path
