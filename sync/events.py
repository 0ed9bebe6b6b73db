"""Business events a terminal records in its outbox and central applies exactly once.

This module is the wire contract between `terminal/` and `central/`: the envelope every event
travels in and the payload of each event type. Both ends import these models; neither builds
event dicts by hand. Money is integer fen; quantities are Decimal (pieces are whole numbers,
weighed goods have up to 3 decimal places); times are UTC.

Identifiers: master data owned by central (stores, products, units, users, price lists,
promotions) is referenced by central's integer id; records a terminal creates offline (sales,
returns, shifts, members made at the till, field orders, visit notes) carry a UUIDv7 string made
on the terminal, so they are unique without the network.

Ranges: every field is bounded by `sync.ranges` (amounts, quantities, points, ids, text without
control characters, times around the receiver's clock), so a till that builds its events with
these models never makes one central would refuse, and nothing reaches a column that cannot hold it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sync.field import CollectionMethod, CustomerType, ReturnKind
from sync.ranges import (
    Amount,
    CentralId,
    Code,
    Count,
    Cursor,
    Denomination,
    FieldId,
    Line,
    LineNo,
    OfflineId,
    Points,
    SignedAmount,
    Text,
    UnitFactor,
    WireQty,
    WireTime,
)

Fen = int
"""Money in integer fen (分). Never float."""

Qty = Annotated[Decimal, Field(max_digits=12, decimal_places=3)]
"""Quantity: whole numbers for pieces, up to 3 decimal places for weighed goods."""


def uuid7() -> str:
    """A UUIDv7 (time-ordered, RFC 9562) as a string: unique without the network, sortable by time."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (the only kind of time we store)."""
    return datetime.now(UTC)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tender(StrEnum):
    """How a customer paid. Points and store credit are tenders too."""

    CASH = "cash"
    BANK_CARD = "bank_card"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    POINTS = "points"
    STORE_CREDIT = "store_credit"
    """A member's stored value (储值卡): with a `stored_value.paid` event for the balance."""
    CREDIT = "credit"
    """On account (赊账): a B2B customer's receivable."""
    VOUCHER = "voucher"
    """A voucher or coupon (代金券/优惠券/提货券), `reference` its code, with a `voucher.redeemed` event."""


class EventType(StrEnum):
    SALE_COMPLETED = "sale.completed"
    SALE_RETURNED = "sale.returned"
    SALE_CANCELLED = "sale.cancelled"
    SHIFT_OPENED = "shift.opened"
    SHIFT_CLOSED = "shift.closed"
    MEMBER_CREATED = "member.created"
    DRAWER_OPENED = "drawer.opened"
    FIELD_ORDER_CREATED = "field_order.created"
    VISIT_NOTE_CREATED = "visit_note.created"
    CUSTOMER_UPDATED = "customer.updated"
    STORED_VALUE_TOPPED_UP = "stored_value.topped_up"
    STORED_VALUE_PAID = "stored_value.paid"
    STORED_VALUE_REFUNDED = "stored_value.refunded"
    VOUCHER_REDEEMED = "voucher.redeemed"
    VOUCHER_SOLD = "voucher.sold"
    VOUCHER_RESTORED = "voucher.restored"
    CUSTOMER_CREATED = "customer.created"
    VISIT_RECORDED = "visit.recorded"
    COLLECTION_RECORDED = "collection.recorded"
    ORDER_RETURN_RECORDED = "order_return.recorded"


# ---------------------------------------------------------------------------- sales


def _is_none(value: object) -> bool:
    """`exclude_if` of an optional field left out of the wire form when empty (checked by pydantic's
    core per field: a model-wide wrap serializer built every line's dict twice in Python)."""
    return value is None


