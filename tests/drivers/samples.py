"""Sample slips used by several driver tests and the golden previews."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from drivers.receipt import (
    ReceiptData,
    ReceiptLine,
    ReceiptMember,
    ReceiptPayment,
    ReceiptPromotion,
    ReturnSlipData,
    ReturnSlipLine,
    ShiftReportData,
    ShiftTenderTotal,
    ShopHeader,
)

HEADER = ShopHeader(
    shop_name="鲜丰便利店",
    store_name="西湖文三路店",
    address="杭州市西湖区文三路 88 号",
    phone="0571-88886666",
    terminal_code="POS-02",
)


def sale_receipt(*, reprint: bool = False) -> ReceiptData:
    """A member sale with a weighed line, a line discount, an order promotion, 抹零 and split tender."""
    lines = (
        ReceiptLine(name="农夫山泉饮用天然水 550ml", quantity=2, unit="瓶", unit_price_fen=200, list_amount_fen=400),
        ReceiptLine(name="红富士苹果", quantity=Decimal("1.256"), unit="kg", unit_price_fen=1280,
                    list_amount_fen=1608, code="2012345012563"),
        ReceiptLine(name="可口可乐 330ml", quantity=6, unit="罐", unit_price_fen=350, list_amount_fen=2100,
                    discount_fen=300, discount_label="第二件半价"),
        ReceiptLine(name="环保购物袋", quantity=1, unit="个", unit_price_fen=0, list_amount_fen=0, is_gift=True),
    )
    subtotal = 400 + 1608 + 2100
    promotions = (ReceiptPromotion(name="满30减5", amount_fen=500),)
    discount = 300 + 500
    rounding = -8  # 4108 − 800 = 3308, 抹零 to ￥33.00
    total = subtotal - discount + rounding
    return ReceiptData(
        header=HEADER,
        receipt_no="S0202-20261123-0042",
        issued_at=datetime(2026, 11, 23, 2, 5, 9, tzinfo=UTC),
        cashier="张敏 (1001)",
        lines=lines,
        subtotal_fen=subtotal,
        discount_fen=discount,
        rounding_fen=rounding,
        total_fen=total,
        promotions=promotions,
        payments=(
            ReceiptPayment(method="会员积分", amount_fen=300),
            ReceiptPayment(method="现金", amount_fen=total - 300, tendered_fen=5000),
        ),
        change_fen=5000 - (total - 300),
        tax_fen=380,
        member=ReceiptMember(card_no="13812345678", name="李先生", level="金卡", points_earned=30,
                             points_redeemed=300, points_balance=1250),
        footer=("谢谢惠顾，欢迎再次光临！", "凭小票 7 日内可退换"),
        reprint=reprint,
    )


def plain_receipt() -> ReceiptData:
    """The smallest sale: one line paid by WeChat, no member."""
    return ReceiptData(
        header=ShopHeader(shop_name="Corner Shop 街角小店"),
        receipt_no="S0101-20261123-0001",
        issued_at=datetime(2026, 11, 23, 15, 59, 0, tzinfo=UTC),
        cashier="Wang",
        lines=(ReceiptLine(name="康师傅红烧牛肉面（超长名称测试五连包家庭装特惠）", quantity=1, unit="包",
                           unit_price_fen=1650, list_amount_fen=1650),),
        subtotal_fen=1650,
        discount_fen=0,
        rounding_fen=0,
        total_fen=1650,
        payments=(ReceiptPayment(method="微信支付", amount_fen=1650, reference="4200001234202611230001"),),
    )


def return_slip() -> ReturnSlipData:
    return ReturnSlipData(
        header=HEADER,
        return_no="R0202-20261123-0003",
        original_receipt_no="S0202-20261123-0042",
        issued_at=datetime(2026, 11, 23, 6, 30, 0, tzinfo=UTC),
        cashier="张敏 (1001)",
        lines=(ReturnSlipLine(name="可口可乐 330ml", quantity=2, unit="罐", amount_fen=600),),
        total_fen=600,
        refunds=(ReceiptPayment(method="现金", amount_fen=600),),
        reason="包装破损",
        member=ReceiptMember(card_no="13812345678", points_balance=1244),
        points_reversed=6,
        approved_by="店长 王刚",
    )


def shift_report(kind: str = "Z") -> ShiftReportData:
    return ShiftReportData(
        header=HEADER,
        kind="Z" if kind == "Z" else "X",
        shift_no="SH-0202-20261123-1",
        cashier="张敏 (1001)",
        opened_at=datetime(2026, 11, 23, 0, 0, 0, tzinfo=UTC),
        printed_at=datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC),
        closed_at=datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC) if kind == "Z" else None,
        sales_count=57,
        sales_total_fen=286450,
        returns_count=2,
        returns_total_fen=1800,
        discount_total_fen=12300,
        rounding_total_fen=-74,
        tenders=(
            ShiftTenderTotal(method="现金", sales_fen=102450, refunds_fen=1800),
            ShiftTenderTotal(method="微信支付", sales_fen=120000),
            ShiftTenderTotal(method="支付宝", sales_fen=64000),
        ),
        opening_float_fen=50000,
        expected_cash_fen=150650,
        counted_cash_fen=150600 if kind == "Z" else None,
        cancelled_count=3,
        no_sale_count=1,
    )
