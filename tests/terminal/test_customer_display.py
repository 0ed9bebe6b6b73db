"""The customer pole display: what each moment shows (decoded from the bytes the display gets),
the wiring through the till's area adapters (no Kivy), and that a dead display never stops a sale."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import serial

from drivers.display import PoleDisplay
from drivers.errors import DisplayError
from drivers.sim.display import SerialDisplaySimulator, VfdScreen
from drivers.sim.pty import SocatPair, socat_available
from terminal.customer_display import (
    BadDisplayUrl,
    CustomerDisplay,
    DisplayConfig,
    Screens,
    parse_display_url,
)


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _strip(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines]


@pytest.fixture
def loop_display() -> Iterator[tuple[CustomerDisplay, VfdScreen]]:
    """A feed writing to a PoleDisplay on a pyserial loop port, read back by the VFD simulator."""
    port = serial.serial_for_url("loop://", timeout=0.05)
    screen = VfdScreen()
    sim = SerialDisplaySimulator(port, screen).start()
    feed = CustomerDisplay(DisplayConfig(port="loop://"), store_name="示范超市",
                           opener=lambda cfg: PoleDisplay(port, charset=cfg.charset, columns=cfg.columns))
    try:
        yield feed, screen
    finally:
        feed.close()
        sim.stop()


def test_display_url_forms() -> None:
    assert parse_display_url("/dev/ttyUSB0") == DisplayConfig(port="/dev/ttyUSB0")
    assert parse_display_url("serial:///dev/ttyS1?baud=19200&charset=ascii&columns=16") == DisplayConfig(
        port="/dev/ttyS1", baud=19200, charset="ascii", columns=16)
    assert parse_display_url("socket://192.168.1.60:4001").port == "socket://192.168.1.60:4001"
    for bad in ("", "ttyUSB0", "/dev/x?speed=9600", "serial:///dev/x?charset=utf8", "/dev/x?columns=99",
                "serial:///dev/x?baud=fast"):
        with pytest.raises(BadDisplayUrl):
            parse_display_url(bad)


def test_screens_in_chinese_english_and_ascii() -> None:
    zh = Screens(store_name="示范超市 人民路店")
    assert zh.welcome() == ("欢迎光临", "示范超市 人民路店")
    top, bottom = zh.item("可口可乐 330ml 超长的名字会被截断", "2", 700, 1590)
    assert top.endswith("￥7.00")
    assert top.startswith("2x可口可乐")
    assert bottom.startswith("合计")
    assert bottom.endswith("￥15.90")
    en = Screens(lang="en")
    assert en.payment(9460, 2000, 7460, 0) == (en.columns_of("PAID", "￥20.00"), en.columns_of("DUE", "￥74.60"))
    assert en.payment(9460, 10000, 0, 540)[1].endswith("￥5.40")
    ascii_ = Screens(charset="ascii", store_name="示范超市")
    assert ascii_.welcome() == ("WELCOME", "")
    assert ascii_.item("可口可乐 Coke 330ml", "1", 350, 350)[0].startswith("Coke 330ml")
    assert ascii_.item("可口可乐", "1", 350, 350)[0].startswith("ITEM")
    assert ascii_.total(350)[0].endswith("3.50")
    assert "￥" not in ascii_.total(350)[0]


def test_feed_shows_each_moment_on_the_vfd(loop_display: tuple[CustomerDisplay, VfdScreen]) -> None:
    feed, screen = loop_display
    feed.welcome()
    assert feed.wait_idle()
    _wait(lambda: screen.lines[0].startswith("欢迎光临"), "welcome on the display")
    assert _strip(screen.lines) == ["欢迎光临", "示范超市"]
    feed.item("农夫山泉 550ml", "1", 200, 900)
    assert feed.wait_idle()
    _wait(lambda: "农夫山泉" in screen.lines[0], "item on the display")
    assert _strip(screen.lines) == ["农夫山泉 550m ￥2.00", "合计 ￥9.00"]  # the name gives way to the money
    feed.payment(900, 500, 400, 0)
    assert feed.wait_idle()
    _wait(lambda: "还需支付" in screen.lines[1], "still due")
    assert _strip(screen.lines) == ["实收 ￥5.00", "还需支付 ￥4.00"]
    feed.payment(900, 1000, 0, 100)
    assert feed.wait_idle()
    _wait(lambda: "找零" in screen.lines[1], "change")
    assert _strip(screen.lines) == ["实收 ￥10.00", "找零 ￥1.00"]
    assert screen.errors == []
    assert all(len(line.encode("gb18030")) <= 20 for line in screen.lines)


class _FlakyDisplay:
    """Fails to open while `down` is set; records what it showed once it is up."""

    def __init__(self) -> None:
        self.down = True
        self.opened = 0
        self.shown: list[tuple[str, str]] = []

    def open(self, _config: DisplayConfig) -> Any:
        if self.down:
            raise DisplayError("/dev/ttyUSB9", message="顾客显示屏连接中断", message_en="Customer display disconnected")
        self.opened += 1
        return self

    def show_lines(self, top: str, bottom: str) -> None:
        self.shown.append((top, bottom))

    def close(self) -> None:
        pass


def test_a_dead_display_never_blocks_and_comes_back() -> None:
    flaky = _FlakyDisplay()
    feed = CustomerDisplay(DisplayConfig(port="/dev/ttyUSB9"), opener=flaky.open, retry_after_s=0.2)
    try:
        started = time.monotonic()
        for n in range(50):  # calls return at once while the display is down
            feed.item(f"商品{n}", "1", 100, 100 * (n + 1))
        assert time.monotonic() - started < 1.0
        assert feed.wait_idle() is False
        assert "顾客显示屏" in feed.last_error
        # plugged back in: the newest screen is shown at the next update after the retry delay
        flaky.down = False
        time.sleep(0.25)
        feed.total(5000)
        assert feed.wait_idle()
        assert feed.last_error == ""
        assert flaky.shown[-1][0].startswith("合计")
        assert flaky.shown[-1][0].endswith("￥50.00")
        assert len(flaky.shown) <= 2, "overtaken screens are skipped, not replayed"
    finally:
        feed.close()


# ---------------------------------------------------------------------- through the till's areas (no Kivy)

@pytest.fixture
def display_pty() -> Iterator[tuple[str, VfdScreen]]:
    if not socat_available():
        pytest.skip("socat is not installed (apt-get install socat): no display pty pair")
    pair = SocatPair()
    device, host = pair.start()
    port = serial.Serial(host, timeout=0.05)
    screen = VfdScreen()
    sim = SerialDisplaySimulator(port, screen).start()
    try:
        yield device, screen
    finally:
        sim.stop()
        port.close()
        pair.stop()


def _till(tmp_path: Path, display_url: str) -> Any:
    from terminal.ui.adapters.till import Till
    from tests.ui.terminal_data import make_terminal_data

    return Till(make_terminal_data(tmp_path / "till"), display_url=display_url)


def test_the_till_drives_the_display_through_a_sale(tmp_path: Path, display_pty: tuple[str, VfdScreen],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui import terminal_data as td

    monkeypatch.delenv("POS_DISPLAY_URL", raising=False)
    device, screen = display_pty
    till = _till(tmp_path, device)
    try:
        assert till.customer_screen.display is not None
        _wait(lambda: screen.lines[0].startswith("欢迎光临"), "welcome when the till starts")
        till.signin.sign_in(*td.CASHIER)
        till.shift.open_shift(50_000)
        till.sale.scan(td.WATER)
        cart = till.sale.scan(td.COLA_PC)
        _wait(lambda: "可口可乐" in screen.lines[0], "the scanned item")
        assert _strip(screen.lines) == ["可口可乐 330m ￥3.50", f"合计 {_yuan(cart.total_fen)}"]
        state = till.payment.start_payment()
        _wait(lambda: "请付款" in screen.lines[1], "the total at payment")
        assert _strip(screen.lines)[0] == f"合计 {_yuan(state.due_fen)}"
        till.payment.add_payment("cash", 1000, "")
        done = till.payment.complete_sale()
        _wait(lambda: "找零" in screen.lines[1], "paid and change")
        assert _strip(screen.lines) == ["实收 ￥10.00", f"找零 {_yuan(done.change_fen)}"]
        till.sale.cart()  # the next customer: empty cart
        _wait(lambda: screen.lines[0].startswith("欢迎光临"), "welcome between customers")
        assert screen.errors == []
    finally:
        till.close()


def test_display_follows_the_store_receipt_language(tmp_path: Path, display_pty: tuple[str, VfdScreen],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from terminal.store import open_store
    from tests.ui import terminal_data as td

    monkeypatch.delenv("POS_DISPLAY_URL", raising=False)
    device, screen = display_pty
    data = td.make_terminal_data(tmp_path / "till")
    store = open_store(data)
    with store.transaction():
        row = json.loads(store.scalar("SELECT data FROM master WHERE entity='store'"))
        row["receipt_language"] = "en"
        store.execute("UPDATE master SET data=? WHERE entity='store'", (json.dumps(row, ensure_ascii=False),))
    store.close()
    from terminal.ui.adapters.till import Till

    till = Till(data, display_url=device)
    try:
        _wait(lambda: screen.lines[0].startswith("WELCOME"), "English welcome")
        till.signin.sign_in(*td.CASHIER)
        till.shift.open_shift(50_000)
        till.sale.scan(td.NOODLES)
        _wait(lambda: "TOTAL" in screen.lines[1], "English total")
    finally:
        till.close()


def test_sale_completes_with_a_display_that_is_not_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui import terminal_data as td

    monkeypatch.setenv("POS_DISPLAY_URL", str(tmp_path / "no-such-tty"))
    from terminal.ui.adapters.till import Till

    till = Till(td.make_terminal_data(tmp_path / "till"))
    try:
        assert till.customer_screen.display is not None
        till.signin.sign_in(*td.CASHIER)
        till.shift.open_shift(50_000)
        till.sale.scan(td.NOODLES)
        till.payment.start_payment()
        till.payment.add_payment("cash", None, "")
        done = till.payment.complete_sale()
        assert done.receipt_no
        assert till.store.scalar("SELECT count(*) FROM sales") == 1
        till.customer_screen.display.wait_idle(timeout=2)
        assert till.customer_screen.display.last_error
    finally:
        till.close()


def _yuan(fen: int) -> str:
    from drivers.money import format_fen

    return format_fen(fen)
