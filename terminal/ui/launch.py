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


def parse_size(text: str) -> tuple[int, int]:
    """"1024x768" → (1024, 768); ValueError with the expected form otherwise."""
    m = SIZE_PATTERN.match(text.strip().lower())
    if not m:
        raise ValueError(f"window size must look like 1024x768, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def default_data_dir(given: str | None) -> Path:
    return Path(given or os.environ.get("POS_TERMINAL_DATA") or "data/terminal")


def configure_kivy(size: tuple[int, int], fullscreen: bool) -> None:
    """Kivy settings that must exist before the window is created."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
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

    return PosApp(Backend(options.data_dir), lang=options.lang)
