"""Drive the real cashier app off screen: `python -m tests.ui.harness SCENARIO DATA_DIR OUT_DIR`.

Runs in its own process (the tests start it with subprocess), so a Kivy crash fails one test
instead of killing pytest. A scenario is a generator: it taps widgets with real touch events,
types through the window's keyboard events (as a keyboard-wedge scanner does), yields the
seconds to wait for the UI to settle, and takes screenshots. What it checked is written to
OUT_DIR/result.json; an exception ends the process with a non-zero code and the traceback.
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

Step = Generator[float, None, None]

TAP_SETTLE_S = 0.06
"""Pause after a tap or keystrokes: handlers run inside the touch, this only lets a frame draw.
Anything that happens later (focus, dialogs opening, printing) is awaited with `wait_for`."""


def _prepare_env() -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")  # never "dummy": it exits the process
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    if "KIVY_HOME" not in os.environ:
        os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-home-")


class Driver:
    """What a scenario can do to the running app."""

    def __init__(self, app: Any, out_dir: Path) -> None:
        self.app = app
        self.out_dir = out_dir
        self.facts: dict[str, Any] = {}
        self.shots: list[str] = []
        self.keystrokes = 0
        """Keys sent so far (a touch-only step checks that it sent none)."""

    # ------------------------------------------------------------------ finding

    def screen(self, name: str | None = None) -> Any:
        return self.app.manager.current_screen if name is None else self.app.screen(name)

    def w(self, screen: str, widget_id: str) -> Any:
        return self.app.screen(screen).ids[widget_id]

    def popup(self) -> Any:
        from kivy.core.window import Window
        from kivy.uix.modalview import ModalView

        views = [c for c in Window.children if isinstance(c, ModalView)]
        if not views:
            raise AssertionError("no dialog is open")
        return views[0]

    def dialogs(self) -> list[Any]:
        from kivy.core.window import Window
        from kivy.uix.modalview import ModalView

        return [c for c in Window.children if isinstance(c, ModalView)]

    def no_dialog(self) -> Iterator[float]:
        """Wait until every dialog has finished closing (a closing dialog still takes touches)."""
        yield from self.wait_for(lambda: not self.dialogs(), "dialogs closed")

    # ------------------------------------------------------------------ input

    def tap(self, widget: Any) -> float:
        """A real touch down/up in the middle of `widget` (through the window's input pipeline)."""
        from kivy.tests.common import UnitTestTouch

        if widget.disabled:
            raise AssertionError(f"cannot tap disabled widget {widget!r} ({getattr(widget, 'text', '')!r})")
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        return TAP_SETTLE_S

    def type(self, text: str, *, enter: bool = False) -> float:
        """Keystrokes into whatever has keyboard focus, as a keyboard-wedge scanner sends them."""
        from kivy.core.window import Window

        self.keystrokes += len(text) + (1 if enter else 0)
        for ch in text:
            Window.dispatch("on_key_down", ord(ch) if ord(ch) < 256 else 0, 0, ch, [])
            Window.dispatch("on_textinput", ch)
            Window.dispatch("on_key_up", ord(ch) if ord(ch) < 256 else 0, 0)
        if enter:
            Window.dispatch("on_key_down", 13, 40, None, [])
            Window.dispatch("on_key_up", 13, 40)
        return TAP_SETTLE_S

    def backspace(self, times: int = 1) -> float:
        from kivy.core.window import Window

        self.keystrokes += times
        for _ in range(times):
            Window.dispatch("on_key_down", 8, 42, None, [])
            Window.dispatch("on_key_up", 8, 42)
        return 0.05

    def focused(self) -> Any:
        from kivy.uix.behaviors.focus import FocusBehavior

        return FocusBehavior._keyboards.get(None) if hasattr(FocusBehavior, "_keyboards") else None

    # ------------------------------------------------------------------ evidence

    def shot(self, name: str) -> Iterator[float]:
        """Redraw, let a frame pass, then save the window as OUT_DIR/screenshots/NAME.png."""
        from kivy.core.window import Window

        Window.canvas.ask_update()
        yield 0.2
        self.save_shot(name)

    def save_shot(self, name: str) -> None:
        """The window's pixels as read back from OpenGL, saved by Pillow at a light compression.

        Kivy's own Window.screenshot saves through SDL at full compression: 1.6-4.5 s for one
        1920x1080 capture on an idle 2-core machine, several times that on a loaded one."""
        from kivy.core.window import Window
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
        from PIL import Image

        shots = self.out_dir / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        width, height = Window.size
        pixels = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
        image = Image.frombytes("RGB", (width, height), pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        final = shots / f"{name}.png"
        image.save(final, compress_level=1)
        self.shots.append(str(final))

    def check(self, condition: bool, what: str) -> None:
        if not condition:
            raise AssertionError(what)

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> Iterator[float]:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {what}")
            yield 0.1


def run(scenario_name: str, data_dir: Path, out_dir: Path, size: tuple[int, int], lang: str) -> int:
    _prepare_env()
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the watchdog's "where are you stuck?"
    from tests.ui import edge_scenarios, rep_scenarios, scenarios, till_data_scenarios

    scenario = (getattr(scenarios, scenario_name, None) or getattr(edge_scenarios, scenario_name, None)
                or getattr(till_data_scenarios, scenario_name, None)
                or getattr(rep_scenarios, scenario_name))
    from terminal.ui.launch import LaunchOptions, build_app

    app: Any = build_app(LaunchOptions(data_dir=data_dir, size=size, lang=lang))
    from kivy.clock import Clock

    out_dir.mkdir(parents=True, exist_ok=True)
    driver = Driver(app, out_dir)
    outcome: dict[str, Any] = {"ok": False}
    steps: Step | None = None

    def advance(_dt: float) -> None:
        nonlocal steps
        try:
            if steps is None:
                steps = scenario(driver)
            t0 = time.monotonic()
            delay = next(steps)
            # one line a step: the test's watchdog sees progress (and a hang shows its last step)
            print(f"{time.monotonic() - started:7.2f}s step {time.monotonic() - t0:.3f}s wait {delay}",
                  flush=True)
        except StopIteration:
            outcome["ok"] = not app.unhandled
            if app.unhandled:
                outcome["error"] = f"unhandled errors in the app: {app.unhandled!r}"
            app.stop()
            return
        except BaseException:
            outcome["error"] = traceback.format_exc()
            try:
                driver.save_shot("failure")
            except Exception:
                pass
            app.stop()
            return
        Clock.schedule_once(advance, max(0.0, float(delay)))

    started = time.monotonic()
    Clock.schedule_once(advance, 0.8)
    try:
        app.run()
    except BaseException:
        outcome["ok"] = False
        outcome["error"] = traceback.format_exc()
    outcome["seconds"] = round(time.monotonic() - started, 2)
    outcome["facts"] = driver.facts
    outcome["screenshots"] = driver.shots
    (out_dir / "result.json").write_text(json.dumps(outcome, ensure_ascii=False, indent=2, default=str))
    if not outcome["ok"]:
        print(outcome.get("error", "scenario did not finish"), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="tests.ui.harness")
    parser.add_argument("scenario")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--size", default="1024x768")
    parser.add_argument("--lang", default="zh_CN")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    return run(args.scenario, args.data_dir, args.out_dir, (width, height), args.lang)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
