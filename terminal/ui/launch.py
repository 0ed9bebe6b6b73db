"""Start the Kivy app: settle Kivy's configuration before Kivy is imported, then run.

Kivy reads its settings (window size, full screen, argument parsing) when its modules are first
imported, so everything here happens before any `kivy.core` import; nothing in this module
imports Kivy at load time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terminal.store.errors import DataFolderError

SIZE_PATTERN = re.compile(r"^(\d{3,5})x(\d{3,5})$")


@dataclass(frozen=True)
class LaunchOptions:
    data_dir: Path
    size: tuple[int, int] = (1024, 768)
    fullscreen: bool = False
    lang: str = "zh_CN"
    display_url: str | None = None
    """Customer pole display (`terminal.customer_display` URL); else $POS_DISPLAY_URL or the setting."""


def parse_size(text: str) -> tuple[int, int]:
    """"1024x768" → (1024, 768); ValueError with the expected form otherwise."""
    m = SIZE_PATTERN.match(text.strip().lower())
    if not m:
        raise ValueError(f"window size must look like 1024x768, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def default_data_dir(given: str | None) -> Path:
    return Path(given or os.environ.get("POS_TERMINAL_DATA") or "data/terminal")


DESIGN_SIZE = (1024, 768)
"""The layouts are drawn for this size; larger windows scale everything up to keep proportions."""


def density_for(size: tuple[int, int]) -> float:
    """Kivy's dp/sp scale for a window: 1 at 1024×768, 1.41 at 1920×1080 (never below 1)."""
    return max(1.0, round(min(size[0] / DESIGN_SIZE[0], size[1] / DESIGN_SIZE[1]), 2))


def desktop_size() -> tuple[int, int] | None:
    """The screen's size in pixels, asked from SDL2 (the copy Kivy bundles, else the system's)
    before any window exists; None when it cannot tell (no display, no SDL2)."""
    import ctypes
    import ctypes.util
    import glob

    try:
        import kivy

        candidates = sorted(glob.glob(os.path.join(os.path.dirname(kivy.__file__), "..", "Kivy.libs", "libSDL2-2*.so*")))
        name = candidates[0] if candidates else ctypes.util.find_library("SDL2")
        if not name:
            return None
        sdl = ctypes.CDLL(name)

        class DisplayMode(ctypes.Structure):
            _fields_ = [("format", ctypes.c_uint32), ("w", ctypes.c_int), ("h", ctypes.c_int),
                        ("refresh_rate", ctypes.c_int), ("driverdata", ctypes.c_void_p)]

        video = 0x20  # SDL_INIT_VIDEO
        if sdl.SDL_InitSubSystem(video) != 0:
            return None
        try:
            mode = DisplayMode()
            if sdl.SDL_GetDesktopDisplayMode(0, ctypes.byref(mode)) != 0 or mode.w <= 0 or mode.h <= 0:
                return None
            return int(mode.w), int(mode.h)
        finally:
            sdl.SDL_QuitSubSystem(video)
    except (OSError, AttributeError, ImportError):
        return None


def configure_kivy(size: tuple[int, int], fullscreen: bool) -> bool:
    """Kivy settings that must exist before the window is created. True when the scale must be
    taken from the real window once it exists (see `PosApp.fit_window`).

    Full screen is a borderless window at (0, 0) the size of the screen: SDL's full-screen modes
    need a window manager to resize the window, and a till's kiosk session often has none (the
    window then stays at its first size in the middle of the screen while Kivy draws for the whole
    screen, cut off). Only when the screen size cannot be asked is SDL's full screen used."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
    from_screen = desktop_size() if fullscreen else None
    if from_screen is not None:
        size = from_screen
    fit_window = fullscreen and from_screen is None and "KIVY_METRICS_DENSITY" not in os.environ
    if not fit_window:  # the operator may set KIVY_METRICS_DENSITY for an unusual panel
        os.environ.setdefault("KIVY_METRICS_DENSITY", str(density_for(size)))
    from kivy.config import Config

    width, height = size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    if fullscreen and from_screen is not None:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    else:
        Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "resizable", "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    return fit_window


QUIET_LOGGERS = ("httpx", "httpcore")
"""HTTP client libraries that log every request at DEBUG/INFO: Kivy's logger takes the root
logger's records, so without this the till's log fills with one line per sync call."""


def quiet_http_client_logs() -> None:
    import logging

    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def build_app(options: LaunchOptions) -> object:
    """Configure Kivy, open the terminal's data and return the (not yet running) app: the rep app on a
    rep tablet, the cashier app on a till."""
    from terminal.ui.fonts import find_cjk_font

    find_cjk_font()  # fail with the install hint before a window opens
    fit_window = configure_kivy(options.size, options.fullscreen)
    quiet_http_client_logs()
    problem = data_folder_problem(options.data_dir)
    if problem is not None:  # database missing or damaged, disk full: say so, open nothing
        import sys

        from terminal.ui.startup_problem import StartupProblemApp

        print(f"{problem.message}\n{problem.message_en}", file=sys.stderr)
        return StartupProblemApp(problem, lang=options.lang)
    if is_rep_tablet(options.data_dir):
        from terminal.ui.rep.adapters.tablet import Tablet
        from terminal.ui.rep.app import RepApp

        return RepApp(Tablet(options.data_dir), lang=options.lang, fit_window=fit_window)
    from terminal.ui.adapters.till import Till
    from terminal.ui.app import PosApp

    return PosApp(Till(options.data_dir, display_url=options.display_url), lang=options.lang,
                  fit_window=fit_window)


def data_folder_problem(data_dir: Path) -> DataFolderError | None:
    """Why the till must not start on this data folder (`terminal.store.db.check_at_start`: marker
    without database, quick check, a write), or None when it may."""
    from terminal.store.db import check_at_start
    from terminal.store.errors import DataFolderError

    try:
        check_at_start(data_dir)
    except DataFolderError as problem:
        return problem
    return None


def is_rep_tablet(data_dir: Path) -> bool:
    """Enrolled as a sales rep's tablet (`pos-central enroll-code --kind rep`): the rep app opens
    instead of the cashier app."""
    from terminal.field.mode import is_rep_tablet as enrolled_as_rep
    from terminal.store import open_store

    store = open_store(data_dir)
    try:
        return enrolled_as_rep(store)
    finally:
        store.close()
