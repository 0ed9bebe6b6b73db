"""A demo sale (Chinese shop, items, member, 抹零, cash with change) for printer tests and the demo."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from drivers.receipt import (
    ReceiptData,
    ReceiptLine,
    ReceiptMember,
    ReceiptPayment,
    ReceiptPromotion,
    ShopHeader,
)


def demo_receipt(now: datetime | None = None, *, receipt_no: str = "TEST-0001") -> ReceiptData:
    """A receipt that exercises every part of the layout an installer should see on paper."""
    now = now or datetime.now(UTC)
    lines = (
        ReceiptLine(name="农夫山泉饮用天然水 550ml", quantity=2, unit="瓶", unit_price_fen=200, list_amount_fen=400),
        ReceiptLine(name="红富士苹果", quantity=Decimal("1.256"), unit="kg", unit_price_fen=1280,
                    list_amount_fen=1608),
        ReceiptLine(name="可口可乐 330ml", quantity=6, unit="罐", unit_price_fen=350, list_amount_fen=2100,
                    discount_fen=300, discount_label="第二件半价"),
        ReceiptLine(name="环保购物袋", quantity=1, unit="个", unit_price_fen=0, list_amount_fen=0, is_gift=True),
    )
    subtotal = sum(line.list_amount_fen for line in lines)
    promotions = (ReceiptPromotion(name="满30减5", amount_fen=500),)
    discount = 300 + 500
    before_rounding = subtotal - discount
    rounding = -(before_rounding % 10)  # 抹零 to the jiao
    total = before_rounding + rounding
    return ReceiptData(
        header=ShopHeader(shop_name="鲜丰便利店", store_name="打印测试 Printer test",
                          address="杭州市西湖区文三路 88 号", phone="0571-88886666", terminal_code="POS-01"),
        receipt_no=receipt_no,
        issued_at=now,
        cashier="测试员 (0000)",
        lines=lines,
        subtotal_fen=subtotal,
        discount_fen=discount,
        rounding_fen=rounding,
        total_fen=total,
        promotions=promotions,
        payments=(ReceiptPayment(method="现金", amount_fen=total, tendered_fen=5000),),
        change_fen=5000 - total,
        member=ReceiptMember(card_no="13812345678", name="李先生", points_earned=33, points_balance=1283),
        footer=("打印机测试成功：中文、金额、二维码、切纸", "Printer test OK"),
    )
