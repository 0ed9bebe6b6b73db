"""`pos-terminal printer-test` against the network printer simulator."""

from __future__ import annotations

import pytest

from drivers.sim.printer import NetworkPrinterSimulator
from drivers.textwidth import text_width
from terminal.cli import main

from .escpos_reader import read_escpos


def test_prints_demo_receipt_and_pulses_drawer(capsys: pytest.CaptureFixture[str]) -> None:
    with NetworkPrinterSimulator() as sim:
        # when the installer runs the printer test for a 58 mm printer
        code = main(["printer-test", "--printer", sim.url, "--width", "58"])
        jobs = sim.wait_for_jobs(1)
    # then it reports success and the printer got a Chinese receipt, QR, cut, then the drawer pulse
    assert code == 0
    assert "已打印测试小票" in capsys.readouterr().out
    state = read_escpos(jobs[0])
    shop = state.index_of_text("鲜丰便利店")
    total = state.index_of_text("应付")
    qr = state.first("qr")
    cut = state.first("cut")
    pulse = state.first("pulse")
    assert shop < total < qr < cut < pulse
    assert str(state.ops[total].value).endswith("￥33.00")
    assert state.ops[qr].value == "TEST-0001"
    assert state.ops[pulse].value == {"pin": 2, "on_ms": 100, "off_ms": 200}
    assert all(text_width(t) <= 32 for t in state.texts())


def test_no_drawer_and_preview(capsys: pytest.CaptureFixture[str]) -> None:
    with NetworkPrinterSimulator() as sim:
        code = main(["printer-test", "--printer", sim.url + "?drawer_pin=5", "--no-drawer", "--preview"])
        jobs = sim.wait_for_jobs(1)
    assert code == 0
    out = capsys.readouterr().out
    assert "鲜  丰  便  利  店" in out  # the preview shows double-size text spread out
    assert "pulse" not in read_escpos(jobs[0]).kinds()


def test_paper_out_is_reported_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with NetworkPrinterSimulator() as sim:
        sim.set_state(paper_out=True, online=False)
        code = main(["printer-test", "--printer", sim.url])
    assert code == 1
    err = capsys.readouterr().err
    assert "打印机缺纸" in err
    assert "out of paper" in err


def test_bad_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["printer-test", "--printer", "lpt://1"]) == 2
    assert "打印机地址有误" in capsys.readouterr().err
