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


def configure_kivy(size: tuple[int, int], fullscreen: bool) -> None:
    """Kivy settings that must exist before the window is created."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
    if not fullscreen:  # full screen: the operator may set KIVY_METRICS_DENSITY for the panel
        os.environ.setdefault("KIVY_METRICS_DENSITY", str(density_for(size)))
    from kivy.config import Config

    width, height = size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "resizable", "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")


def build_app(options: LaunchOptions) -> object:
    """Configure Kivy, open the terminal's data and return the (not yet running) app."""
    from terminal.ui.fonts import find_cjk_font

    find_cjk_font()  # fail with the install hint before a window opens
    configure_kivy(options.size, options.fullscreen)
    from terminal.ui.app import PosApp
    from terminal.ui.backend import Backend

    return PosApp(Backend(options.data_dir, display_url=options.display_url), lang=options.lang)
