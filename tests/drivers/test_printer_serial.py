"""A serial receipt printer through a real socat pty pair, status queries included."""

from __future__ import annotations

import time

import pytest
import serial

from drivers import layout
from drivers.errors import PrinterCoverOpenError, PrinterNotFoundError
from drivers.printer import open_printer
from drivers.sim.printer import SerialPrinterSimulator
from drivers.sim.pty import SocatPair

from . import samples
from .escpos_reader import read_escpos


def _wait_for(sim: SerialPrinterSimulator, marker: bytes, timeout: float = 3.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = bytes(sim.core.received)
        if data.endswith(marker):
            return data
        time.sleep(0.02)
    return bytes(sim.core.received)


def test_serial_printer_prints_and_reports_status(socat: SocatPair) -> None:
    device = serial.Serial(str(socat.a), 19200, timeout=0.05)
    sim = SerialPrinterSimulator(device).start()
    try:
        printer = open_printer(f"serial://{socat.b}?baud=19200&width=58")
        printer.print_document(layout.return_slip(samples.return_slip()), open_drawer=True)
        data = _wait_for(sim, b"\x10\x04\x04")
        state = read_escpos(data)
        assert state.index_of_text("退货单") < state.index_of_text("退款合计") < state.first("cut") < state.first("pulse")
        assert sim.core.queries.count(1) == 2  # before and after the job
        # the cover is opened: the next job is refused before anything is printed
        sim.core.set_state(cover_open=True, online=False)
        before = len(sim.core.received)
        with pytest.raises(PrinterCoverOpenError) as info:
            printer.print_document(layout.sale_receipt(samples.plain_receipt()))
        assert info.value.message == "打印机盖未合上"
        assert b"\x1b@" not in bytes(sim.core.received[before:])
    finally:
        sim.stop()
        device.close()


def test_serial_port_missing() -> None:
    with pytest.raises(PrinterNotFoundError):
        open_printer("serial:///dev/ttyNoSuchPrinter").send(b"\x1b@")
