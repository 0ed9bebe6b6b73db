"""The whole cashier flow in the real app, off screen, with a simulated network receipt printer:
scan (piece and box barcodes) → promotions on the lines → member → split payment WeChat + cash →
receipt and drawer pulse on the printer → a return with a manager's PIN → shift closed with a count."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from drivers.escpos import drawer_pulse
from drivers.sim.printer import NetworkPrinterSimulator
from drivers.sim.pty import SocatPair, socat_available
from terminal.store import open_store
from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen, dark_ratio

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture
def printer() -> Iterator[NetworkPrinterSimulator]:
    with NetworkPrinterSimulator() as sim:
        yield sim


@pytest.fixture
def scanner_ports() -> Iterator[tuple[str, str]]:
    """(device end for the app, host end the simulated scanner writes to): a real pty pair."""
    if not socat_available():
        pytest.skip("socat is not installed (apt-get install socat): no serial scanner pty pair")
    pair = SocatPair()
    try:
        yield pair.start()
    finally:
        pair.stop()


def test_sale_return_and_shift_close(terminal_dir: Path, run_scenario: ScenarioRunner,
                                     printer: NetworkPrinterSimulator, scanner_ports: tuple[str, str]) -> None:
    # given a seeded till, a network printer on 127.0.0.1 and a serial scanner on a pty
    device, host = scanner_ports
    # when a cashier rings up, returns and closes the shift through the UI
    result = run_scenario("sale_return_close", terminal_dir, env={
        "POS_PRINTER_URL": printer.url, "POS_SCANNER_PORT": device, "POS_TEST_SCANNER_HOST": host})
    facts = result["facts"]
    assert facts["serial_scans"] == 1

    # then the sale was paid in two tenders, with change from the quick-cash note
    assert facts["change_fen"] == facts["cash_given_fen"] - (facts["total_fen"] - 2000)
    assert facts["points_earned"] > 0
    assert facts["printed"] is True
    assert facts["drawer_opened"] is True
    # the refund needed a manager, and the count matched what the terminal expected
    assert "授权" in facts["approval_asked"]
    assert facts["refund_fen"] == 350
    assert facts["z_expected_fen"] == 50000 + (facts["total_fen"] - 2000) - facts["refund_fen"]
    assert facts["z_counted_fen"] == facts["z_expected_fen"]

    # the printer got the receipt (with its number) and the drawer pulse, the return slip, the Z report
    jobs = printer.wait_for_jobs(3)
    assert len(jobs) >= 3
    receipt = jobs[0]
    assert facts["receipt_no"].encode("ascii") in receipt
    assert drawer_pulse(2, 100) in receipt
    assert any(drawer_pulse(2, 100) in job for job in jobs[1:-1]), "cash refund opens the drawer"
    assert b"Z" in jobs[-1]

    # the database has the sale, the return and the shift close, each in the outbox
    store = open_store(terminal_dir)
    try:
        types = [r[0] for r in store.all("SELECT type FROM outbox ORDER BY seq")]
        sale = json.loads(store.sales.json_by_receipt(facts["receipt_no"])[1])
        tenders = sorted(p["tender"] for p in sale["payments"])
        wechat = next(p for p in sale["payments"] if p["tender"] == "wechat")
        print_status = store.scalar("SELECT print_status FROM sales")
    finally:
        store.close()
    assert types == ["shift.opened", "sale.completed", "sale.returned", "shift.closed"]
    assert tenders == ["cash", "wechat"]
    assert wechat["reference"] == "134567890123456789"
    assert sale["member_id"] == "m-1"
    assert any(line["promotion_ids"] for line in sale["lines"])
    assert any(line["unit_code"] == "box" for line in sale["lines"])
    assert Decimal(sum(line["amount_fen"] for line in sale["lines"]) + sale["rounding_fen"]) == sale["total_fen"]
    assert print_status == "printed"

    shots = {Path(s).stem: Path(s) for s in result["screenshots"]}
    for name in ("signin", "sale", "member", "payment", "done", "returns", "shift_close"):
        assert_real_screen(shots[name])
    # the title "收银员登录" is drawn as glyphs: empty boxes would leave almost no dark pixels there
    assert dark_ratio(shots["signin"], (400, 150, 624, 185)) > 0.04


def test_printer_off_keeps_the_sale_and_offers_reprint(terminal_dir: Path, run_scenario: ScenarioRunner) -> None:
    # given a printer that is switched off (nothing listens on its port)
    sim = NetworkPrinterSimulator().start()
    url = sim.url
    sim.stop()
    # when a sale is paid
    result = run_scenario("quick_sale", terminal_dir, env={"POS_PRINTER_URL": url})
    # then the sale is committed and the screen says the receipt must be reprinted
    assert result["facts"]["printed"] is False
    assert result["facts"]["print_error"]
    store = open_store(terminal_dir)
    try:
        row = store.one("SELECT print_status, print_error FROM sales")
        pending = store.scalar("SELECT count(*) FROM outbox WHERE type='sale.completed'")
    finally:
        store.close()
    assert row is not None
    assert row[0] == "failed"
    assert pending == 1


def test_kill_9_after_pay_keeps_the_sale_and_offers_reprint(terminal_dir: Path, run_scenario: ScenarioRunner,
                                                            printer: NetworkPrinterSimulator) -> None:
    # given a sale paid and the app killed (-9) before the receipt could print
    killed = run_scenario("pay_then_killed", terminal_dir, env={"POS_PRINTER_URL": printer.url},
                          expect_ok=False)
    assert killed["returncode"] == -9
    store = open_store(terminal_dir)
    try:
        sale = store.one("SELECT receipt_no, print_status FROM sales")
        events = store.scalar("SELECT count(*) FROM outbox WHERE type='sale.completed'")
    finally:
        store.close()
    # then the sale is fully there, in the outbox, and unprinted
    assert sale is not None
    assert (sale[1], events) == ("pending", 1)
    assert printer.jobs == []
    # when the app starts again, signing in offers the reprint, and it prints
    again = run_scenario("restart_offers_reprint", terminal_dir, env={"POS_PRINTER_URL": printer.url})
    assert sale[0] in again["facts"]["offer"]
    jobs = printer.wait_for_jobs(1)
    assert len(jobs) == 1
    assert sale[0].encode() in jobs[0]


def test_cart_edits_approvals_hold_cancel_member_points_card(terminal_dir: Path, run_scenario: ScenarioRunner,
                                                             printer: NetworkPrinterSimulator) -> None:
    result = run_scenario("cart_edits", terminal_dir, env={"POS_PRINTER_URL": printer.url})
    facts = result["facts"]
    assert facts["drawer_opened"] is False, "no cash taken: the drawer stays shut"
    store = open_store(terminal_dir)
    try:
        types = [r[0] for r in store.all("SELECT type FROM outbox ORDER BY seq")]
        sale = json.loads(store.sales.json(store.scalar("SELECT id FROM sales")))
        audit = {r[0]: r[1] for r in store.all("SELECT action, approved_by FROM audit_log")}
        count = store.scalar("SELECT print_count FROM sales")
    finally:
        store.close()
    assert types == ["shift.opened", "sale.cancelled", "member.created", "sale.completed"]
    assert sale["points_redeemed"] == 100
    assert [(p["tender"], p["reference"]) for p in sale["payments"]] == [("bank_card", "POS-778812")]
    assert sale["lines"][0]["qty"] == "3"
    assert sale["lines"][0]["unit_price_fen"] == 400
    assert (audit["price_override"], audit["line_discount"], audit["order_discount"]) == (2, 2, 2)
    assert count == 2, "printed, then reprinted"
    jobs = printer.wait_for_jobs(3)
    assert len(jobs) == 3, "receipt, reprint, X report"
    assert "重印".encode("gb18030") in jobs[1]
    assert facts["x_toast"]


def test_weighed_item_reads_the_serial_scale(terminal_dir: Path, run_scenario: ScenarioRunner) -> None:
    if not socat_available():
        pytest.skip("socat is not installed (apt-get install socat): no scale pty pair")
    pair = SocatPair()
    device, host = pair.start()
    try:
        result = run_scenario("weighed_item", terminal_dir,
                              env={"POS_SCALE_PORT": device, "POS_TEST_SCALE_HOST": host})
    finally:
        pair.stop()
    assert result["facts"]["qty"] == "0.512"
    assert result["facts"]["amount_fen"] == 655  # ¥12.80/kg × 0.512 kg, rounded to the fen
