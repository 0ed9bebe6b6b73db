"""A serial barcode scanner feeding the UI: a reader thread hands each code to the UI thread.

Keyboard-wedge scanners need nothing: they type into the focused field. A serial scanner (RS-232
or USB-CDC, configured by $POS_SCANNER_PORT or the terminal setting `scanner_port`, `terminal.devices`) is read on its
own thread; codes come back to Kivy's thread through `Clock.schedule_once`, never touching widgets
from the reader thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

READ_TIMEOUT_S = 0.3


class SerialScannerThread:
    """Reads codes from `port` until stopped; `deliver(code)` is called on the reader thread and
    must hop to the UI thread itself (the app passes a `Clock.schedule_once` wrapper)."""

    def __init__(self, port: str, deliver: Callable[[str], None], on_error: Callable[[BaseException], None],
                 *, baud: int = 9600) -> None:
        self.port = port
        self.baud = baud
        self.deliver = deliver
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SerialScannerThread:
        self._thread = threading.Thread(target=self._run, name="pos-scanner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        from drivers.serial_scanner import SerialScanner

        try:
            scanner = SerialScanner(self.port, baud=self.baud)
        except Exception as exc:  # a missing port is reported on screen, the till still sells
            self.on_error(exc)
            return
        try:
            while not self._stop.is_set():
                try:
                    result = scanner.read(READ_TIMEOUT_S)
                except Exception as exc:  # unplugged: say so and stop reading
                    self.on_error(exc)
                    return
                if result is not None:
                    self.deliver(result.code)
        finally:
            scanner.close()
