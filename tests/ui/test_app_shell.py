"""The real app, off screen: it opens, draws Chinese, signs a cashier in, switches language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen, dark_ratio

pytestmark = pytest.mark.ui


def test_sign_in_and_open_shift(terminal_dir: Path, run_scenario: ScenarioRunner) -> None:
    result = run_scenario("smoke", terminal_dir)
    shots = {Path(s).stem: Path(s) for s in result["screenshots"]}
    assert {"signin", "shift_open"} <= set(shots)
    for path in shots.values():
        assert_real_screen(path)
    # the title "收银员登录" is drawn as glyphs: a box-only rendering has almost no dark pixels
    assert dark_ratio(shots["signin"], (380, 195, 650, 235)) > 0.04
