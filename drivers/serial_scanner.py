"""A barcode scanner on a serial port (RS-232 or USB-CDC): one code per line.

Scanners end each code with a configurable terminator (CR by default; LF, CRLF and TAB are
common too). Partial reads are buffered; an unplugged cable is a typed error.
"""

from __future__ import annotations

import time

from drivers.errors import DeviceConfigError, SerialIOError
from drivers.scan import ScanResult, guess_symbology
from drivers.serial_port import PORT_ERRORS, open_serial

TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "TAB": b"\t"}
MAX_CODE_BYTES = 4096


class SerialScanner:
    def __init__(self, port: str, *, baud: int = 9600, terminator: str | bytes = "CR") -> None:
        if isinstance(terminator, str):
            if terminator.upper() not in TERMINATORS:
                raise DeviceConfigError(f"terminator {terminator!r}", message="扫码枪结束符设置有误",
                                        message_en="Unknown scanner terminator (use CR, LF, CRLF or TAB)")
            terminator = TERMINATORS[terminator.upper()]
        if not terminator:
            raise DeviceConfigError("empty terminator", message="扫码枪结束符不能为空",
                                    message_en="Scanner terminator must not be empty")
        self.terminator = terminator
        self.port_name = port
        self._port = open_serial(port, baud=baud, timeout=0.05)
        self._buffer = bytearray()

    def read(self, timeout: float) -> ScanResult | None:
        deadline = time.monotonic() + timeout
        while True:
            code = self._take_code()
            if code is not None:
                if code:
                    return ScanResult(code=code, symbology=guess_symbology(code), source="serial")
                continue  # blank line (e.g. CR LF read as CR terminator): ignore
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                self._port.timeout = min(0.05, remaining)
                chunk = self._port.read(self._port.in_waiting or 1)
            except PORT_ERRORS as exc:
                raise SerialIOError(f"{self.port_name}: {exc}", message="扫码枪连接中断",
                                    message_en="Scanner disconnected") from exc
            self._buffer += chunk
            if len(self._buffer) > MAX_CODE_BYTES:
                self._buffer.clear()  # noise without terminators: drop rather than grow forever

    def _take_code(self) -> str | None:
        index = self._buffer.find(self.terminator)
        if index < 0:
            return None
        raw = bytes(self._buffer[:index])
        del self._buffer[: index + len(self.terminator)]
        text = raw.decode("utf-8", errors="strict") if _is_utf8(raw) else raw.decode("gb18030", errors="replace")
        return text.strip("\r\n\t \x00")

    def close(self) -> None:
        self._port.close()


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
