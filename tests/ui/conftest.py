"""Fixtures for the UI tests: a seeded terminal data folder and a runner for app scenarios."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.terminal_data import make_terminal_data

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
SCENARIO_TIMEOUT_S = 300
"""Only catches a hung app: a long scenario on a loaded 2-core machine has taken ~115 s."""


@pytest.fixture
def terminal_dir(tmp_path: Path) -> Path:
    return make_terminal_data(tmp_path / "terminal")


ScenarioRunner = Callable[..., dict[str, Any]]


@pytest.fixture
def run_scenario(tmp_path: Path) -> ScenarioRunner:
    """Run one scenario of tests/ui/scenarios.py in a fresh process with the app off screen.

    Screenshots are copied to test-artifacts/screenshots/<prefix>-<name>.png for people to look at.
    """

    def run(name: str, data_dir: Path, *, size: str = "1024x768", lang: str = "zh_CN",
            env: dict[str, str] | None = None, expect_ok: bool = True) -> dict[str, Any]:
        out = tmp_path / f"out-{name}-{size}"
        kivy_home = tmp_path / "kivy-home"
        kivy_home.mkdir(exist_ok=True)
        full_env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1",
                    "KIVY_HOME": str(kivy_home), "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1",
                    **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "tests.ui.harness", name, str(data_dir), str(out), "--size", size,
             "--lang", lang],
            cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_S,
        )
        result_file = out / "result.json"
        result: dict[str, Any] = json.loads(result_file.read_text()) if result_file.exists() else {}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for shot in result.get("screenshots", []):
            src = Path(shot)
            (ARTIFACTS / f"{name}-{size}-{src.name}").write_bytes(src.read_bytes())
        if expect_ok:
            report = (f"scenario {name} failed (exit {proc.returncode}):\n{result.get('error', '')}\n"
                      f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
            assert proc.returncode == 0, report
            assert result.get("ok"), report
        result["returncode"] = proc.returncode
        result["stderr"] = proc.stderr
        return result

    return run
