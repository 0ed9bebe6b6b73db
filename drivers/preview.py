"""Plain-text preview of a document: exactly the characters and columns the paper will show.

`block_lines` is shared with the ESC/POS renderer, so screen and paper cannot drift apart.
Double-size (`large`) text is laid out on half the columns; the preview spreads each character
over twice its width so the alignment on screen matches the paper.
"""

from __future__ import annotations

from drivers.document import Blank, Block, Columns, Cut, Document, DrawerPulse, QRCode, Rule, Text
from drivers.textwidth import char_width, columns, pad, printable, text_width, wrap

PAPER_COLUMNS = {58: 32, 80: 48}


def columns_for(width_mm: int) -> int:
    """32 columns on 58 mm paper, 48 on 80 mm (12×24 font)."""
    try:
        return PAPER_COLUMNS[width_mm]
    except KeyError:
        raise ValueError(f"paper width must be 58 or 80 mm, got {width_mm}") from None


def block_lines(block: Text | Columns | Rule, width: int) -> list[str]:
    """The lines a text block occupies, each at most `width` (or `width // 2` for large) columns;
    a line break in the text starts a new line."""
    if isinstance(block, Rule):
        return [block.char * (width // max(1, text_width(block.char)))]
    usable = width // 2 if block.size == "large" else width
    if isinstance(block, Columns):
        return columns(printable(block.left), printable(block.right), usable)
    paragraphs = block.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line for paragraph in paragraphs for line in wrap(printable(paragraph), usable)]
    if block.align == "left":
        return lines
    return [pad(line, usable, block.align).rstrip() for line in lines]


def _spread(line: str) -> str:
    """Show double-width text on screen: each character followed by its own width in spaces."""
    return "".join(ch + " " * char_width(ch) for ch in line)


def render_text(document: Document, width: int) -> str:
    """The preview as one string (lines joined by `\\n`, no trailing spaces)."""
    out: list[str] = []
    for block in document:
        out.extend(_block_preview(block, width))
    return "\n".join(line.rstrip() for line in out) + "\n"


def _block_preview(block: Block, width: int) -> list[str]:
    if isinstance(block, Text | Columns):
        lines = block_lines(block, width)
        return [_spread(line) for line in lines] if block.size == "large" else lines
    if isinstance(block, Rule):
        return block_lines(block, width)
    if isinstance(block, Blank):
        return [""] * block.lines
    if isinstance(block, QRCode):
        return [pad(f"[QR {block.data}]", width, "center")]
    if isinstance(block, Cut):
        return [pad("--- 切纸 cut ---", width, "center")]
    if isinstance(block, DrawerPulse):
        return []
    raise TypeError(f"unknown block {block!r}")
