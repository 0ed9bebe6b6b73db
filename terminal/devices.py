"""The till's devices as configured: the receipt printer (and the cash drawer behind it), a serial
barcode scanner, a serial scale and the customer's pole display.

Each is found in its environment variable, else in the terminal setting of the same meaning (a
keyboard-wedge scanner needs neither). Drivers are imported when first needed, so a till without
hardware starts without loading python-escpos or pyserial.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal.customer_display import DISPLAY_ENV, DISPLAY_SETTING
from terminal.errors import TerminalError
from terminal.store import Store

PRINTER_ENV = "POS_PRINTER_URL"
PRINTER_SETTING = "printer_url"
"""A `drivers.printer_url` URL such as tcp://192.168.1.50:9100 or usb://0x0416:0x5011."""
SCANNER_ENV = "POS_SCANNER_PORT"
SCANNER_SETTING = "scanner_port"
SCALE_ENV = "POS_SCALE_PORT"
SCALE_SETTING = "scale_port"
SCALE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class DeviceConfig:
    printer_url: str | None = None
    scanner_port: str | None = None
    scale_port: str | None = None
    display_url: str | None = None


def device_config(store: Store) -> DeviceConfig:
    """Where each device is: its environment variable, else the terminal setting, else None."""
    settings = store.settings()

    def pick(env: str, setting: str) -> str | None:
        return os.environ.get(env) or settings.get(setting) or None

    return DeviceConfig(printer_url=pick(PRINTER_ENV, PRINTER_SETTING),
                        scanner_port=pick(SCANNER_ENV, SCANNER_SETTING),
                        scale_port=pick(SCALE_ENV, SCALE_SETTING),
                        display_url=pick(DISPLAY_ENV, DISPLAY_SETTING))


def open_receipt_printer(url: str | None) -> Any:
    """The receipt printer at `url` (`drivers.printer.open_printer`); a clear error when none is set."""
    if not url:
        raise TerminalError("未配置小票打印机（设置 printer_url）",
                            "no receipt printer configured (setting printer_url)", code="no_printer")
    from drivers.printer import open_printer

    return open_printer(url)


def read_scale(port: str | None, timeout: float = SCALE_TIMEOUT_S) -> Decimal:
    """A stable weight (kg) from the serial scale at `port`; seconds at most (call it off the UI thread)."""
    if not port:
        raise TerminalError("未配置电子秤", "no scale configured", code="no_scale")
    from drivers.scale import SerialScale

    scale = SerialScale(port)
    try:
        weight: Decimal = scale.read_weight(timeout=timeout)
        return weight
    finally:
        scale.close()
