"""Receipt data refuses what does not add up, so nothing wrong reaches paper."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest

from drivers.money import format_fen, format_quantity
from drivers.receipt import ReceiptData, ReceiptDataError, ReceiptLine, ReceiptPayment, mask_card

from .samples import return_slip, sale_receipt, shift_report


def test_sample_slips_are_consistent() -> None:
    receipt = sale_receipt()
    assert receipt.total_fen == 3300
    assert receipt.change_fen == 5000 - 3000
    assert receipt.qr_text == receipt.receipt_no
    assert receipt.local_time.hour == 10  # 02:05 UTC in Shanghai
    assert return_slip().total_fen == 600
    assert shift_report("Z").cash_difference_fen == -50
    assert shift_report("X").cash_difference_fen is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subtotal_fen": 4109}, "subtotal_fen"),
        ({"discount_fen": 700}, "discount_fen"),
        ({"total_fen": 3301}, "total_fen"),
        ({"change_fen": 1999}, "change_fen"),
        ({"payments": (ReceiptPayment(method="现金", amount_fen=3000, tendered_fen=5000),)}, "payments"),
        ({"issued_at": datetime(2026, 11, 23, 2, 5)}, "issued_at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"lines": ()}, "lines"),
        ({"qr_payload": "退货"}, "qr_payload"),
        ({"receipt_no": " "}, "receipt_no"),
    ],
)
def test_inconsistent_receipt_is_refused(change: dict[str, object], field: str) -> None:
    with pytest.raises(ReceiptDataError) as info:
        dataclasses.replace(sale_receipt(), **change)  # type: ignore[arg-type]
    assert info.value.field == field
    assert info.value.message  # zh-CN text for the cashier


def test_float_money_is_refused() -> None:
    with pytest.raises(ReceiptDataError, match="integer fen"):
        ReceiptLine(name="水", quantity=1, unit_price_fen=2.0, list_amount_fen=200)  # type: ignore[arg-type]
    with pytest.raises(ReceiptDataError):
        ReceiptLine(name="水", quantity=1.5, unit_price_fen=200, list_amount_fen=300)  # type: ignore[arg-type]
    with pytest.raises(ReceiptDataError):
        ReceiptLine(name="水", quantity=1, unit_price_fen=200, list_amount_fen=200, discount_fen=201)
    with pytest.raises(ReceiptDataError):
        ReceiptPayment(method="现金", amount_fen=500, tendered_fen=400)


def test_plain_receipt_without_change() -> None:
    receipt = ReceiptData(
        header=sale_receipt().header, receipt_no="A1", issued_at=sale_receipt().issued_at, cashier="c",
        lines=(ReceiptLine(name="x", quantity=1, unit_price_fen=100, list_amount_fen=100),),
        subtotal_fen=100, discount_fen=0, rounding_fen=0, total_fen=100,
        payments=(ReceiptPayment(method="card", amount_fen=100),),
    )
    assert receipt.change_fen == 0


def test_fen_and_quantity_formatting() -> None:
    assert format_fen(1250) == "￥12.50"
    assert format_fen(-300) == "-￥3.00"
    assert format_fen(0) == "￥0.00"
    assert format_fen(123456789) == "￥1234567.89"
    assert format_fen(5, symbol="") == "0.05"
    with pytest.raises(TypeError):
        format_fen(1.5)  # type: ignore[arg-type]
    assert format_quantity(3) == "3"
    assert format_quantity(Decimal("3")) == "3"
    assert format_quantity(Decimal("0.35")) == "0.350"
    assert format_quantity(Decimal("1.000")) == "1.000"


def test_card_masking() -> None:
    assert mask_card("13812345678") == "138****5678"
    assert mask_card("M000123") == "M0*0123"
    assert mask_card("1234") == "****"
