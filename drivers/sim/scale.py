"""A simulated continuous-output scale: writes frames to a serial port several times a second."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from drivers.scale import format_frame


class ScaleSimulator:
    """`set_weight(Decimal("1.234"))`, `set_weight(x, stable=False)`, `overload()`, `silent = True`, `garbage = True`."""

    def __init__(self, port: Any, *, interval: float = 0.02) -> None:
        self.port = port
        self.interval = interval
        self.silent = False
        self.garbage = False
        """Send bytes that are not frames (a scale set to another protocol or baud)."""
        self._frame = format_frame(Decimal("0"))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scale-sim", daemon=True)

    def set_weight(self, kg: Decimal, *, stable: bool = True, net: bool = False) -> None:
        with self._lock:
            self._frame = format_frame(kg, stable=stable, net=net)

    def overload(self) -> None:
        with self._lock:
            self._frame = format_frame(None)

    def start(self) -> ScaleSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.silent:
                continue
            with self._lock:
                frame = b"\x02\xa5Z\x7f\x13\x88\r\n" if self.garbage else self._frame
            try:
                self.port.write(frame)
            except Exception:
                return
