"""Vouchers and coupons (代金券 / 折扣券 / 提货券): their wire forms and the redemption rule both ends apply.

Head office issues vouchers in batches (`VoucherBatch`: kind, value or percentage, minimum spend,
validity, stores) as single codes or many at once; each voucher (`VoucherInfo`) has one code and
one status. Tills pull both (entities `voucher_batch` and `voucher`, by code) and redeem offline by
`check_redemption`; central applies the same check to every redemption it hears of and enforces
single use: a voucher redeemed twice (two tills offline) is applied and flagged with both sales.

A redeemed voucher pays part of the sale as the tender `voucher` (no change is given, 不找零):
a value voucher up to its value, a percentage coupon its share of what is due (capped), a goods
voucher (提货券, sold in advance: 代金券销售) the price of the goods it names that are in the cart.
Pre-sold vouchers start `unsold` and become `active` when a till sells them.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sync.money import Rounding, div_round

Fen = Annotated[int, Field(ge=0, le=10**12)]


class VoucherKind(StrEnum):
    VALUE = "value"
    """代金券: takes `value_fen` off (at most what is due)."""
    PERCENT = "percent"
    """折扣券/优惠券: takes `percent_off_bp` of what is due, at most `max_off_fen` when set."""
    GOODS = "goods"
    """提货券: pays for `qty` of one product (`product_id`, `unit_code`) when the cart has it."""


class VoucherStatus(StrEnum):
    UNSOLD = "unsold"
    """A pre-sold voucher (card printed, batch with a sale price) no till has sold yet."""
    ACTIVE = "active"
    """Issued (or sold) and not used: redeemable."""
    REDEEMED = "redeemed"
    VOID = "void"
    """Withdrawn by head office."""


class VoucherBatch(BaseModel):
    """A batch of vouchers as tills pull it (entity `voucher_batch`, id = batch id)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    kind: VoucherKind
    value_fen: Fen = 0
    percent_off_bp: int = Field(default=0, ge=0, le=10000)
    max_off_fen: Fen | None = None
    min_spend_fen: Fen = 0
    product_id: int | None = None
    unit_code: str | None = Field(default=None, max_length=16)
    qty: int = Field(default=1, ge=1, le=1000)
    sale_price_fen: Fen | None = None
    """Set for pre-sold vouchers: what a till charges for one (the vouchers start `unsold`)."""
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    store_ids: tuple[int, ...] = ()
    """Stores where the vouchers may be redeemed (and sold); empty = every store."""
    active: bool = True

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("time must carry a timezone (UTC)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VoucherBatch:
        if self.kind is VoucherKind.VALUE and self.value_fen <= 0:
            raise ValueError("a value voucher needs value_fen > 0")
        if self.kind is VoucherKind.PERCENT and not 0 < self.percent_off_bp < 10000:
            raise ValueError("a percentage coupon needs percent_off_bp between 1 and 9999")
        if self.kind is VoucherKind.GOODS and (self.product_id is None or not self.unit_code):
            raise ValueError("a goods voucher names a product and its unit")
        if self.valid_from is not None and self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class VoucherInfo(BaseModel):
    """One voucher as tills pull it (entity `voucher`, id = the code)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str = Field(max_length=32)
    batch_id: int
    status: VoucherStatus
    member_id: str | None = None
    """Issued to this member (then only redeemable on that member's sale)."""
    redeemed_receipt_no: str | None = None
    redeemed_store_id: int | None = None
    redeemed_at: datetime | None = None


class Refusal(BaseModel):
    """Why a voucher cannot be redeemed here and now, in words for the cashier."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    message_en: str


def check_redemption(batch: VoucherBatch, voucher: VoucherInfo, *, at: datetime, store_id: int, due_fen: int,
                     member_id: str | None = None, goods_fen: int = 0) -> tuple[int, Refusal | None]:
    """What the voucher pays of a sale with `due_fen` still due (its amount, None) or why it cannot
    (0, the refusal). `goods_fen` is, for a goods voucher, what the named goods in the cart cost
    (the cart's price of `qty` of them); `member_id` the sale's member.

    The order of the checks is the order a cashier wants to hear them in: status, batch, place and
    time, member, then the sale (minimum spend, goods)."""
    def no(code: str, zh: str, en: str) -> tuple[int, Refusal]:
        return 0, Refusal(code=code, message=zh, message_en=en)

    if voucher.status is VoucherStatus.REDEEMED:
        where = f"（小票 {voucher.redeemed_receipt_no}）" if voucher.redeemed_receipt_no else ""
        return no("voucher_used", f"此券已使用{where}", f"voucher already used{where and f' ({voucher.redeemed_receipt_no})'}")
    if voucher.status is VoucherStatus.UNSOLD:
        return no("voucher_unsold", "此券尚未售出，不能使用", "voucher not sold yet: it cannot be used")
    if voucher.status is VoucherStatus.VOID or not batch.active:
        return no("voucher_void", "此券已作废", "voucher withdrawn")
    if batch.valid_from is not None and at < batch.valid_from:
        return no("voucher_not_started", f"此券 {batch.valid_from:%Y-%m-%d} 起可用",
                  f"voucher valid from {batch.valid_from:%Y-%m-%d}")
    if batch.valid_to is not None and at >= batch.valid_to:
        return no("voucher_expired", "此券已过期", "voucher expired")
    if batch.store_ids and store_id not in batch.store_ids:
        return no("voucher_wrong_store", "此券不能在本店使用", "voucher not valid at this store")
    if voucher.member_id is not None and voucher.member_id != member_id:
        return no("voucher_other_member", "此券只限持券会员本人使用，请先登记会员",
                  "voucher belongs to a member: identify that member first")
    if due_fen < batch.min_spend_fen:
        return no("voucher_min_spend", f"满 ¥{batch.min_spend_fen / 100:.2f} 才能使用此券",
                  f"a spend of at least ¥{batch.min_spend_fen / 100:.2f} is needed")
    if due_fen <= 0:
        return no("voucher_nothing_due", "已付清，无需用券", "nothing left to pay")
    if batch.kind is VoucherKind.VALUE:
        return min(batch.value_fen, due_fen), None
    if batch.kind is VoucherKind.PERCENT:
        off = div_round(due_fen * batch.percent_off_bp, 10000, Rounding.DOWN)
        if batch.max_off_fen is not None:
            off = min(off, batch.max_off_fen)
        return off, None
    if goods_fen <= 0:
        return no("voucher_goods_missing", "购物车里没有此提货券对应的商品", "the cart lacks the goods this voucher is for")
    return min(goods_fen, due_fen), None


def new_code(batch_id: int) -> str:
    """A fresh voucher code: 18 digits, `99`, the batch id (5 digits), 10 random digits and a Luhn
    check digit. It cannot be mistaken for a product barcode (8–14 digits) or a payment code (which
    start 10–15, 25–30 or 62), a typo is caught by the check digit, and guessing one of a batch's
    codes takes billions of tries."""
    if not 0 < batch_id < 100_000:
        raise ValueError("batch id must be 1..99999 to fit a voucher code")
    body = f"99{batch_id:05d}{secrets.randbelow(10**10):010d}"
    return body + str(_luhn_digit(body))


def is_voucher_code(text: str) -> bool:
    """A code `new_code` made (shape and check digit); custom codes are known by lookup instead."""
    t = text.strip()
    return len(t) == 18 and t.isdigit() and t.startswith("99") and _luhn_digit(t[:-1]) == int(t[-1])


def batch_of_code(code: str) -> int | None:
    return int(code[2:7]) if is_voucher_code(code) else None


def _luhn_digit(body: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10
