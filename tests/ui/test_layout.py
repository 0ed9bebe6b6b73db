"""The main screens at 1024×768 and 1920×1080: everything inside the window, no text cut off,
finger-sized buttons, key widgets not overlapping (checked on the live widget tree), and real
screenshots of each screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.mark.parametrize("size", ["1024x768", "1920x1080"])
def test_screens_fit_the_window(terminal_dir: Path, run_scenario: ScenarioRunner, size: str) -> None:
    result = run_scenario("layout", terminal_dir, size=size)
    assert result["facts"]["window"] == [int(v) for v in size.split("x")]
    assert result["facts"]["problems"] == []
    shots = {Path(s).stem: Path(s) for s in result["screenshots"]}
    for name in ("signin", "sale", "payment", "done", "returns", "shift_close"):
        assert_real_screen(shots[name])
