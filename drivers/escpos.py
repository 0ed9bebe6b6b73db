"""Render a document to ESC/POS bytes once; transports then send the same bytes anywhere.

The command set is the common Epson subset that Chinese printers (Xprinter, GPrinter, Sunmi,
HPRT ...) accept. Chinese text is GB18030 (GBK-compatible two-byte characters only, see
`textwidth.printable`), wrapped in `FS &` … `FS .` when the profile says the printer needs its
Chinese mode switched on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.document import Blank, Columns, Cut, Document, DrawerPulse, QRCode, Rule, Text
from drivers.preview import block_lines, columns_for

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
DLE = b"\x10"

INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
LF = b"\n"
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
BOLD_ON = ESC + b"E\x01"
BOLD_OFF = ESC + b"E\x00"
# GS ! for single-byte characters, FS ! for Chinese characters (some printers honour only one).
SIZE = {
    "normal": GS + b"!\x00" + FS + b"!\x00",
    "tall": GS + b"!\x01" + FS + b"!\x08",
    "large": GS + b"!\x11" + FS + b"!\x0c",
}
CUT_FULL = GS + b"V\x00"
CUT_PARTIAL = GS + b"V\x01"
QR_ERROR_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}
DRAWER_PINS = {2: 0, 5: 1}


@dataclass(frozen=True)
class PrinterProfile:
    """What differs between printers; all of it can be set per printer in its URL."""

    width_mm: Literal[58, 80] = 80
    chinese_mode: bool = True
    """Send `FS &` before and `FS .` after the text (needed by most Chinese-market printers)."""
    drawer_pin: Literal[2, 5] = 2
    drawer_pulse_ms: int = 100
    qr_module: int = 6
    qr_error: Literal["L", "M", "Q", "H"] = "M"
    qr_native: bool = True
    """False prints the QR as a raster image (`GS v 0`) for printers without `GS ( k`."""
    code128: bool = False
    """Also print the receipt code as a Code 128 barcode, for tills whose scanner reads only 1-D codes."""
    cut: Literal["full", "partial", "none"] = "partial"
    feed_before_cut: int = 4

    def __post_init__(self) -> None:
        columns_for(self.width_mm)
        if self.drawer_pin not in DRAWER_PINS:
            raise ValueError(f"drawer pin must be 2 or 5, got {self.drawer_pin}")
        if not 2 <= self.drawer_pulse_ms <= 510:
            raise ValueError("drawer pulse must be 2..510 ms")
        if not 1 <= self.qr_module <= 16:
            raise ValueError("QR module size must be 1..16 dots")
        if self.qr_error not in QR_ERROR_LEVELS:
            raise ValueError(f"QR error level must be one of L M Q H, got {self.qr_error}")
        if self.cut not in ("full", "partial", "none"):
            raise ValueError(f"cut must be full, partial or none, got {self.cut}")
        if not 0 <= self.feed_before_cut <= 255:
            raise ValueError("feed before cut must be 0..255 lines")

    @property
    def columns(self) -> int:
        return columns_for(self.width_mm)

    @property
    def dots(self) -> int:
        """Printable width in dots at 203 dpi: 384 on 58 mm paper, 576 on 80 mm."""
        return 384 if self.width_mm == 58 else 576


def encode_text(text: str) -> bytes:
    return text.encode("gb18030")


def drawer_pulse(pin: int, pulse_ms: int = 100) -> bytes:
    """`ESC p m t1 t2`: on for t1×2 ms, off for t2×2 ms (off at least as long as on)."""
    if pin not in DRAWER_PINS:
        raise ValueError(f"drawer pin must be 2 or 5, got {pin}")
    on = max(1, min(255, pulse_ms // 2))
    off = max(on, min(255, on * 2))
    return ESC + b"p" + bytes([DRAWER_PINS[pin], on, off])


def realtime_drawer_pulse(pin: int, pulse_ms: int = 100) -> bytes:
    """`DLE DC4 1 m t`: a real-time pulse (t × 100 ms) that printers obey even while offline
    (paper out, cover open), so the drawer still opens when printing does not work."""
    if pin not in DRAWER_PINS:
        raise ValueError(f"drawer pin must be 2 or 5, got {pin}")
    return DLE + b"\x14\x01" + bytes([DRAWER_PINS[pin], max(1, min(8, round(pulse_ms / 100)))])


def code128(data: str, max_dots: int, height: int = 60) -> bytes:
    """`GS k 73` Code 128 (set B) with the text under it; the widest bars that fit, else nothing."""
    if not data or not all(32 <= ord(ch) < 127 for ch in data):
        raise ValueError("Code 128 data must be printable ASCII")
    payload = b"{B" + data.encode("ascii")
    modules = 11 * (len(data) + 3) + 2  # start, data, check, stop + 2-module end bar
    fitting = [w for w in (3, 2, 1) if modules * w + 20 <= max_dots]
    if not fitting or len(payload) > 255:
        return b""
    return (GS + b"h" + bytes([height]) + GS + b"w" + bytes([fitting[0]]) + GS + b"H\x02" + GS + b"f\x00"
            + GS + b"k\x49" + bytes([len(payload)]) + payload)


def qr_native(data: str, module: int, error: str) -> bytes:
    """`GS ( k` function 165/167/169/180/181: model 2, module size, error level, store, print."""
    payload = data.encode("ascii")
    store_len = len(payload) + 3
    if store_len > 0xFFFF:
        raise ValueError("QR payload too long")
    return (
        GS + b"(k\x04\x00\x31\x41\x32\x00"
        + GS + b"(k\x03\x00\x31\x43" + bytes([module])
        + GS + b"(k\x03\x00\x31\x45" + bytes([QR_ERROR_LEVELS[error]])
        + GS + b"(k" + store_len.to_bytes(2, "little") + b"\x31\x50\x30" + payload
        + GS + b"(k\x03\x00\x31\x51\x30"
    )


def _qr_matrix(data: str, error: str) -> list[list[bool]]:
    """The QR symbol's modules, quiet zone of 2 included (python-qrcode picks the version)."""
    import qrcode
    import qrcode.constants

    levels = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(error_correction=levels[error], border=2)
    code.add_data(data.encode("ascii"))
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def qr_module_that_fits(data: str, module: int, error: str, max_dots: int) -> int:
    """The profile's module size, made smaller when a long payload would run off the paper."""
    modules = len(_qr_matrix(data, error))
    return max(1, min(module, max_dots // modules))


def qr_raster(data: str, module: int, error: str) -> bytes:
    """The QR as a `GS v 0` raster bit image, for printers without native QR."""
    matrix = _qr_matrix(data, error)
    size = len(matrix) * module
    width_bytes = (size + 7) // 8
    rows = bytearray()
    for row in matrix:
        bits = bytearray(width_bytes)
        for x, dark in enumerate(row):
            if dark:
                for dx in range(module):
                    px = x * module + dx
                    bits[px // 8] |= 0x80 >> (px % 8)
        rows += bytes(bits) * module
    header = GS + b"v0\x00" + width_bytes.to_bytes(2, "little") + size.to_bytes(2, "little")
    return header + bytes(rows)


def render_escpos(document: Document, profile: PrinterProfile) -> bytes:
    """The whole slip as one byte string: init, Chinese mode, blocks, cut.

    Alignment, size and emphasis are sent only when they change, so the stream stays small on
    slow serial links.
    """
    out = bytearray(INIT)
    if profile.chinese_mode:
        out += CHINESE_ON
    width = profile.columns
    mode = {"align": "left", "size": "normal", "bold": False}

    def set_mode(align: str, size: str, bold: bool) -> None:
        if mode["align"] != align:
            out.extend(ALIGN[align])
        if mode["size"] != size:
            out.extend(SIZE[size])
        if mode["bold"] != bold:
            out.extend(BOLD_ON if bold else BOLD_OFF)
        mode.update(align=align, size=size, bold=bold)

    for block in document:
        if isinstance(block, Text | Columns):
            align = block.align if isinstance(block, Text) else "left"
            set_mode(align, block.size, block.bold)
            for line in block_lines(block, width):
                out += encode_text(line.rstrip() if align == "left" else line.strip()) + LF
        elif isinstance(block, Rule):
            set_mode("left", "normal", False)
            out += encode_text(block_lines(block, width)[0]) + LF
        elif isinstance(block, Blank):
            out += LF * block.lines
        elif isinstance(block, QRCode):
            set_mode("center", "normal", False)
            module = qr_module_that_fits(block.data, profile.qr_module, profile.qr_error, profile.dots)
            if profile.qr_native:
                out += qr_native(block.data, module, profile.qr_error)
            else:
                out += qr_raster(block.data, module, profile.qr_error)
            out += LF
            if profile.code128 and all(32 <= ord(ch) < 127 for ch in block.data):
                bars = code128(block.data, profile.dots)
                out += bars + (LF if bars else b"")
        elif isinstance(block, Cut):
            set_mode("left", "normal", False)
            if profile.chinese_mode:
                out += CHINESE_OFF
            out += ESC + b"d" + bytes([profile.feed_before_cut])
            if profile.cut != "none":
                out += CUT_FULL if profile.cut == "full" else CUT_PARTIAL
            if profile.chinese_mode:
                out += CHINESE_ON
        elif isinstance(block, DrawerPulse):
            out += drawer_pulse(profile.drawer_pin, profile.drawer_pulse_ms)
        else:  # pragma: no cover - Block is a closed union
            raise TypeError(f"unknown block {block!r}")
    set_mode("left", "normal", False)
    if profile.chinese_mode:
        out += CHINESE_OFF
    return bytes(out)
