"""What goes on paper: plain data the terminal fills from its sales, shifts and returns.

Money is integer fen, quantities int pieces or `Decimal` weights, times timezone-aware (shown in
`timezone`, usually the store's). The totals are checked against each other on construction, so
a receipt that does not add up is refused with `ReceiptDataError` instead of being printed.
Field names follow `sync/events.py` (subtotal = Σ list amounts, discount excludes rounding,
rounding ≤ 0 for 抹零, total = subtotal − discount + rounding, Σ payments = total).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Shanghai"


class ReceiptDataError(ValueError):
    """Receipt data that does not add up or is malformed; `field` names the culprit."""

    def __init__(self, field_name: str, message: str, message_en: str) -> None:
        self.code = "receipt_data_invalid"
        self.field = field_name
        self.message = message
        self.message_en = message_en
        super().__init__(f"{field_name}: {message_en}")


def _fen(name: str, value: object, *, allow_negative: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReceiptDataError(name, "金额必须是整数分", f"money must be integer fen, got {value!r}")
    if value < 0 and not allow_negative:
        raise ReceiptDataError(name, "金额不能为负", f"must not be negative, got {value}")


def _aware(name: str, value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ReceiptDataError(name, "时间必须带时区", "datetime must be timezone-aware")


def _zone(name: str, value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReceiptDataError(name, "未知时区", f"unknown time zone {value!r}") from exc


def _text(name: str, value: object, *, required: bool = True) -> None:
    if not isinstance(value, str):
        raise ReceiptDataError(name, "必须是文字", f"must be text, got {value!r}")
    if required and not value.strip():
        raise ReceiptDataError(name, "不能为空", "must not be empty")


def _quantity(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ReceiptDataError(name, "数量必须是整数或 Decimal", f"quantity must be int or Decimal, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ReceiptDataError(name, "数量无效", "quantity must be finite")


def mask_card(card_no: str) -> str:
    """Keep the first 3 and last 4 characters of a member card / phone: `138****5678`."""
    card_no = card_no.strip()
    if len(card_no) <= 4:
        return "*" * len(card_no)
    keep_head = 3 if len(card_no) >= 11 else min(2, len(card_no) - 4)
    return card_no[:keep_head] + "*" * (len(card_no) - keep_head - 4) + card_no[-4:]


@dataclass(frozen=True)
class ReceiptLine:
    """One sold line as the customer reads it: qty × price = list amount, then its own discount."""

    name: str
    quantity: int | Decimal
    unit_price_fen: int
    list_amount_fen: int
    discount_fen: int = 0
    """Line-level discount (positive number); order-level ones are `ReceiptPromotion`s."""
    discount_label: str = ""
    unit: str = ""
    is_gift: bool = False
    code: str = ""
    """SKU or barcode, printed small under the name when given."""
    share_fen: int = 0
    """The line's share of an order-level discount (满减, 整单优惠), printed under the line with
    `share_label`, so each line's amount is what the customer pays for it."""
    share_label: str = ""

    def __post_init__(self) -> None:
        _text("line.name", self.name)
        _quantity("line.quantity", self.quantity)
        _fen("line.unit_price_fen", self.unit_price_fen)
        _fen("line.list_amount_fen", self.list_amount_fen)
        _fen("line.discount_fen", self.discount_fen)
        _fen("line.share_fen", self.share_fen)
        if self.discount_fen + self.share_fen > self.list_amount_fen:
            raise ReceiptDataError("line.discount_fen", "折扣超过行金额", "discount exceeds the line amount")

    @property
    def amount_fen(self) -> int:
        return self.list_amount_fen - self.discount_fen - self.share_fen


@dataclass(frozen=True)
class ReceiptPromotion:
    """An order-level discount (满减, 整单折扣, coupon ...) shown under the subtotal."""

    name: str
    amount_fen: int

    def __post_init__(self) -> None:
        _text("promotion.name", self.name)
        _fen("promotion.amount_fen", self.amount_fen)


@dataclass(frozen=True)
class ReceiptPayment:
    """A tender as printed: `method` is the display label (现金, 微信支付, 会员积分 ...)."""

    method: str
    amount_fen: int
    """Amount applied to the sale (for cash: not what was handed over)."""
    tendered_fen: int | None = None
    """Cash handed over; change = tendered − amount."""
    reference: str = ""

    def __post_init__(self) -> None:
        _text("payment.method", self.method)
        _fen("payment.amount_fen", self.amount_fen)
        if self.tendered_fen is not None:
            _fen("payment.tendered_fen", self.tendered_fen)
            if self.tendered_fen < self.amount_fen:
                raise ReceiptDataError("payment.tendered_fen", "实收少于应付", "tendered is less than the amount")


