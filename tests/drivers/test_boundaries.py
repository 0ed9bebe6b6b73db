"""drivers/ stands alone: it imports nothing of ours, and every simulator fits its device's Protocol."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import serial

from drivers.camera import CameraScanner, ImageFileCamera
from drivers.display import CustomerDisplay, PoleDisplay
from drivers.errors import ScaleTimeoutError
from drivers.printer import CashDrawer, EscposPrinter, PrinterCashDrawer, ReceiptPrinter
from drivers.scale import Scale, SerialScale
from drivers.scan import Scanner
from drivers.serial_scanner import SerialScanner
from drivers.sim.printer import MemoryPrinter

from .barcode_images import qr

DRIVERS = Path(__file__).resolve().parents[2] / "drivers"
OURS = ("sync", "terminal", "central", "bench", "tests")


def test_drivers_import_nothing_of_ours() -> None:
    offenders = []
    for path in DRIVERS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in OURS or n.startswith("kivy")]
    assert offenders == []


def test_adapters_and_simulators_fit_the_protocols(tmp_path: Path) -> None:
    qr("X").save(tmp_path / "a.png")
    port = serial.serial_for_url("loop://", timeout=0.01)
    memory = MemoryPrinter()
    printers: list[ReceiptPrinter] = [EscposPrinter("tcp://127.0.0.1:9"), memory]
    drawers: list[CashDrawer] = [PrinterCashDrawer(EscposPrinter("tcp://127.0.0.1:9")), memory]
    scanners: list[Scanner] = [SerialScanner("loop://"), CameraScanner(ImageFileCamera(tmp_path))]
    displays: list[CustomerDisplay] = [PoleDisplay(port)]
    scales: list[Scale] = [SerialScale(port)]
    # the assignments above are checked by mypy; here each one answers through its Protocol
    assert [p.profile.columns for p in printers] == [48, 48]
    drawers[1].open()
    assert memory.drawer_opens == 1
    assert drawers[1].is_open() is None  # the memory printer has no sensor state set
    assert scanners[0].read(timeout=0.05) is None
    result = scanners[1].read(timeout=1)
    assert result is not None
    assert result.code == "X"
    displays[0].show_total(100)
    assert port.read(port.in_waiting).endswith("￥1.00".encode("gb18030"))
    with pytest.raises(ScaleTimeoutError):  # nothing sends frames on this loop
        scales[0].read_weight(timeout=0.2)


def test_memory_printer_records_and_fails_on_demand() -> None:
    from drivers import layout
    from drivers.errors import PrinterPaperOutError
    from drivers.status import PrinterStatus

    from . import samples

    printer = MemoryPrinter()
    printer.print_document(layout.sale_receipt(samples.plain_receipt()), open_drawer=True)
    printer.open()
    assert len(printer.sent) == 2
    assert printer.drawer_opens == 1
    printer.state = PrinterStatus(paper_out=True, online=False)
    with pytest.raises(PrinterPaperOutError):
        printer.print_document(layout.sale_receipt(samples.plain_receipt()))
    assert len(printer.sent) == 2
