"""The customer pole display, checked by a simulated VFD that interprets the bytes it receives."""

from __future__ import annotations

import time

import pytest
import serial

from drivers.display import PoleDisplay
from drivers.errors import DeviceConfigError, DisplayError, SerialPortMissingError
from drivers.sim.display import SerialDisplaySimulator, VfdScreen
from drivers.sim.pty import SocatPair


def _screen_after(display: PoleDisplay, charset: str = "gb18030") -> VfdScreen:
    screen = VfdScreen(charset=charset)
    port = display._port
    screen.feed(port.read(port.in_waiting))
    return screen


def test_item_total_change_in_chinese() -> None:
    display = PoleDisplay("loop://")
    display.show_item("可口可乐 330ml", 350)
    screen = _screen_after(display)
    assert screen.lines == ["可口可乐 330ml".ljust(16), "单价" + " " * 10 + "￥3.50"]
    assert screen.errors == []
    display.show_item("红富士苹果（特级大果）新疆阿克苏", 1608, quantity="1.256")
    screen.feed(display._port.read(display._port.in_waiting))
    assert screen.lines[0] == "红富士苹果（特级大果"  # cut at 20 columns, a wide character never split
    assert screen.lines[1].endswith("￥16.08")
    assert screen.lines[1].startswith("x1.256")
    display.show_total(3300)
    screen.feed(display._port.read(display._port.in_waiting))
    assert screen.lines == ["合计" + " " * 16, " " * 13 + "￥33.00"]
    display.show_change(5000, 2000)
    screen.feed(display._port.read(display._port.in_waiting))
    assert screen.lines == ["实收" + " " * 9 + "￥50.00", "找零" + " " * 9 + "￥20.00"]
    display.welcome()
    screen.feed(display._port.read(display._port.in_waiting))
    assert [line.rstrip() for line in screen.lines] == ["欢迎光临", ""]
    display.clear()
    screen.feed(display._port.read(display._port.in_waiting))
    assert screen.lines == [" " * 20, " " * 20]
    assert screen.errors == []


def test_ascii_fallback() -> None:
    display = PoleDisplay("loop://", charset="ascii")
    display.show_item("可口可乐 Coke 330ml", 350)
    screen = _screen_after(display, "ascii")
    assert screen.lines == ["Coke 330ml          ", "PRICE           3.50"]
    display.show_item("红富士苹果", 1608, ascii_name="APPLE FUJI")
    screen.feed(display._port.read(display._port.in_waiting))
    assert screen.lines[0].strip() == "APPLE FUJI"
    display.show_item("苹果", 100)
    screen.feed(display._port.read(display._port.in_waiting))
    assert screen.lines[0].strip() == "ITEM"
    display.show_change(10000, 12345678)
    raw = display._port.read(display._port.in_waiting)
    assert raw.isascii()
    screen.feed(raw)
    assert screen.lines == ["PAID          100.00", "CHANGE     123456.78"]
    assert screen.errors == []


def test_money_never_cut_when_the_label_is_long() -> None:
    display = PoleDisplay("loop://")
    display.show_lines("", "")
    display._port.read(display._port.in_waiting)
    display.show_change(999999999, 999999999)
    screen = _screen_after(display)
    assert screen.lines[0].endswith("￥9999999.99")
    assert screen.errors == []


def test_bad_settings_and_missing_port() -> None:
    with pytest.raises(DeviceConfigError):
        PoleDisplay("loop://", charset="big5")  # type: ignore[arg-type]
    with pytest.raises(SerialPortMissingError):
        PoleDisplay("/dev/ttyNoSuchDisplay")


def test_real_pty_pair(socat: SocatPair) -> None:
    device = serial.Serial(str(socat.a), 9600, timeout=0.05)
    sim = SerialDisplaySimulator(device).start()
    display = PoleDisplay(str(socat.b), baud=9600)
    try:
        display.show_item("农夫山泉 550ml", 200)
        display.show_total(400)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and sim.screen.lines[1].strip() != "￥4.00":
            time.sleep(0.02)
        assert sim.screen.lines == ["合计" + " " * 16, " " * 14 + "￥4.00"]
        assert sim.screen.errors == []
        # the display is unplugged: a typed error, not a crash
        socat.stop()
        with pytest.raises(DisplayError):
            display.show_total(400)
    finally:
        sim.stop()
        device.close()
