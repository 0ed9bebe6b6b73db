"""What every scanner hands the terminal: the code, its symbology where known, and the source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Symbology = Literal["EAN-13", "EAN-8", "UPC-A", "Code 128", "QR", "unknown"]
Source = Literal["serial", "keyboard", "camera"]


@dataclass(frozen=True)
class ScanResult:
    code: str
    symbology: Symbology = "unknown"
    source: Source = "serial"


class Scanner(Protocol):
    def read(self, timeout: float) -> ScanResult | None:
        """The next code, or None when nothing was scanned within `timeout` seconds."""
        ...

    def close(self) -> None: ...


def guess_symbology(code: str) -> Symbology:
    """Serial and keyboard scanners send only the digits; guess from the shape (checked by sync/barcodes)."""
    if code.isdigit():
        return {13: "EAN-13", 8: "EAN-8", 12: "UPC-A"}.get(len(code), "unknown")  # type: ignore[return-value]
    return "unknown"
