"""Cashier app cold start: process launch → first frame on screen (target ≤ 3 s).

Each run is a fresh Python process (imports, Kivy window and GL context, font, .kv layouts, the
terminal's SQLite store with a seeded catalog) rendering off screen through Mesa; the clock stops
at the window's first buffer flip. A few runs; the median is reported.

An installed till has its Python bytecode compiled (pip/uv write `__pycache__` at install). This
machine sets PYTHONDONTWRITEBYTECODE, which would make every start recompile ~400 modules, so the
runs use a private bytecode cache (PYTHONPYCACHEPREFIX) filled by a first, separately reported run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
TIMEOUT_S = 60

CHILD = r"""
import sys, time
from pathlib import Path
from terminal.ui.launch import LaunchOptions, build_app
app = build_app(LaunchOptions(data_dir=Path(sys.argv[1])))
from kivy.core.window import Window

def first_flip(*_a):
    print("FIRST_FRAME", time.time(), flush=True)
    Window.unbind(on_flip=first_flip)
    app.stop()

Window.bind(on_flip=first_flip)
app.run()
"""


def _one_run(data_dir: Path, kivy_home: Path, pycache: Path) -> float:
    env = {**os.environ, "SDL_VIDEODRIVER": os.environ.get("SDL_VIDEODRIVER", "offscreen"),
           "KIVY_NO_ARGS": "1", "KIVY_HOME": str(kivy_home), "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1",
           "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(data_dir)], env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S, cwd=Path(__file__).resolve().parents[1])
    for line in proc.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            return float(line.split()[1]) - started
    raise RuntimeError(f"the app did not draw a frame (exit {proc.returncode}): {proc.stderr[-2000:]}")


def run() -> list[tuple[str, str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.ui.terminal_data import make_terminal_data

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data_dir = make_terminal_data(Path(tmp) / "terminal")
        kivy_home = Path(tmp) / "kivy-home"
        kivy_home.mkdir()
        pycache = Path(tmp) / "pycache"
        first = _one_run(data_dir, kivy_home, pycache)  # compiles and caches the bytecode
        times = sorted(_one_run(data_dir, kivy_home, pycache) for _ in range(RUNS))
    return [
        ("cold start to first frame, median (s)", f"{statistics.median(times):.2f}"),
        ("cold start to first frame, min / max (s)", f"{times[0]:.2f} / {times[-1]:.2f}"),
        ("first start, bytecode not yet compiled (s)", f"{first:.2f}"),
        ("runs", str(RUNS)),
    ]
