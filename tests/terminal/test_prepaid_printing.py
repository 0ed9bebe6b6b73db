"""The new tenders on paper: real ESC/POS bytes from the simulated printer, decoded (GB18030) with
the test reader; and the shift's X/Z figures counting top-ups, voucher sales and their cash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.payments import flow
from drivers.payments.settings import open_provider
from drivers.payments.wechat import WeChatPayV2
from drivers.sim.payments import PaymentSimulator
from drivers.sim.printer import MemoryPrinter
from sync.events import Tender
from sync.master import Entity
from sync.vouchers import new_code
from terminal import code_payments
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.members import find_member
from terminal.printing import (
    print_prepaid,
    print_sale,
    print_shift_report,
    topup_receipt_data,
    voucher_sale_receipt_data,
)
from terminal.session import Session
from terminal.shift import close_shift, shift_report
from terminal.store import Store
from terminal.store.seed import put_master
from terminal.stored_value import TopUp
from terminal.vouchers import VoucherSale
from tests.drivers.escpos_reader import read_escpos
from tests.terminal.helpers import CHIPS, RICE, add_member

FAST = flow.Patience(poll_every_s=0.01, give_up_after_s=0.5, retry_pause_s=0.01, tries=3)


@pytest.fixture
def provider() -> Iterator[WeChatPayV2]:
    with PaymentSimulator() as sim:
        p = open_provider(sim.settings(timeout_s=2))
        assert isinstance(p, WeChatPayV2)
        yield p
        p.close()


def paper(raw: bytes) -> str:
    return "\n".join(read_escpos(raw).texts())


def test_sale_receipt_names_each_new_tender(store: Store, till: Checkout, provider: WeChatPayV2) -> None:
    add_member(store, "m-1", "88000012345", phone="13800000001")
    data = store.master.get(Entity.MEMBER.value, "m-1")
    assert data is not None
    put_master(store, Entity.MEMBER, "m-1", {**data, "stored_value_fen": 2000})
    put_master(store, Entity.VOUCHER_BATCH, 5, {"id": 5, "code": "B5", "name": "五元券", "kind": "value",
                                                 "value_fen": 500})
    code = new_code(5)
    put_master(store, Entity.VOUCHER, code, {"code": code, "batch_id": 5, "status": "active"})
    till.set_member("88000012345")
    till.scan(RICE)  # 59.90
    till.apply_voucher(code)
    till.pay_stored_value(2000)
    charged = code_payments.charge(store, provider, doc_id=till.cart_id, auth_code="134567890123456700",
                                   amount_fen=till.remaining_fen, description="x", patience=FAST)
    till.add_code_payment(charged)
    sale = till.complete()
    printer = MemoryPrinter()
    assert print_sale(store, printer, sale.sale_id).ok
    text = paper(printer.sent[0])
    for expected in ("代金券", "5.00", code, "储值卡", "880****2345", "20.00", "微信支付", "34.90",
                     charged.result.transaction_id or "?", "储值余额 ￥0.00"):
        assert expected in text, expected
    assert b"\x1bp" not in printer.sent[0]  # no cash: the drawer stays shut


def test_top_up_and_voucher_sale_print_and_count_in_the_shift(store: Store, till: Checkout, session: Session) -> None:
    add_member(store, "m-2", "88000099999")
    put_master(store, Entity.STORED_VALUE_RULE, 1, {"id": 1, "name": "充100送10", "min_topup_fen": 10000,
                                                     "bonus_fen": 1000})
    put_master(store, Entity.VOUCHER_BATCH, 6, {"id": 6, "code": "B6", "name": "大米提货券", "kind": "goods",
                                                 "product_id": 4, "unit_code": "bag", "sale_price_fen": 5500})
    code = new_code(6)
    put_master(store, Entity.VOUCHER, code, {"code": code, "batch_id": 6, "status": "unsold"})
    catalog = Catalog(store)
    top = TopUp(store, session, catalog, find_member(store, catalog, "88000099999"), 10000)
    top.takings.add_cash(10000)
    topped = top.complete()
    vs = VoucherSale(store, session)
    vs.add(code)
    vs.takings.add_card("POS-1")
    sold = vs.complete()
    till.scan(CHIPS)
    till.add_payment(Tender.CASH, tendered_fen=1000)
    till.complete()
    printer = MemoryPrinter()
    assert print_prepaid(store, printer, topup_receipt_data(store, topped.topup_id)).ok
    slip = paper(printer.sent[0])
    for expected in ("储值充值", "100.00", "充值赠送 ￥10.00", "储值余额 ￥110.00", topped.receipt_no, "现金"):
        assert expected in slip, expected
    assert b"\x1bp" in printer.sent[0]
    assert print_prepaid(store, printer, voucher_sale_receipt_data(store, sold.sale_id)).ok
    receipt = paper(printer.sent[1])
    for expected in ("大米提货券", code, "55.00", "银行卡", "POS-1", "凭券提货"):
        assert expected in receipt, expected
    x = shift_report(store, topped.payload.shift_id, "X")
    assert (x.topups_count, x.topups_fen, x.topup_bonus_fen) == (1, 10000, 1000)
    assert (x.voucher_sales_count, x.voucher_sales_fen) == (1, 5500)
    assert x.prepaid_by_tender == {"cash": 10000, "bank_card": 5500}
    assert x.sales_total_fen == 850  # money taken for stored value and vouchers is not sales
    assert x.expected_cash_fen == 20_000 + 850 + 10000
    z = close_shift(store, session, {10000: 3, 500: 1, 100: 3, 50: 1})  # 308.50
    assert z.difference_fen == 0
    assert print_shift_report(store, printer, z).ok
    report = paper(printer.sent[2])
    for expected in ("储值充值 1 笔", "100.00（赠 10.00）", "售券 1 笔", "55.00", "预收·现金", "预收·银行卡"):
        assert expected in report, expected