class SaleLinePayload(_Wire):
    """One priced line as the terminal sold it, with the per-line detail returns and margins need."""

    line_no: LineNo
    product_id: CentralId
    sku: Line = Field(min_length=1, max_length=64)
    name: Line = Field(max_length=200)
    unit_code: Line = Field(min_length=1, max_length=16)
    """The unit of sale (e.g. "pc", "box"); stock moves by qty × unit factor in base units."""
    unit_factor: UnitFactor
    qty: WireQty
    unit_price_fen: Amount
    """Price per unit before discounts, as the terminal's price rules resolved it."""
    price_source: Line = Field(max_length=32)
    """Which rule gave the price: base, price_list, customer, member_level, override, scale."""
    list_amount_fen: Amount
    """Price × quantity before any discount."""
    line_discount_fen: Amount
    """Line-level discounts (promotions on the line, manual line discount)."""
    order_discount_fen: Amount
    """This line's share of order-level discounts (threshold promotions, order discount, points),
    allocated by largest remainder so lines sum exactly to the order."""
    amount_fen: Amount
    """What the customer pays for this line: list − line discount − order discount share."""
    tax_rate_bp: int = Field(ge=0, le=10000)
    """VAT rate in basis points (1300 = 13%). Prices include VAT."""
    tax_fen: Amount
    promotion_ids: list[CentralId] = Field(default_factory=list, max_length=50)
    is_gift: bool = False
    """A free gift line (绑赠 / buy X get Y): amount 0, stock still moves."""
    unit_cost_fen: Amount | None = None
    approved_by: CentralId | None = Field(default=None, exclude_if=_is_none)
    """For `price_source` "override": the manager who approved the price at the till (central flags
    an override that names no manager of the store). Left out of the wire form when None, so a sale
    without an override is byte for byte what it was before the field (and what an older central
    accepts); a sale with one needs a central that knows it."""
    weighed: bool | None = Field(default=None, exclude_if=_is_none)
    """Sold by weight (the product's `weighed` as the till priced it): `qty` is kilograms with 3
    places. Protocol 4; None only from older tills (and then left out of the wire form, like
    `approved_by`) — ask `line_is_weighed`, never the Decimal."""

    @model_validator(mode="after")
    def _pieces_are_whole(self) -> SaleLinePayload:
        if self.weighed is False and self.qty != self.qty.to_integral_value():
            raise ValueError("a line of pieces (weighed false) has a whole quantity")
        return self


def line_is_weighed(line: SaleLinePayload) -> bool:
    """Whether a sold line was weighed: the one answer for receipts, returns and reports.

    Since protocol 4 the till says so (`weighed`). A line of an older till's sale carries no flag;
    those tills wrote the stored form by the same rule (`sync.quantity.normalize_qty`: weights always
    with 3 places, "2.000", pieces whole, "2"), so the form of its quantity is what it meant.
    """
    if line.weighed is not None:
        return line.weighed
    exponent = line.qty.as_tuple().exponent
    return isinstance(exponent, int) and exponent < 0


class PaymentPayload(_Wire):
    tender: Tender
    amount_fen: Amount = Field(gt=0)
    """Amount applied to the sale (for cash: not what was handed over)."""
    tendered_fen: Amount | None = None
    """Cash handed over; change = tendered − amount."""
    reference: Line | None = Field(default=None, max_length=128)
    """Card slip / WeChat / Alipay transaction reference."""
    points: Points | None = None
    """Points redeemed, for the points tender."""


