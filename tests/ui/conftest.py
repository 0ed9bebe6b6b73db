"""Fixtures for the UI tests: a seeded terminal data folder and a runner for app scenarios."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.terminal_data import make_terminal_data

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
STALL_S = 120
"""A scenario that makes no step for this long is hung: its threads' stacks are dumped, then it is
killed. (Steps take well under a second; five long scenarios at once on 2 cores still stepped
every few seconds.)"""
SCENARIO_CAP_S = 1800
"""Only a backstop: a slow but moving scenario is not failed for being slow (a loaded CI machine
once took over 300 s for one that takes 30 s idle)."""


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
        proc = _run_watched(
            [sys.executable, "-m", "tests.ui.harness", name, str(data_dir), str(out), "--size", size,
             "--lang", lang],
            env=full_env, logs=tmp_path / f"log-{name}-{size}",
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


def _run_watched(args: list[str], *, env: dict[str, str], logs: Path) -> subprocess.CompletedProcess[str]:
    """Run the harness, failing it only when it stops making progress (it prints a line a step).

    A hung scenario gets SIGUSR1 first, on which the harness dumps every thread's stack (faulthandler)
    into its stderr, so the failure says where it hung."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        started = last_change = time.monotonic()
        last_size = -1
        while True:
            try:
                proc.wait(timeout=2)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            size = out_path.stat().st_size
            if size != last_size:
                last_size, last_change = size, now
            if now - last_change > STALL_S or now - started > SCENARIO_CAP_S:
                why = (f"no step for {STALL_S} s" if now - last_change > STALL_S
                       else f"still running after {SCENARIO_CAP_S} s")
                proc.send_signal(signal.SIGUSR1)
                time.sleep(3)
                proc.kill()
                proc.wait()
                pytest.fail(f"scenario hung ({why}); last steps:\n{out_path.read_text()[-2000:]}\n"
                            f"stacks and stderr:\n{err_path.read_text()[-12000:]}")
    return subprocess.CompletedProcess(args, proc.returncode, out_path.read_text(), err_path.read_text())
