"""A simulated 2×20 VFD: interprets the bytes a pole display receives into what it would show."""

from __future__ import annotations

import threading
from typing import Any

from drivers.textwidth import char_width


class VfdScreen:
    """Cells of a character display; CJK characters take two cells. Unknown commands are logged."""

    def __init__(self, columns: int = 20, rows: int = 2, charset: str = "gb18030") -> None:
        self.columns = columns
        self.rows = rows
        self.charset = charset
        self.errors: list[str] = []
        self._cells: list[list[str]] = []
        self._pending = b""
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._cells = [[" "] * self.columns for _ in range(self.rows)]
        self.col = 0
        self.row = 0

    @property
    def lines(self) -> list[str]:
        with self._lock:
            return ["".join(cell for cell in row if cell) for row in self._cells]

    def feed(self, data: bytes) -> None:
        with self._lock:
            buf = self._pending + data
            i = 0
            while i < len(buf):
                b = buf[i]
                if b == 0x1B:
                    if i + 1 >= len(buf):
                        break
                    if buf[i + 1] == 0x40:
                        self.reset()
                    else:
                        self.errors.append(f"ESC 0x{buf[i + 1]:02x}")
                    i += 2
                elif b == 0x1F:
                    if i + 3 >= len(buf):
                        break
                    if buf[i + 1] == 0x24:
                        self.col, self.row = buf[i + 2] - 1, buf[i + 3] - 1
                        if not (0 <= self.col < self.columns and 0 <= self.row < self.rows):
                            self.errors.append(f"cursor out of range {buf[i + 2]},{buf[i + 3]}")
                            self.col, self.row = 0, 0
                    else:
                        self.errors.append(f"US 0x{buf[i + 1]:02x}")
                    i += 4
                elif b == 0x0C:
                    self.reset()
                    i += 1
                elif b >= 0x81 and self.charset == "gb18030":
                    if i + 1 >= len(buf):
                        break
                    self._put(bytes(buf[i:i + 2]).decode("gb18030", errors="replace"))
                    i += 2
                elif 0x20 <= b < 0x7F:
                    self._put(chr(b))
                    i += 1
                else:
                    self.errors.append(f"byte 0x{b:02x}")
                    i += 1
            self._pending = buf[i:]

    def _put(self, ch: str) -> None:
        width = char_width(ch)
        if self.col + width > self.columns:
            self.errors.append(f"overflow at row {self.row + 1}: {ch!r}")
            return
        self._cells[self.row][self.col] = ch
        if width == 2:
            self._cells[self.row][self.col + 1] = ""
        self.col += width


class SerialDisplaySimulator:
    """Runs a `VfdScreen` behind a serial port (e.g. the device end of a socat pty pair)."""

    def __init__(self, port: Any, screen: VfdScreen | None = None) -> None:
        self.port = port
        self.screen = screen or VfdScreen()
        self.updates = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vfd-sim", daemon=True)

    def start(self) -> SerialDisplaySimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        self.port.timeout = 0.05
        while not self._stop.is_set():
            try:
                data = self.port.read(256)
            except Exception:
                return
            if data:
                self.screen.feed(bytes(data))
                self.updates += 1
