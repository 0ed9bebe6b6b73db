"""A printed slip as data: a tuple of blocks that both renderers (ESC/POS bytes, text preview) read.

Layouts (`drivers/layout.py`) only build documents; they never see bytes or paper width, so
58 mm and 80 mm, paper and screen all come from the same definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]
Size = Literal["normal", "tall", "large"]
"""`tall` doubles the height only (same columns); `large` doubles both (half the columns)."""


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = "left"
    bold: bool = False
    size: Size = "normal"


@dataclass(frozen=True)
class Columns:
    """A label on the left and a value flush right; the left part wraps when both do not fit."""

    left: str
    right: str
    bold: bool = False
    size: Size = "normal"


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Blank:
    lines: int = 1


@dataclass(frozen=True)
class QRCode:
    """ASCII payload only: zbar guesses Shift-JIS for non-ASCII and garbles it."""

    data: str

    def __post_init__(self) -> None:
        if not self.data or not self.data.isascii():
            raise ValueError("QR payload must be non-empty ASCII")


@dataclass(frozen=True)
class Cut:
    pass


@dataclass(frozen=True)
class DrawerPulse:
    """Kick the cash drawer wired to the printer (pin from the printer profile)."""


Block = Text | Columns | Rule | Blank | QRCode | Cut | DrawerPulse
Document = tuple[Block, ...]
