"""Shop scale on a serial port, continuous-output protocol; a stable weight as `Decimal` kilograms.

Protocol (documented in drivers/README.md): the scale sends, several times a second, at 9600 8N1,

    ST,GS,+  1.234kg<CR><LF>

status `ST` stable / `US` unstable (moving) / `OL` overload, `GS` gross or `NT` net (after tare),
the sign, the value right-aligned in 7–8 characters with its decimal point, the unit `kg`, `g`
or `lb`. This comma-separated continuous format is the one most Chinese weighing indicators and
counter scales can be set to send ("连续发送"), and A&D-compatible scales send it too.

`read_weight` waits for `stable_frames` consecutive stable frames with the same value; it tells
"nothing arrives" (timeout), "arrives but never settles" (unstable), "arrives but unreadable"
(wrong protocol or baud) and overload / negative weight apart, each a typed error.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from drivers.errors import (
    ScaleNegativeError,
    ScaleOverloadError,
    ScaleProtocolError,
    ScaleTimeoutError,
    ScaleUnstableError,
    SerialIOError,
)
from drivers.serial_port import PORT_ERRORS, open_serial

GRAM = Decimal("0.001")
POUND_KG = Decimal("0.45359237")
_FRAME = re.compile(
    rb"^(?P<status>ST|US|OL),(?P<kind>GS|NT),(?P<sign>[+-])(?P<value>[ 0-9.]{1,10}|[ -]*OL[ -]*)\s*(?P<unit>kg|g|lb)?\s*$"
)


@dataclass(frozen=True)
class ScaleFrame:
    status: Literal["stable", "unstable", "overload"]
    net: bool
    kg: Decimal | None
    """None for an overload frame."""


def parse_frame(line: bytes) -> ScaleFrame:
    """One line of the continuous output (without CR LF); ValueError when it is not one."""
    match = _FRAME.match(line.strip())
    if match is None:
        raise ValueError(f"not a scale frame: {line!r}")
    status = {b"ST": "stable", b"US": "unstable", b"OL": "overload"}[match["status"]]
    net = match["kind"] == b"NT"
    if status == "overload" or b"OL" in match["value"]:
        return ScaleFrame(status="overload", net=net, kg=None)
    raw = match["value"].replace(b" ", b"")
    if raw.count(b".") > 1 or not raw.strip(b"."):
        raise ValueError(f"bad weight {match['value']!r}")
    if match["unit"] is None:
        raise ValueError("weight without a unit")
    try:
        value = Decimal(raw.decode("ascii"))
    except InvalidOperation as exc:
        raise ValueError(f"bad weight {raw!r}") from exc
    if match["sign"] == b"-":
        value = -value
    unit = match["unit"]
    kg = value / 1000 if unit == b"g" else value * POUND_KG if unit == b"lb" else value
    return ScaleFrame(status=status, net=net, kg=kg.quantize(GRAM, rounding=ROUND_HALF_UP))  # type: ignore[arg-type]


def format_frame(kg: Decimal | None, *, stable: bool = True, net: bool = False) -> bytes:
    """The frame a scale sends for `kg` (None: overload); the simulator and tests use it."""
    kind = "NT" if net else "GS"
    if kg is None:
        return f"OL,{kind},+  OL   kg\r\n".encode("ascii")
    status = "ST" if stable else "US"
    sign = "-" if kg < 0 else "+"
    return f"{status},{kind},{sign}{abs(kg.quantize(GRAM, rounding=ROUND_HALF_UP)):>8}kg\r\n".encode("ascii")


class Scale(Protocol):
    def read_weight(self, timeout: float = 3.0) -> Decimal: ...

    def close(self) -> None: ...


class SerialScale:
    def __init__(self, port: str | Any, *, baud: int = 9600, stable_frames: int = 3) -> None:
        if stable_frames < 1:
            raise ValueError("stable_frames must be ≥ 1")
        self.stable_frames = stable_frames
        self.port_name = port if isinstance(port, str) else getattr(port, "name", "scale")
        self._port = open_serial(port, baud=baud, timeout=0.05) if isinstance(port, str) else port
        self._buffer = bytearray()

    def read_weight(self, timeout: float = 3.0) -> Decimal:
        """A settled weight in kg (3 decimals). Old frames queued before the call are ignored."""
        self._discard_backlog()
        deadline = time.monotonic() + timeout
        got_bytes = False
        frames = 0
        streak: list[Decimal] = []
        while time.monotonic() < deadline:
            line = self._read_line(deadline)
            if line is None:
                continue
            got_bytes = True
            try:
                frame = parse_frame(line)
            except ValueError:
                continue
            frames += 1
            if frame.status == "overload":
                raise ScaleOverloadError(self.port_name)
            if frame.status != "stable" or frame.kg is None:
                streak.clear()
                continue
            if streak and streak[-1] != frame.kg:
                streak.clear()
            streak.append(frame.kg)
            if len(streak) >= self.stable_frames:
                if frame.kg < 0:
                    raise ScaleNegativeError(f"{frame.kg} kg")
                return frame.kg
        if frames:
            raise ScaleUnstableError(f"{self.port_name}: {frames} frames, none stable for {self.stable_frames}")
        if got_bytes:
            raise ScaleProtocolError(self.port_name)
        raise ScaleTimeoutError(self.port_name)

    def close(self) -> None:
        self._port.close()

    def _discard_backlog(self) -> None:
        try:
            self._port.reset_input_buffer()
        except PORT_ERRORS as exc:
            raise SerialIOError(f"{self.port_name}: {exc}", message="电子秤连接中断",
                                message_en="Scale disconnected") from exc
        self._buffer.clear()

    def _read_line(self, deadline: float) -> bytes | None:
        while True:
            for terminator in (b"\n", b"\r"):
                index = self._buffer.find(terminator)
                if index >= 0:
                    line = bytes(self._buffer[:index]).strip(b"\r\n")
                    del self._buffer[: index + 1]
                    if line:
                        return line
                    break
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                try:
                    self._port.timeout = min(0.05, remaining)
                    chunk = self._port.read(self._port.in_waiting or 1)
                except PORT_ERRORS as exc:
                    raise SerialIOError(f"{self.port_name}: {exc}", message="电子秤连接中断",
                                        message_en="Scale disconnected") from exc
                if not chunk:
                    return None
                self._buffer += chunk
                if len(self._buffer) > 4096:
                    del self._buffer[:-64]
                continue
