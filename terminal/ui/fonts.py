"""CJK font registration: Kivy's bundled Roboto has no Chinese glyphs (they render as empty boxes).

We register a CJK font under Kivy's default font name, so every Label, Button and TextInput in
the app (and in any popup) draws Chinese without each widget naming a font.
"""

from __future__ import annotations

import os
from pathlib import Path

FONT_ENV = "POS_UI_FONT"
"""Environment variable naming a .ttf/.ttc/.otf file to use instead of the defaults."""

CANDIDATES: tuple[Path, ...] = (
    Path(__file__).parent / "fonts" / "NotoSansSC-Regular.otf",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


class FontMissingError(RuntimeError):
    """No CJK font could be found: the UI would show empty boxes instead of Chinese."""

    def __init__(self, tried: list[Path]) -> None:
        listed = ", ".join(str(p) for p in tried)
        super().__init__(
            "找不到中文字体 (no CJK font found). Install it with `apt-get install fonts-wqy-microhei` "
            f"(scripts/setup.sh does) or set {FONT_ENV}=/path/to/font.ttc. Tried: {listed}"
        )
        self.tried = tried


def find_cjk_font() -> Path:
    """The first usable CJK font: $POS_UI_FONT, then the known locations; raise if none exists."""
    tried: list[Path] = []
    override = os.environ.get(FONT_ENV)
    candidates = ((Path(override),) if override else ()) + CANDIDATES
    for path in candidates:
        tried.append(path)
        if path.is_file() and path.stat().st_size > 0:
            return path
    raise FontMissingError(tried)


def register_cjk_font() -> Path:
    """Make the CJK font Kivy's default ("Roboto") for every style; return the file used."""
    from kivy.core.text import LabelBase

    path = str(find_cjk_font())
    LabelBase.register(name="Roboto", fn_regular=path, fn_italic=path, fn_bold=path, fn_bolditalic=path)
    return Path(path)
