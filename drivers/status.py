"""Printer status over `DLE EOT n` (real-time status transmission) and what a cashier can do about it.

n=1 printer: bit 3 offline, bit 2 drawer connector pin 3 level.
n=2 offline cause: bit 2 cover open, bit 3 paper fed by button, bit 5 stopped at paper end, bit 6 error.
n=3 error cause: bit 3 auto-cutter error, bit 5 unrecoverable error, bit 6 auto-recoverable error.
n=4 paper sensor: bits 2-3 roll near end, bits 5-6 roll end.
Every answer byte has bits 1 and 4 set and bits 0 and 7 clear; anything else is not a status.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import PrinterCoverOpenError, PrinterFaultError, PrinterOfflineError, PrinterPaperOutError

STATUS_QUERY = {n: bytes([0x10, 0x04, n]) for n in (1, 2, 3, 4)}
FIXED_MASK = 0x93
FIXED_BITS = 0x12


def is_status_byte(value: int) -> bool:
    return value & FIXED_MASK == FIXED_BITS


@dataclass(frozen=True)
class PrinterStatus:
    online: bool = True
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    cutter_error: bool = False
    unrecoverable_error: bool = False
    drawer_pin3_high: bool = False

    @classmethod
    def from_bytes(cls, printer: int, offline: int, error: int, paper: int) -> PrinterStatus:
        """Build from the four answers to DLE EOT 1..4 (raises ValueError on a non-status byte)."""
        for value in (printer, offline, error, paper):
            if not is_status_byte(value):
                raise ValueError(f"not a DLE EOT status byte: 0x{value:02x}")
        return cls(
            online=not printer & 0x08,
            cover_open=bool(offline & 0x04),
            paper_out=bool(offline & 0x20) or paper & 0x60 == 0x60,
            paper_near_end=paper & 0x0C == 0x0C,
            cutter_error=bool(error & 0x08),
            unrecoverable_error=bool(error & 0x20),
            drawer_pin3_high=bool(printer & 0x04),
        )

    def to_bytes(self) -> tuple[int, int, int, int]:
        """The four status bytes a printer in this state answers (the simulator uses this)."""
        printer = FIXED_BITS | (0x08 if not self.online else 0) | (0x04 if self.drawer_pin3_high else 0)
        error_flag = self.cutter_error or self.unrecoverable_error
        offline = (FIXED_BITS | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
                   | (0x40 if error_flag else 0))
        error = FIXED_BITS | (0x08 if self.cutter_error else 0) | (0x20 if self.unrecoverable_error else 0)
        paper = FIXED_BITS | (0x0C if self.paper_near_end or self.paper_out else 0) | (0x60 if self.paper_out else 0)
        return printer, offline, error, paper

    def raise_if_unusable(self) -> None:
        """The most specific error first: a cashier can close a cover or load paper."""
        if self.cover_open:
            raise PrinterCoverOpenError()
        if self.paper_out:
            raise PrinterPaperOutError()
        if self.cutter_error or self.unrecoverable_error:
            raise PrinterFaultError("cutter error" if self.cutter_error else "unrecoverable error")
        if not self.online:
            raise PrinterOfflineError()
