"""Printing: real ESC/POS bytes to the in-memory simulated printer; a printer fault never loses a sale."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from drivers.errors import PrinterPaperOutError
from drivers.escpos import PrinterProfile
from drivers.sim.printer import MemoryPrinter
from sync.events import Tender
from sync.master import Entity
from terminal.checkout import Checkout
from terminal.printing import (
    print_return,
    print_sale,
    print_shift_report,
    receipt_data,
    shift_label,
    unprinted_sales,
)
from terminal.returns import return_sale
from terminal.session import Action, Session
from terminal.shift import close_shift, open_shift, shift_report
from terminal.store import Store
from terminal.store.seed import put_master
from tests.drivers.escpos_reader import read_escpos
from tests.terminal.helpers import CHIPS, COLA, MANAGER_PIN, RICE, add_member, add_promotion

DRAWER_PULSE = b"\x1bp"


def _text(raw: bytes) -> str:
    return raw.decode("gb18030", errors="replace")


def test_receipt_prints_lines_promotions_points_and_opens_drawer(till: Checkout, store: Store) -> None:
    add_promotion(store, 7, "threshold", name="满50减5", threshold_fen=5000, amount_off_fen=500)
    add_member(store, "m-1", "88880001", points=1000)
    till.scan(RICE)
    till.scan(COLA)
    till.set_member("88880001")
    till.redeem_points(300)
    till.add_payment(Tender.CASH, tendered_fen=10_000)
    sale = till.complete()
    printer = MemoryPrinter()
    result = print_sale(store, printer, sale.sale_id)
    assert result.ok
    assert not result.reprint
    assert result.drawer_opened  # first print, cash taken: the drawer opens with the receipt
    (job,) = printer.sent
    text = _text(job)
    for expected in ("五常大米", "可口可乐", "满50减5", sale.receipt_no, "积分抵扣", "现金", "谢谢惠顾"):
        assert expected in text
    assert DRAWER_PULSE in job
    data = receipt_data(store, sale.sale_id)
    assert data.total_fen == sale.payload.total_fen + 300
    assert sum(p.amount_fen for p in data.payments) == data.total_fen
    # a second print is a reprint, marked, without opening the drawer
    again = print_sale(store, printer, sale.sale_id)
    assert again.reprint
    assert not again.drawer_opened
    assert "重印" in _text(printer.sent[1])
    assert DRAWER_PULSE not in printer.sent[1]


def test_printer_failure_keeps_the_sale_for_reprint(till: Checkout, store: Store) -> None:
    till.scan(CHIPS)
    till.add_payment(Tender.WECHAT, reference="WX-42")
    sale = till.complete()
    broken = MemoryPrinter(fail_with=PrinterPaperOutError("no paper"))
    result = print_sale(store, broken, sale.sale_id)
    assert not result.ok
    assert result.error is not None
    assert "纸" in result.error
    assert store.scalar("SELECT count(*) FROM sales") == 1
    assert [s[1] for s in unprinted_sales(store)] == [sale.receipt_no]
    fixed = MemoryPrinter()
    assert print_sale(store, fixed, sale.sale_id).ok
    assert unprinted_sales(store) == []
    assert "WX-42" in _text(fixed.sent[0])


def test_return_slip_and_shift_reports_print(till: Checkout, store: Store, session: Session) -> None:
    till.scan(RICE)
    till.scan(CHIPS)
    till.add_payment(Tender.CASH, tendered_fen=7000)
    sale = till.complete()
    ok = session.approve(Action.REFUND, "9001", MANAGER_PIN)
    ret = return_sale(store, session, sale.receipt_no, {2: 1}, approval=ok, reason="破损")
    printer = MemoryPrinter()
    assert print_return(store, printer, ret.return_id).ok
    slip = _text(printer.sent[0])
    assert "乐事薯片" in slip
    assert sale.receipt_no in slip
    assert DRAWER_PULSE in printer.sent[0]
    x = shift_report(store, sale.payload.shift_id, "X")
    assert print_shift_report(store, printer, x).ok
    z = close_shift(store, session, {10000: 2, 5000: 1, 1000: 1, 100: 4})  # 264.00
    assert z.expected_cash_fen == 20_000 + 6840 - 850
    assert print_shift_report(store, printer, z).ok
    ztext = _text(printer.sent[2])
    assert "Z" in ztext
    # the shift is named by the till, the store's date and its number that day, not an internal id
    day = sale.payload.sold_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert f"{store.get_setting('terminal_code')} {day} 第1班" in ztext
    assert sale.payload.shift_id[-12:] not in ztext


def test_the_second_shift_of_a_day_is_numbered_two(till: Checkout, store: Store, session: Session) -> None:
    first = store.shifts.current()
    assert first is not None
    close_shift(store, session, {})
    second = open_shift(store, session, 0)
    assert shift_label(store, first).endswith("第1班")
    assert shift_label(store, second).endswith("第2班")
    assert shift_label(store, second, "en").endswith("shift 2")


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize(("header", "expected"), [
    # central's demo stores: the header setting starts with the store's name, then a greeting
    ("邻里鲜·张江店\n欢迎光临，谢谢惠顾", ["邻里鲜·张江店", "欢迎光临，谢谢惠顾"]),
    # no header set: the store's name alone, once
    ("", ["邻里鲜·张江店"]),
    # a brand header: the store's name under it
    ("邻里鲜\n欢迎光临，谢谢惠顾", ["邻里鲜", "邻里鲜·张江店", "欢迎光临，谢谢惠顾"]),
])
def test_receipt_header_prints_line_by_line_with_the_store_name_once(
        till: Checkout, store: Store, width_mm: int, header: str, expected: list[str]) -> None:
    put_master(store, Entity.STORE, 1, {
        "id": 1, "code": "S01", "name": "邻里鲜·张江店", "rounding_mode": "none", "receipt_header": header,
        "receipt_footer": "谢谢惠顾", "address": "上海市浦东新区张江路 1 号", "phone": "021-50001234",
    }, version=2)
    till.scan(COLA)
    till.add_payment(Tender.WECHAT, reference="WX-1")
    sale = till.complete()
    printer = MemoryPrinter(profile=PrinterProfile(width_mm=width_mm))  # type: ignore[arg-type]
    assert print_sale(store, printer, sale.sale_id).ok
    texts = read_escpos(printer.sent[0]).texts()
    rule = next(i for i, text in enumerate(texts) if set(text) == {"-"})
    assert texts[:rule] == [*expected, "上海市浦东新区张江路 1 号", "电话：021-50001234"]