@dataclass(frozen=True)
class ReceiptMember:
    """Member block: the card number is masked when printed."""

    card_no: str
    name: str = ""
    level: str = ""
    points_earned: int = 0
    points_redeemed: int = 0
    points_balance: int | None = None

    def __post_init__(self) -> None:
        _text("member.card_no", self.card_no)
        for name in ("points_earned", "points_redeemed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ReceiptDataError(f"member.{name}", "积分必须是非负整数", "points must be a non-negative integer")
        if self.points_balance is not None and (
            isinstance(self.points_balance, bool) or not isinstance(self.points_balance, int)
        ):
            raise ReceiptDataError("member.points_balance", "积分必须是整数", "points must be an integer")

    @property
    def masked_card_no(self) -> str:
        return mask_card(self.card_no)


@dataclass(frozen=True)
class ShopHeader:
    """Who printed it: the top of every slip.

    `shop_name` is the receipt header, one or more lines (its first line prints large);
    `store_name` prints under that first line unless the header already names the store."""

    shop_name: str
    store_name: str = ""
    address: str = ""
    phone: str = ""
    terminal_code: str = ""

    def __post_init__(self) -> None:
        _text("shop_name", self.shop_name)


@dataclass(frozen=True)
class ReceiptData:
    """A sale receipt (or its reprint when `reprint` is true)."""

    header: ShopHeader
    receipt_no: str
    issued_at: datetime
    cashier: str
    lines: tuple[ReceiptLine, ...]
    subtotal_fen: int
    discount_fen: int
    rounding_fen: int
    total_fen: int
    payments: tuple[ReceiptPayment, ...]
    change_fen: int = 0
    promotions: tuple[ReceiptPromotion, ...] = ()
    tax_fen: int | None = None
    member: ReceiptMember | None = None
    footer: tuple[str, ...] = ()
    reprint: bool = False
    qr_payload: str = ""
    """What the QR code carries; the receipt number when empty (returns scan it)."""
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        _text("receipt_no", self.receipt_no)
        _text("cashier", self.cashier)
        _aware("issued_at", self.issued_at)
        _zone("timezone", self.timezone)
        if not self.lines:
            raise ReceiptDataError("lines", "小票没有商品", "a receipt needs at least one line")
        for name in ("subtotal_fen", "discount_fen", "total_fen", "change_fen"):
            _fen(name, getattr(self, name))
        _fen("rounding_fen", self.rounding_fen, allow_negative=True)
        if self.tax_fen is not None:
            _fen("tax_fen", self.tax_fen)
        if not self.qr_payload.isascii():
            raise ReceiptDataError("qr_payload", "二维码内容只能是 ASCII", "QR payload must be ASCII")
        if self.subtotal_fen != sum(line.list_amount_fen for line in self.lines):
            raise ReceiptDataError("subtotal_fen", "小计与商品金额合计不符", "subtotal is not the sum of line amounts")
        discounts = (sum(line.discount_fen + line.share_fen for line in self.lines)
                     + sum(p.amount_fen for p in self.promotions))
        if self.discount_fen != discounts:
            raise ReceiptDataError(
                "discount_fen", "优惠合计与明细不符", "discount is not the sum of line discounts and promotions"
            )
        if self.total_fen != self.subtotal_fen - self.discount_fen + self.rounding_fen:
            raise ReceiptDataError(
                "total_fen", "应付金额计算不符", "total must equal subtotal − discount + rounding"
            )
        if sum(p.amount_fen for p in self.payments) != self.total_fen:
            raise ReceiptDataError("payments", "付款合计与应付不符", "payments do not add up to the total")
        change = sum((p.tendered_fen - p.amount_fen) for p in self.payments if p.tendered_fen is not None)
        if change != self.change_fen:
            raise ReceiptDataError("change_fen", "找零计算不符", "change must equal tendered − amount")

    @property
    def qr_text(self) -> str:
        return self.qr_payload or self.receipt_no

    @property
    def local_time(self) -> datetime:
        return self.issued_at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class ReturnSlipLine:
    name: str
    quantity: int | Decimal
    amount_fen: int
    """Refund for this line."""
    unit: str = ""

    def __post_init__(self) -> None:
        _text("line.name", self.name)
        _quantity("line.quantity", self.quantity)
        _fen("line.amount_fen", self.amount_fen)


@dataclass(frozen=True)
class ReturnSlipData:
    """A return (退货) slip against an original receipt; refunds are listed per tender."""

    header: ShopHeader
    return_no: str
    original_receipt_no: str
    issued_at: datetime
    cashier: str
    lines: tuple[ReturnSlipLine, ...]
    total_fen: int
    refunds: tuple[ReceiptPayment, ...]
    reason: str = ""
    member: ReceiptMember | None = None
    points_reversed: int = 0
    approved_by: str = ""
    footer: tuple[str, ...] = ()
    reprint: bool = False
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        _text("return_no", self.return_no)
        _text("original_receipt_no", self.original_receipt_no)
        _text("cashier", self.cashier)
        _aware("issued_at", self.issued_at)
        _zone("timezone", self.timezone)
        _fen("total_fen", self.total_fen)
        if not self.lines:
            raise ReceiptDataError("lines", "退货单没有商品", "a return slip needs at least one line")
        if sum(line.amount_fen for line in self.lines) != self.total_fen:
            raise ReceiptDataError("total_fen", "退款合计与明细不符", "total is not the sum of refunded lines")
        if sum(r.amount_fen for r in self.refunds) != self.total_fen:
            raise ReceiptDataError("refunds", "退款方式合计与退款金额不符", "refunds do not add up to the total")
        if isinstance(self.points_reversed, bool) or not isinstance(self.points_reversed, int) or self.points_reversed < 0:
            raise ReceiptDataError("points_reversed", "积分必须是非负整数", "points must be a non-negative integer")

    @property
    def local_time(self) -> datetime:
        return self.issued_at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class ShiftTenderTotal:
    """Per tender over a shift: what came in by sales, what went out by refunds."""

    method: str
    sales_fen: int
    refunds_fen: int = 0

    def __post_init__(self) -> None:
        _text("tender.method", self.method)
        _fen("tender.sales_fen", self.sales_fen)
        _fen("tender.refunds_fen", self.refunds_fen)

    @property
    def net_fen(self) -> int:
        return self.sales_fen - self.refunds_fen


@dataclass(frozen=True)
class ShiftReportData:
    """X report (mid-shift reading, shift stays open) or Z report (closing, with the cash count)."""

    header: ShopHeader
    kind: Literal["X", "Z"]
    shift_no: str
    cashier: str
    opened_at: datetime
    printed_at: datetime
    sales_count: int
    sales_total_fen: int
    returns_count: int
    returns_total_fen: int
    discount_total_fen: int
    rounding_total_fen: int
    tenders: tuple[ShiftTenderTotal, ...]
    opening_float_fen: int
    expected_cash_fen: int
    counted_cash_fen: int | None = None
    """Z only: what the cashier counted; the report prints the difference."""
    closed_at: datetime | None = None
    cancelled_count: int = 0
    no_sale_count: int = 0
    voided_lines: int = 0
    """Lines removed from sales (删除商品) in the shift."""
    """Drawer opened without a sale (audited by the terminal)."""
    reprint: bool = False
    timezone: str = DEFAULT_TIMEZONE
    extra: tuple[tuple[str, str], ...] = field(default=())
    """Further label/value rows the terminal wants printed (e.g. 会员新增)."""

    def __post_init__(self) -> None:
        if self.kind not in ("X", "Z"):
            raise ReceiptDataError("kind", "报表类型只能是 X 或 Z", "kind must be X or Z")
        _text("shift_no", self.shift_no)
        _text("cashier", self.cashier)
        _aware("opened_at", self.opened_at)
        _aware("printed_at", self.printed_at)
        _zone("timezone", self.timezone)
        if self.closed_at is not None:
            _aware("closed_at", self.closed_at)
        for name in ("sales_total_fen", "returns_total_fen", "discount_total_fen", "opening_float_fen"):
            _fen(name, getattr(self, name))
        _fen("rounding_total_fen", self.rounding_total_fen, allow_negative=True)
        _fen("expected_cash_fen", self.expected_cash_fen, allow_negative=True)
        for name in ("sales_count", "returns_count", "cancelled_count", "no_sale_count", "voided_lines"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ReceiptDataError(name, "笔数必须是非负整数", "counts must be non-negative integers")
        if self.kind == "Z" and self.counted_cash_fen is None:
            raise ReceiptDataError("counted_cash_fen", "Z 报表需要点钞金额", "a Z report needs the counted cash")
        if self.counted_cash_fen is not None:
            _fen("counted_cash_fen", self.counted_cash_fen)
        if sum(t.sales_fen for t in self.tenders) != self.sales_total_fen:
            raise ReceiptDataError("tenders", "各支付方式销售合计与销售总额不符", "tender sales do not add up")
        if sum(t.refunds_fen for t in self.tenders) != self.returns_total_fen:
            raise ReceiptDataError("tenders", "各支付方式退款合计与退款总额不符", "tender refunds do not add up")

    @property
    def net_total_fen(self) -> int:
        return self.sales_total_fen - self.returns_total_fen

    @property
    def cash_difference_fen(self) -> int | None:
        if self.counted_cash_fen is None:
            return None
        return self.counted_cash_fen - self.expected_cash_fen

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.timezone))
