"""Printer settings URLs, and the file and USB transports."""

from __future__ import annotations

import os
import pty
import select
import threading
import tty
from pathlib import Path

import pytest

from drivers import layout
from drivers.errors import DeviceConfigError, PrinterNotFoundError
from drivers.printer import open_printer
from drivers.printer_url import parse_printer_url

from . import samples
from .escpos_reader import read_escpos


def test_each_transport_parses() -> None:
    usb = parse_printer_url("usb://0x0416:0x5011?width=58&drawer_pin=5")
    assert (usb.transport, usb.usb_vendor, usb.usb_product) == ("usb", 0x0416, 0x5011)
    assert usb.profile.columns == 32
    assert usb.profile.drawer_pin == 5
    tcp = parse_printer_url("tcp://192.168.1.50:9100")
    assert (tcp.transport, tcp.target, tcp.port, tcp.status) == ("tcp", "192.168.1.50", 9100, "auto")
    assert parse_printer_url("tcp://printer.local").port == 9100
    serial = parse_printer_url("serial:///dev/ttyUSB0?baud=19200&chinese=0")
    assert (serial.target, serial.baud, serial.profile.chinese_mode) == ("/dev/ttyUSB0", 19200, False)
    file = parse_printer_url("file:///dev/usb/lp0?cut=full&qr=image")
    assert (file.target, file.status, file.profile.cut, file.profile.qr_native) == ("/dev/usb/lp0", "off", "full", False)
    assert parse_printer_url("tcp://h:9100").profile.chinese_mode is True  # default on
    assert parse_printer_url("tcp://h:9100").profile.code128 is False
    assert parse_printer_url("tcp://h:9100?barcode=1").profile.code128 is True


@pytest.mark.parametrize(
    "url",
    [
        "lpt://1",
        "tcp://:9100",
        "tcp://host:99999",
        "tcp://host:abc",
        "usb://0x0416",
        "usb://zz:0x5011",
        "serial://dev/ttyUSB0",
        "serial:///dev/ttyUSB0?baud=12345",
        "tcp://host?width=57",
        "tcp://host?drawer_pin=3",
        "tcp://host?widht=58",
        "tcp://host?status=maybe",
        "tcp://host?timeout=0",
        "tcp://host?cut=half",
        "tcp://host?chinese=yes",
        "tcp://host?barcode=maybe",
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str) -> None:
    with pytest.raises(DeviceConfigError) as info:
        parse_printer_url(url)
    assert info.value.message.startswith("打印机地址有误")


def test_file_transport_writes_the_receipt(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    open_printer(f"file://{target}?width=58").print_document(layout.sale_receipt(samples.plain_receipt()))
    state = read_escpos(target.read_bytes())
    assert state.kinds()[0] == "init"
    assert state.first("qr") < state.first("cut")
    assert open_printer(f"file://{target}").status() is None


def test_file_printer_keeps_every_job(tmp_path: Path) -> None:
    # the demo's data/receipts.bin: python-escpos File opens "wb", so each job wiped the one before
    target = tmp_path / "receipts.bin"
    printer = open_printer(f"file://{target}?width=58")
    printer.print_document(layout.sale_receipt(samples.sale_receipt()), open_drawer=True)
    printer.print_document(layout.return_slip(samples.return_slip()), open_drawer=True)
    open_printer(f"file://{target}").print_document(layout.shift_report(samples.shift_report()))
    state = read_escpos(target.read_bytes())
    assert state.kinds().count("init") == 3
    assert state.kinds().count("cut") == 3
    assert [op.value for op in state.ops if op.kind == "qr"] == ["S0202-20261123-0042"]
    sale = state.index_of_text("S0202-20261123-0042")
    slip = state.index_of_text("R0202-20261123-0003")
    report = state.index_of_text("SH-0202-20261123-1")
    assert sale < state.first("cut") < slip < report


def test_file_printer_on_a_character_device() -> None:
    # /dev/usb/lp0 is a character device: a pty's slave end stands in for it (raw, so bytes pass as sent)
    master, slave = pty.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    received = bytearray()
    done = threading.Event()

    def drain() -> None:
        while not done.is_set() or select.select([master], [], [], 0.2)[0]:
            if select.select([master], [], [], 0.05)[0]:
                received.extend(os.read(master, 65536))

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        printer = open_printer(f"file://{path}?width=58")
        printer.print_document(layout.sale_receipt(samples.plain_receipt()), open_drawer=True)
        printer.print_document(layout.return_slip(samples.return_slip()))
    finally:
        done.set()
        reader.join(5)
        os.close(slave)
        os.close(master)
    state = read_escpos(bytes(received))
    assert state.kinds().count("cut") == 2
    assert state.index_of_text("S0101-20261123-0001") < state.first("pulse") < state.index_of_text("R0202-")


def test_missing_device_node_is_not_created() -> None:
    # a USB printer unplugged: its /dev node is gone; writing must fail, not create a file in its place
    path = Path(f"/dev/pos-test-lp-{os.getpid()}")
    assert not path.exists()
    try:
        with pytest.raises(PrinterNotFoundError):
            open_printer(f"file://{path}").print_document(layout.sale_receipt(samples.plain_receipt()))
        assert not path.exists()
    finally:
        if path.is_file():
            path.unlink()


def test_missing_device_file(tmp_path: Path) -> None:
    with pytest.raises(PrinterNotFoundError):
        open_printer(f"file://{tmp_path}/no/such/dir/lp0").print_document(layout.sale_receipt(samples.plain_receipt()))


def test_usb_printer_not_plugged_in() -> None:
    # no printer with this id exists on a CI machine (and libusb may be absent): a typed error either way
    with pytest.raises(PrinterNotFoundError) as info:
        open_printer("usb://0xfffe:0xfffd?timeout=1").send(b"\x1b@")
    assert "usb://0xfffe:0xfffd" in str(info.value)
