"""`pos-terminal run --fullscreen` on a real X server (Xvfb, no window manager, as on a kiosk
till): the window covers the whole screen and the app draws for exactly that screen (SDL's own
full-screen mode left the window at its first size in the middle with the drawing cut off)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.ui.conftest import ARTIFACTS, ROOT
from tests.ui.images import assert_real_screen

pytestmark = [pytest.mark.ui, pytest.mark.slow]

SCREEN = (1280, 800)


def _rgb(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    r, g, b = image.getpixel((x, y))  # type: ignore[misc]
    return int(r), int(g), int(b)


@pytest.mark.skipif(not all(shutil.which(t) for t in ("xvfb-run", "import", "xdotool")),
                    reason="needs xvfb-run, xdotool and ImageMagick's import (apt-get install xvfb xdotool imagemagick)")
def test_fullscreen_covers_the_screen(terminal_dir: Path, tmp_path: Path) -> None:
    shot = tmp_path / "fullscreen.png"
    script = tmp_path / "run.sh"
    script.write_text(f"""
"{sys.executable}" -m terminal.cli run --fullscreen --data "{terminal_dir}" > "{tmp_path}/app.log" 2>&1 &
APP=$!
for i in $(seq 1 60); do
  sleep 0.5
  if xdotool search --name . >/dev/null 2>&1; then break; fi
done
sleep 4
xdotool getdisplaygeometry > "{tmp_path}/geometry"
import -window root "{shot}"
kill $APP
wait $APP
""")
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy-home"), "KIVY_NO_ARGS": "1"}
    env.pop("SDL_VIDEODRIVER", None)
    env.pop("KIVY_METRICS_DENSITY", None)
    started = time.monotonic()
    proc = subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN[0]}x{SCREEN[1]}x24", "bash", str(script)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert shot.exists(), f"no capture ({time.monotonic() - started:.0f}s): {proc.stderr[-2000:]}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "fullscreen-1280x800-signin.png").write_bytes(shot.read_bytes())
    image = Image.open(shot).convert("RGB")
    assert image.size == SCREEN
    # no black border: the app's pixels reach every edge of the screen
    lit = image.convert("L").point([0] * 9 + [255] * 247)
    assert lit.getbbox() == (0, 0, *SCREEN), f"app drawn only in {lit.getbbox()} of {SCREEN}"
    # the dark status bar runs the full width at the top, the light background reaches the bottom
    for x in (3, SCREEN[0] // 2, SCREEN[0] - 200):
        assert max(_rgb(image, x, 5)) < 90, f"status bar at x={x}: {_rgb(image, x, 5)}"
    assert min(_rgb(image, SCREEN[0] - 3, SCREEN[1] - 3)) > 200
    assert_real_screen(shot)