class SaleCompleted(_Wire):
    """A sale rung up and paid at a terminal (event `sale.completed`)."""

    sale_id: OfflineId
    receipt_no: Line = Field(min_length=1, max_length=40)
    store_id: CentralId
    terminal_id: CentralId
    shift_id: OfflineId
    cashier_id: CentralId | None = None
    rep_id: CentralId | None = None
    customer_id: CentralId | None = None
    member_id: OfflineId | None = None
    """Members may be created at the till offline, so their id is a UUID string."""
    member_level: Line | None = Field(default=None, max_length=16)
    sold_at: WireTime
    """The terminal's clock (UTC), kept as reported; central orders by its own receipt time."""
    lines: list[SaleLinePayload] = Field(min_length=1)
    payments: list[PaymentPayload] = Field(default_factory=list)
    subtotal_fen: Amount
    """Sum of list amounts."""
    discount_fen: Amount
    """All discounts (line + order), excluding points and rounding."""
    rounding_fen: SignedAmount
    """抹零: amount due after rounding minus before (≤ 0 when rounding down)."""
    total_fen: Amount
    """Amount due = Σ line amounts + rounding."""
    change_fen: Amount = 0
    tax_fen: Amount
    points_earned: Points = 0
    points_redeemed: Points = 0
    points_value_fen: Amount | None = Field(default=None, exclude_if=_is_none)
    """The money value of `points_redeemed` (it pays inside the lines' `order_discount_fen`, so the
    total is what remains to pay in money). Protocol 4; None only from older tills — ask
    `sale_points_value_fen` (and then left out of the wire form)."""
    price_version: Cursor = 0
    """The catalog/price change-feed cursor the terminal priced with."""
    promotion_ids: list[CentralId] = Field(default_factory=list, max_length=50)
    note: Text | None = Field(default=None, max_length=500)

    @field_validator("sold_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


def points_value_from_discounts(line_discounts_fen: int, order_discounts_fen: int, discount_fen: int) -> int:
    """The value of redeemed points as a sale's figures imply it: points pay inside the lines'
    discounts but are not counted in `discount_fen` (Σ line + Σ order discounts − discount). The
    rule for sales recorded before protocol 4 carried the value itself."""
    return line_discounts_fen + order_discounts_fen - discount_fen


def sale_points_value_fen(sale: SaleCompleted) -> int:
    """The money value of the points that paid part of a sale: what the sale event says (protocol 4),
    else, for an older till's sale, what its figures imply (`points_value_from_discounts`)."""
    if sale.points_value_fen is not None:
        return sale.points_value_fen
    return points_value_from_discounts(sum(ln.line_discount_fen for ln in sale.lines),
                                       sum(ln.order_discount_fen for ln in sale.lines), sale.discount_fen)


class ReturnLinePayload(_Wire):
    original_line_no: LineNo
    product_id: CentralId
    sku: Line = Field(min_length=1, max_length=64)
    unit_code: Line = Field(min_length=1, max_length=16)
    unit_factor: UnitFactor
    qty: WireQty
    """Returned quantity (positive)."""
    amount_fen: Amount
    """Refund for this line, from the original line's allocated amount."""
    tax_fen: Amount
    restock: bool = True


class SaleReturned(_Wire):
    """A return against an original sale (event `sale.returned`)."""

    return_id: OfflineId
    receipt_no: Line = Field(min_length=1, max_length=40)
    original_sale_id: OfflineId
    original_receipt_no: Line = Field(min_length=1, max_length=40)
    store_id: CentralId
    terminal_id: CentralId
    shift_id: OfflineId
    cashier_id: CentralId | None = None
    approved_by: CentralId | None = None
    member_id: OfflineId | None = None
    returned_at: WireTime
    lines: list[ReturnLinePayload] = Field(min_length=1)
    refunds: list[PaymentPayload] = Field(min_length=1)
    total_fen: Amount
    tax_fen: Amount
    points_reversed: Points = 0
    """Points earned on the returned part, taken back."""
    points_refunded: Points = 0
    """Points that paid for the returned part, given back."""
    reason: Line | None = Field(default=None, max_length=200)

    @field_validator("returned_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class SaleCancelled(_Wire):
    """A cart abandoned before payment; recorded for loss-prevention audit."""

    cart_id: OfflineId
    store_id: CentralId
    terminal_id: CentralId
    shift_id: OfflineId | None = None
    cashier_id: CentralId | None = None
    cancelled_at: WireTime
    line_count: Count
    amount_fen: Amount
    reason: Line | None = Field(default=None, max_length=200)


# ---------------------------------------------------------------------------- shifts


class ShiftOpened(_Wire):
    shift_id: OfflineId
    store_id: CentralId
    terminal_id: CentralId
    cashier_id: CentralId
    opened_at: WireTime
    opening_float_fen: Amount


class ShiftClosed(_Wire):
    shift_id: OfflineId
    store_id: CentralId
    terminal_id: CentralId
    cashier_id: CentralId
    closed_at: WireTime
    counted_cash_fen: Amount
    denominations: dict[Denomination, Count] = Field(default_factory=dict, max_length=30)
    """Count by denomination in fen → number of notes/coins, e.g. {"10000": 3, "50": 4}."""
    expected_cash_fen: SignedAmount
    """What the terminal expected in the drawer from the sales it knew of."""
    sales_count: Count
    returns_count: Count
    totals_by_tender: dict[Code, SignedAmount] = Field(default_factory=dict, max_length=20)


class DrawerOpened(_Wire):
    """A drawer opened without a sale (no-sale), for audit."""

    store_id: CentralId
    terminal_id: CentralId
    shift_id: OfflineId | None = None
    cashier_id: CentralId | None = None
    approved_by: CentralId | None = None
    opened_at: WireTime
    reason: Line = Field(max_length=200)


# ---------------------------------------------------------------------------- members & customers


class MemberCreated(_Wire):
    member_id: OfflineId
    card_no: Line = Field(min_length=1, max_length=32)
    phone: Line | None = Field(default=None, max_length=20)
    name: Line | None = Field(default=None, max_length=100)
    birthday: Line | None = Field(default=None, max_length=10)
    level: Line = Field(default="normal", min_length=1, max_length=16)
    store_id: CentralId
    created_at: WireTime


class FieldOrderLine(_Wire):
    """One line of a rep's order, priced on the tablet with the `sync.pricing` contract."""

    product_id: CentralId
    sku: Line = Field(max_length=64)
    unit_code: Line = Field(min_length=1, max_length=16)
    """The unit ordered (e.g. "pc", "box"): stock moves by qty × unit factor in base units."""
    unit_factor: UnitFactor
    qty: WireQty
    unit_price_fen: Amount
    """Price per unit before discounts, from the customer's price list / discount rate."""
    amount_fen: Amount
    """What the customer pays for the line, after its discounts (0 for a gift)."""
    name: Line = Field(default="", max_length=200)
    is_gift: bool = False
    """A free gift line (赠品): amount 0, stock still moves."""
    discount_fen: Amount = 0
    """Line and order discounts on this line (promotions, the rep's discount)."""
    promotion_ids: list[CentralId] = Field(default_factory=list, max_length=20)




class _ForCustomer(_Wire):
    """An event about a customer: central's id, or the tablet's id of a customer created offline
    (`customer.created`) that central may not have numbered yet. Exactly one of them."""

    customer_id: CentralId | None = None
    new_customer_id: FieldId | None = None
    """The `customer_id` of this tablet's `customer.created` event (a UUIDv7), before central's id
    is known; central maps it (the customer entity carries it back as `client_id`)."""

    @model_validator(mode="after")
    def _one_customer(self) -> _ForCustomer:
        if (self.customer_id is None) == (self.new_customer_id is None):
            raise ValueError("give exactly one of customer_id and new_customer_id")
        return self


class FieldOrderCreated(_ForCustomer):
    """A rep's order (订货单) taken at a customer's site, possibly offline.

    Central checks it again (`sync.field.check_order`) whatever the tablet decided; `held` and
    `hold_reasons` are the tablet's verdict, kept beside central's."""

    order_id: FieldId
    order_no: Line = Field(min_length=1, max_length=40)
    rep_id: CentralId
    terminal_id: CentralId
    ordered_at: WireTime
    lines: list[FieldOrderLine] = Field(min_length=1, max_length=500)
    total_fen: Amount
    on_credit: bool = True
    """On account (the customer pays by its credit days); False: cash on delivery."""
    note: Text | None = Field(default=None, max_length=500)
    store_id: CentralId | None = None
    requested_date: date | None = None
    """The delivery date the customer asked for."""
    warehouse_id: CentralId | None = None
    """The warehouse the rep asked to ship from; central may split by stock (see FIELD.md)."""
    held: bool = False
    hold_reasons: list[Code] = Field(default_factory=list, max_length=10)
    """The tablet's `sync.field.HoldReason` codes (its offline check)."""
    visit_id: FieldId | None = None
    """The visit during which the order was taken, if any."""
    price_version: Cursor = 0
    """The feed cursor the tablet priced with."""

    @field_validator("ordered_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class VisitNoteCreated(_Wire):
    note_id: OfflineId
    customer_id: CentralId
    rep_id: CentralId
    terminal_id: CentralId
    visited_at: WireTime
    text: Text = Field(min_length=1, max_length=2000)


class CustomerUpdated(_Wire):
    """Field-level edits a rep made offline; central merges field by field (later receipt wins)."""

    customer_id: CentralId
    rep_id: CentralId
    terminal_id: CentralId
    edited_at: WireTime
    fields: dict[Code, Text | None] = Field(max_length=20)
    """Only fields a rep may edit: contact_name, contact_phone, address, notes."""


# ---------------------------------------------------------------------------- stored value & vouchers
# (protocol 2; see sync/stored_value.py and sync/vouchers.py for the rules both ends apply)


class StoredValueToppedUp(_Wire):
    """A member's stored value topped up at a till (储值充值): money taken into the drawer (or by
    card, payment code) and credited to the balance with the bonus the till's rules gave."""

    topup_id: OfflineId
    receipt_no: Line = Field(min_length=1, max_length=40)
    member_id: OfflineId
    store_id: CentralId
    terminal_id: CentralId
    shift_id: OfflineId
    cashier_id: CentralId | None = None
    amount_fen: Fen = Field(gt=0, le=500_000)
    """Money paid in (`sync.stored_value.MAX_TOPUP_FEN` at most)."""
    bonus_fen: Fen = Field(ge=0, le=500_000)
    """The bonus the till's rules gave (central credits what its own rules give, and flags a difference)."""
    bonus_rule_id: CentralId | None = None
    payments: list[PaymentPayload] = Field(min_length=1, max_length=10)
    """How the top-up was paid; they add up to `amount_fen` (never stored value or vouchers)."""
    topped_up_at: WireTime

    @field_validator("topped_up_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class StoredValuePaid(_Wire):
    """Part of a sale paid from the member's stored value (tender `store_credit` on the sale),
    recorded in the same transaction as the sale, after it. Offline, two stores can overdraw a
    balance: central applies the payment and flags it."""

    movement_id: OfflineId
    member_id: OfflineId
    store_id: CentralId
    terminal_id: CentralId
    sale_id: OfflineId
    receipt_no: Line = Field(min_length=1, max_length=40)
    amount_fen: Fen = Field(gt=0, le=10**10)
    balance_seen_fen: Fen | None = Field(default=None, le=10**10)
    """The balance the till believed the member had (shown on the review list if overdrawn)."""
    paid_at: WireTime

    @field_validator("paid_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class StoredValueRefunded(_Wire):
    """A return refunded to the member's stored value (the sale was paid with it)."""

    movement_id: OfflineId
    member_id: OfflineId
    store_id: CentralId
    terminal_id: CentralId
    return_id: OfflineId
    receipt_no: Line = Field(min_length=1, max_length=40)
    original_sale_id: OfflineId
    amount_fen: Fen = Field(gt=0, le=10**10)
    refunded_at: WireTime

    @field_validator("refunded_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class VoucherRedeemed(_Wire):
    """A voucher redeemed on a sale (tender `voucher`, `reference` = the code), recorded with the sale."""

    redemption_id: OfflineId
    code: Line = Field(min_length=1, max_length=32)
    store_id: CentralId
    terminal_id: CentralId
    sale_id: OfflineId
    receipt_no: Line = Field(min_length=1, max_length=40)
    member_id: OfflineId | None = None
    amount_fen: Fen = Field(ge=0, le=10**10)
    """What the voucher paid of the sale."""
    due_fen: Fen = Field(ge=0, le=10**12)
    """What was due when it was applied (for the minimum spend and percentage checks)."""
    redeemed_at: WireTime

    @field_validator("redeemed_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class VoucherSoldItem(_Wire):
    code: Line = Field(min_length=1, max_length=32)
    price_fen: Fen = Field(ge=0, le=10**10)


class VoucherSold(_Wire):
    """Pre-sold vouchers (代金券销售) sold at a till: paid now, redeemed for goods later."""

    sale_id: OfflineId
    receipt_no: Line = Field(min_length=1, max_length=40)
    store_id: CentralId
    terminal_id: CentralId
    shift_id: OfflineId
    cashier_id: CentralId | None = None
    member_id: OfflineId | None = None
    items: list[VoucherSoldItem] = Field(min_length=1, max_length=100)
    total_fen: Fen = Field(ge=0, le=10**12)
    payments: list[PaymentPayload] = Field(min_length=1, max_length=10)
    sold_at: WireTime

    @field_validator("sold_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class VoucherRestored(_Wire):
    """A voucher given back to the customer because the sale it paid for was returned whole."""

    code: Line = Field(min_length=1, max_length=32)
    store_id: CentralId
    terminal_id: CentralId
    return_id: OfflineId
    original_sale_id: OfflineId
    restored_at: WireTime

    @field_validator("restored_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


# ---------------------------------------------------------------------------- field sales
# (protocol 3; the rep tablet's events, see sync/FIELD.md and sync/field.py)


class CustomerCreated(_Wire):
    """A new customer a rep created offline: central records it *pending* (cash on delivery only)
    until head office reviews it and sets its credit."""

    customer_id: FieldId
    """A UUIDv7 made on the tablet; orders, visits and collections name it as `new_customer_id`."""
    rep_id: CentralId
    terminal_id: CentralId
    store_id: CentralId | None = None
    created_at: WireTime
    name: Line = Field(min_length=1, max_length=100)
    customer_type: CustomerType = CustomerType.DIRECT
    contact_name: Line | None = Field(default=None, max_length=50)
    contact_phone: Line | None = Field(default=None, max_length=20)
    address: Text | None = Field(default=None, max_length=200)
    region: Line | None = Field(default=None, max_length=50)
    notes: Text | None = Field(default=None, max_length=2000)
    parent_customer_id: CentralId | None = None
    """For a branch (总分店): its head office's central id."""
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Location(_Wire):
    """Where the device was (only where it gives one)."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class StockCount(_Wire):
    product_id: CentralId
    unit_code: Line = Field(min_length=1, max_length=16)
    qty: WireQty


class CompetitorPrice(_Wire):
    product: Line = Field(min_length=1, max_length=100)
    """What was seen, in the rep's words (e.g. "百事可乐 330ml")."""
    price_fen: Amount
    brand: Line | None = Field(default=None, max_length=50)
    product_id: CentralId | None = None
    """Our product it competes with, when the rep picked one."""


class VisitStepDone(_Wire):
    """One visit step (`sync.field.VisitStep` code) as the rep did it."""

    step: Line = Field(min_length=1, max_length=32)
    done: bool = True
    note: Text | None = Field(default=None, max_length=500)
    stock_counts: list[StockCount] = Field(default_factory=list, max_length=500)
    competitor_prices: list[CompetitorPrice] = Field(default_factory=list, max_length=100)


SHA256_HEX = r"^[0-9a-f]{64}$"

ATTACHMENT_MAX_BYTES = 8 * 1024 * 1024
"""The largest attachment central accepts (a phone photo is 1-4 MB)."""

ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp")


class AttachmentRef(_Wire):
    """A photo (or other file) by content: uploaded after its event (`PUT /api/v1/attachments/{sha256}`);
    the event never waits for it."""

    sha256: str = Field(pattern=SHA256_HEX)
    size: int = Field(ge=1, le=ATTACHMENT_MAX_BYTES)
    content_type: str = Field(pattern="^(" + "|".join(ATTACHMENT_TYPES) + ")$")
    step: Line | None = Field(default=None, max_length=32)
    """The visit step it documents (e.g. shelf_check), if any."""
    taken_at: WireTime | None = None


class FollowUp(_Wire):
    due_date: date
    text: Text = Field(min_length=1, max_length=500)


class VisitRecorded(_ForCustomer):
    """A customer visit (拜访), sent at check-out: times, where, notes, the steps done, photos."""

    visit_id: FieldId
    rep_id: CentralId
    terminal_id: CentralId
    checked_in_at: WireTime
    checked_out_at: WireTime | None = None
    location: Location | None = None
    notes: Text | None = Field(default=None, max_length=2000)
    steps: list[VisitStepDone] = Field(default_factory=list, max_length=20)
    photos: list[AttachmentRef] = Field(default_factory=list, max_length=30)
    follow_up: FollowUp | None = None
    """Something promised (call back, bring samples): the tablet reminds the rep on that day."""
    order_ids: list[str] = Field(default_factory=list, max_length=20)
    """Orders taken during the visit."""

    @field_validator("checked_in_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class CollectionRecorded(_ForCustomer):
    """A payment a rep collected from a customer (收款); central allocates it to the oldest open
    receivables, never beyond what is open (the rest waits as an advance, 预收)."""

    collection_id: FieldId
    receipt_no: Line = Field(min_length=1, max_length=40)
    rep_id: CentralId
    terminal_id: CentralId
    store_id: CentralId | None = None
    collected_at: WireTime
    amount_fen: Fen = Field(gt=0, le=10**12)
    method: CollectionMethod
    reference: Line | None = Field(default=None, max_length=64)
    """Transfer / WeChat / Alipay reference, cheque number."""
    order_id: FieldId | None = None
    """The order paid on delivery, when the payment is for one."""
    note: Text | None = Field(default=None, max_length=200)

    @field_validator("collected_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


class OrderReturnLine(_Wire):
    order_line_no: LineNo
    """The line of the original order (as central numbers them: 1, 2, … in the order's line order)."""
    product_id: CentralId
    qty: WireQty
    """In the order line's unit."""
    restock: bool = True
    """False: damaged, written off on arrival."""


class OrderReturnRecorded(_Wire):
    """Goods refused on delivery or returned later, against the original order: the delivered
    quantity stays as it was, the return is a document of its own. Central prices it from the
    order's lines (the tablet sends quantities only)."""

    return_id: FieldId
    return_no: Line = Field(min_length=1, max_length=40)
    order_id: FieldId
    rep_id: CentralId
    terminal_id: CentralId
    returned_at: WireTime
    kind: ReturnKind = ReturnKind.RETURNED
    reason: Line | None = Field(default=None, max_length=200)
    lines: list[OrderReturnLine] = Field(min_length=1, max_length=500)

    @field_validator("returned_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return _require_utc(v)


PAYLOAD_TYPES: dict[EventType, type[_Wire]] = {
    EventType.SALE_COMPLETED: SaleCompleted,
    EventType.SALE_RETURNED: SaleReturned,
    EventType.SALE_CANCELLED: SaleCancelled,
    EventType.SHIFT_OPENED: ShiftOpened,
    EventType.SHIFT_CLOSED: ShiftClosed,
    EventType.MEMBER_CREATED: MemberCreated,
    EventType.DRAWER_OPENED: DrawerOpened,
    EventType.FIELD_ORDER_CREATED: FieldOrderCreated,
    EventType.VISIT_NOTE_CREATED: VisitNoteCreated,
    EventType.CUSTOMER_UPDATED: CustomerUpdated,
    EventType.STORED_VALUE_TOPPED_UP: StoredValueToppedUp,
    EventType.STORED_VALUE_PAID: StoredValuePaid,
    EventType.STORED_VALUE_REFUNDED: StoredValueRefunded,
    EventType.VOUCHER_REDEEMED: VoucherRedeemed,
    EventType.VOUCHER_SOLD: VoucherSold,
    EventType.VOUCHER_RESTORED: VoucherRestored,
    EventType.CUSTOMER_CREATED: CustomerCreated,
    EventType.VISIT_RECORDED: VisitRecorded,
    EventType.COLLECTION_RECORDED: CollectionRecorded,
    EventType.ORDER_RETURN_RECORDED: OrderReturnRecorded,
}


class EventEnvelope(_Wire):
    """What travels in the outbox and over the wire: one business event, exactly once."""

    event_id: str = Field(min_length=1, max_length=40)
    """UUIDv7 made on the terminal; central's unique key for idempotency."""
    terminal_id: int
    seq: int = Field(ge=1)
    """Per-terminal sequence number, gap-free, assigned in the same transaction as the event."""
    type: EventType
    occurred_at: datetime
    """The terminal's clock, UTC, as reported."""
    payload: dict[str, Any]
    payload_hash: str = ""
    """sha256 of the canonical payload JSON; a repeat with a different hash is a conflict."""

    def parsed(self, now: datetime | None = None) -> BaseModel:
        """The payload validated against its event type's model (raises pydantic.ValidationError);
        its times must lie in `sync.ranges.time_window(now)` (default: this machine's clock)."""
        return PAYLOAD_TYPES[self.type].model_validate(self.payload, context={"now": now} if now else None)


def canonical_json(payload: dict[str, Any]) -> str:
    """Stable JSON of a payload (sorted keys, no spaces): what the hash is computed over."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_bytes(payload: dict[str, Any]) -> bytes:
    """`canonical_json(payload)` as UTF-8, made by orjson (≈ 8-10× faster on a sale): the one fast
    path both the terminal (hashing what it stores) and central (re-hashing what it receives) use.

    Equal byte for byte for what payloads hold (`model_dump(mode="json")`: str, int, bool, None,
    lists and dicts with str keys; no floats in any payload, money is int fen): both sort keys by
    code point, print no spaces, keep non-ASCII as is and escape the same characters the same way
    (tests/terminal/test_outbox_fast.py). Anything orjson refuses (an int beyond 64 bits, a
    non-str key ...) goes through `canonical_json` itself."""
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_json(payload).encode()


def payload_hash(payload: dict[str, Any]) -> str:
    """sha256 of the canonical payload: a repeat of an event id with another hash is a conflict."""
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()


def make_event(
    *, terminal_id: int, seq: int, payload: BaseModel, occurred_at: datetime | None = None,
    event_id: str | None = None,
) -> EventEnvelope:
    """Wrap a payload model into an envelope with a fresh UUIDv7 and its payload hash."""
    event_type = next(t for t, cls in PAYLOAD_TYPES.items() if isinstance(payload, cls))
    data = payload.model_dump(mode="json")
    return EventEnvelope(
        event_id=event_id or uuid7(), terminal_id=terminal_id, seq=seq, type=event_type,
        occurred_at=occurred_at or utcnow(), payload=data, payload_hash=payload_hash(data),
    )


def _require_utc(v: datetime) -> datetime:
    if v.tzinfo is None or v.utcoffset() is None:
        raise ValueError("time must carry a timezone (UTC)")
    return v.astimezone(UTC)


