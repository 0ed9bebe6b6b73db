"""Customer pole display: a 2×20 VFD on a serial port (Epson ESC/POS display command set).

Commands used: `ESC @` initialise, `US $ x y` move the cursor, then 20 columns of text per line,
so each update overwrites both lines without a blank flash. Chinese-capable displays take
GB18030 (GBK) text, two columns per character; ASCII-only ones get an ASCII fallback
(the caller's `ascii_name`, else the name with non-ASCII removed) and plain-number prices.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from drivers.errors import DeviceConfigError, DisplayError
from drivers.money import format_fen
from drivers.serial_port import PORT_ERRORS, open_serial
from drivers.textwidth import pad, printable, text_width, truncate

Charset = Literal["gb18030", "ascii"]

INIT = b"\x1b@"


def move(column: int, row: int) -> bytes:
    """`US $ x y`, both 1-based."""
    return b"\x1f$" + bytes([column, row])


class CustomerDisplay(Protocol):
    def show_item(self, name: str, price_fen: int, *, quantity: str = "", ascii_name: str = "") -> None: ...

    def show_total(self, total_fen: int) -> None: ...

    def show_change(self, paid_fen: int, change_fen: int) -> None: ...

    def show_lines(self, top: str, bottom: str) -> None: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


_TEXT = {
    "gb18030": {"price": "单价", "total": "合计", "paid": "实收", "change": "找零", "welcome": "欢迎光临"},
    "ascii": {"price": "PRICE", "total": "TOTAL", "paid": "PAID", "change": "CHANGE", "welcome": "WELCOME"},
}


class PoleDisplay:
    def __init__(self, port: str | Any, *, baud: int = 9600, charset: Charset = "gb18030", columns: int = 20) -> None:
        if charset not in _TEXT:
            raise DeviceConfigError(f"charset {charset!r}", message="顾客显示屏字符集只能是 gb18030 或 ascii",
                                    message_en="Display charset must be gb18030 or ascii")
        if not 8 <= columns <= 40:
            raise DeviceConfigError(f"columns {columns}", message="显示屏列数有误", message_en="Bad display width")
        self.charset: Charset = charset
        self.columns = columns
        self._port = open_serial(port, baud=baud) if isinstance(port, str) else port
        self._write(INIT)

    # -- what the cashier's screens call ------------------------------------------------------
    def show_item(self, name: str, price_fen: int, *, quantity: str = "", ascii_name: str = "") -> None:
        """Top: the item name; bottom: quantity and price."""
        label = self._words("price") if not quantity else f"x{quantity}"
        self.show_lines(self._name(name, ascii_name), self._columns(label, self._money(price_fen)))

    def show_total(self, total_fen: int) -> None:
        self.show_lines(self._words("total"), self._columns("", self._money(total_fen)))

    def show_change(self, paid_fen: int, change_fen: int) -> None:
        self.show_lines(self._columns(self._words("paid"), self._money(paid_fen)),
                        self._columns(self._words("change"), self._money(change_fen)))

    def welcome(self) -> None:
        self.show_lines(self._words("welcome"), "")

    def clear(self) -> None:
        self.show_lines("", "")

    def show_lines(self, top: str, bottom: str) -> None:
        """Exactly two lines of `columns` each (longer text is cut, never wrapped onto the other)."""
        data = bytearray()
        for row, text in ((1, top), (2, bottom)):
            data += move(1, row) + self._encode(pad(self._clean(text), self.columns))
        self._write(bytes(data))

    def close(self) -> None:
        self._port.close()

    # -- helpers -----------------------------------------------------------------------------
    def _words(self, key: str) -> str:
        return _TEXT[self.charset][key]

    def _money(self, fen: int) -> str:
        return format_fen(fen) if self.charset == "gb18030" else format_fen(fen, symbol="")

    def _columns(self, left: str, right: str) -> str:
        """Right-aligned value; the label gives way (is cut) so the money is always whole."""
        left, right = self._clean(left), self._clean(right)
        if not left:
            return pad(right, self.columns, "right")
        left = truncate(left, max(0, self.columns - text_width(right) - 1))
        return left + " " * (self.columns - text_width(left) - text_width(right)) + right

    def _name(self, name: str, ascii_name: str) -> str:
        if self.charset == "gb18030":
            return name
        fallback = ascii_name or "".join(ch for ch in name if ch.isascii()).strip()
        return fallback or "ITEM"

    def _clean(self, text: str) -> str:
        if self.charset == "gb18030":
            return printable(text)
        return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)

    def _encode(self, text: str) -> bytes:
        return text.encode("gb18030" if self.charset == "gb18030" else "ascii")

    def _write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except PORT_ERRORS as exc:
            raise DisplayError(str(exc), message="顾客显示屏连接中断", message_en="Customer display disconnected") from exc
