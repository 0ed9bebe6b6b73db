"""The real printer driver against the network printer simulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers import layout
from drivers.errors import (
    PrinterCoverOpenError,
    PrinterFaultError,
    PrinterNotFoundError,
    PrinterOfflineError,
    PrinterPaperOutError,
    PrinterWriteError,
)
from drivers.printer import EscposPrinter, PrinterCashDrawer, open_printer
from drivers.sim.printer import NetworkPrinterSimulator

from . import samples
from .escpos_reader import read_escpos


@pytest.fixture
def sim() -> Iterator[NetworkPrinterSimulator]:
    with NetworkPrinterSimulator() as printer:
        yield printer


def test_receipt_reaches_the_network_printer_in_order(sim: NetworkPrinterSimulator) -> None:
    # given a 58 mm printer on the network
    printer = open_printer(sim.url + "?width=58")
    # when a sale receipt is printed and the drawer kicked in the same job
    printer.print_document(layout.sale_receipt(samples.sale_receipt()), open_drawer=True)
    # then the printer got one job: status checks, the receipt, the cut, the pulse, a final check
    jobs = sim.wait_for_jobs(1)
    assert len(jobs) == 1
    state = read_escpos(jobs[0])
    kinds = state.kinds()
    assert kinds[:4] == ["status_query"] * 4
    assert kinds[4] == "init"
    assert state.index_of_text("鲜丰便利店") < state.index_of_text("应付") < state.first("qr") < state.first("cut")
    assert state.first("cut") < state.first("pulse")
    assert kinds[-4:] == ["status_query"] * 4
    assert all(len(t) <= 32 for t in state.texts())


def test_status_off_sends_only_the_receipt(sim: NetworkPrinterSimulator) -> None:
    open_printer(sim.url + "?status=off").print_document(layout.sale_receipt(samples.plain_receipt()))
    state = read_escpos(sim.wait_for_jobs(1)[0])
    assert "status_query" not in state.kinds()
    assert state.kinds()[0] == "init"


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ({"paper_out": True, "online": False}, PrinterPaperOutError),
        ({"cover_open": True, "online": False}, PrinterCoverOpenError),
        ({"online": False}, PrinterOfflineError),
        ({"cutter_error": True, "online": False}, PrinterFaultError),
    ],
)
def test_unusable_printer_is_reported_before_printing(
    sim: NetworkPrinterSimulator, state: dict[str, bool], error: type[Exception]
) -> None:
    sim.set_state(**state)
    with pytest.raises(error) as info:
        open_printer(sim.url).print_document(layout.sale_receipt(samples.plain_receipt()))
    assert info.value.message  # type: ignore[attr-defined]
    assert info.value.message_en  # type: ignore[attr-defined]
    jobs = sim.wait_for_jobs(1)
    assert read_escpos(jobs[0]).kinds() == ["status_query"] * 4  # nothing printed


def test_paper_near_end_still_prints(sim: NetworkPrinterSimulator) -> None:
    sim.set_state(paper_near_end=True)
    printer = open_printer(sim.url)
    printer.print_document(layout.sale_receipt(samples.plain_receipt()))
    status = printer.status()
    assert status is not None
    assert status.paper_near_end
    assert not status.paper_out


def test_printer_switched_off(sim: NetworkPrinterSimulator) -> None:
    url = sim.url
    sim.stop()
    with pytest.raises(PrinterNotFoundError) as info:
        open_printer(url + "?timeout=1").print_document(layout.sale_receipt(samples.plain_receipt()))
    assert "找不到打印机" in info.value.message


def test_printer_that_never_answers_status(sim: NetworkPrinterSimulator) -> None:
    sim.core.answer_status = False
    # auto: prints anyway (many cheap printers do not answer)
    printer = open_printer(sim.url + "?timeout=0.3")
    assert printer.status() is None
    printer.print_document(layout.sale_receipt(samples.plain_receipt()))
    kinds = read_escpos(sim.wait_for_jobs(2)[-1]).kinds()
    assert kinds[0] == "init"  # it stopped asking after the first silence
    assert "status_query" not in kinds
    # on: a printer that must answer and does not is treated as offline
    with pytest.raises(PrinterOfflineError):
        open_printer(sim.url + "?status=on&timeout=0.3").print_document(layout.sale_receipt(samples.plain_receipt()))


def test_connection_dropped_mid_receipt(sim: NetworkPrinterSimulator) -> None:
    sim.drop_after = 40
    big = b"\x1b@" + ("鲜丰便利店" * 4000).encode("gb18030")
    with pytest.raises(PrinterWriteError) as info:
        open_printer(sim.url).send(big)
    assert "重印" in info.value.message


def test_cash_drawer_pulse_and_sensor(sim: NetworkPrinterSimulator) -> None:
    drawer = PrinterCashDrawer(EscposPrinter(sim.url + "?drawer_pin=5"))
    drawer.open()
    state = read_escpos(sim.wait_for_jobs(1)[0])
    assert [op.value for op in state.ops if op.kind == "pulse"] == [{"pin": 5, "on_ms": 100, "off_ms": 200}]
    assert drawer.is_open() is False
    sim.set_state(drawer_pin3_high=True)
    assert drawer.is_open() is True
    assert PrinterCashDrawer(EscposPrinter(sim.url + "?drawer_open=low")).is_open() is False
    assert PrinterCashDrawer(EscposPrinter(sim.url + "?status=off")).is_open() is None


def test_simulator_console_view() -> None:
    from drivers.escpos import PrinterProfile, render_escpos
    from drivers.sim.printer import visible_text

    raw = render_escpos(layout.sale_receipt(samples.sale_receipt()), PrinterProfile(width_mm=58))
    text = visible_text(raw)
    assert "鲜丰便利店" in text
    assert text.count("[QR]") == 1
    assert "\x1b" not in text


def test_drawer_opens_even_when_the_printer_cannot_print(sim: NetworkPrinterSimulator) -> None:
    # given a printer out of paper: receipts are refused ...
    sim.set_state(paper_out=True, online=False)
    printer = open_printer(sim.url + "?drawer_pin=5")
    with pytest.raises(PrinterPaperOutError):
        printer.print_document(layout.sale_receipt(samples.plain_receipt()), open_drawer=True)
    # ... but the cashier can still open the drawer to give change: a real-time pulse
    PrinterCashDrawer(printer).open()
    state = read_escpos(sim.wait_for_jobs(2)[-1])
    assert state.kinds()[-1] == "realtime_pulse"
    assert state.ops[-1].value == {"pin": 5, "on_ms": 100}


def test_simulator_runs_from_the_command_line(tmp_path: Path) -> None:
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "drivers.sim.printer", "--port", str(port), "--out", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, encoding="utf-8",
    )
    try:
        assert proc.stdout is not None
        assert "listening" in proc.stdout.readline()
        open_printer(f"tcp://127.0.0.1:{port}?width=58").print_document(layout.sale_receipt(samples.plain_receipt()))
        assert proc.stdout.readline().startswith("job 1:")
        assert proc.stdout.readline().startswith("Corner Shop")  # the shop name, wrapped on 58 mm
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert read_escpos((tmp_path / "job-0001.bin").read_bytes()).first("cut") > 0


def test_problem_seen_after_the_job_asks_for_a_reprint(sim: NetworkPrinterSimulator) -> None:
    # given a printer whose paper runs out while the receipt is printing
    original = sim.core.feed

    def feed(data: bytes) -> bytes:
        if b"\x1b@" in data:
            sim.core.state = sim.core.state.__class__(paper_out=True, online=False)
        return original(data)

    sim.core.feed = feed  # type: ignore[method-assign]
    # when it prints, then the error says the receipt may be incomplete
    with pytest.raises(PrinterPaperOutError) as info:
        open_printer(sim.url).print_document(layout.sale_receipt(samples.plain_receipt()))
    assert "请重印" in info.value.message
    assert "reprint" in info.value.message_en
    assert read_escpos(sim.wait_for_jobs(1)[0]).first("cut") > 0  # the bytes did go out
