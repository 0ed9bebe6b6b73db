"""Request and response bodies of the pricing API. Times must carry a time zone (stored UTC)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.api.types import Code, Fen, Name, RefId, Strict, UtcDatetime
from central.catalog.schemas import ShortName, UnitCode
from sync.catalog import PriceListScope
from sync.promotions import PromotionKind

PromoCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32,
                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Priority = Annotated[int, Field(ge=-1000, le=1000)]
Qty = Annotated[int, Field(ge=1, le=100000)]
IdList = Annotated[list[RefId], Field(max_length=5000)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CustomerGroupIn(Strict):
    code: Code
    name: ShortName


class CustomerGroupPatch(Strict):
    code: Code | None = None
    name: ShortName | None = None


class CustomerGroupOut(Out):
    id: int
    code: str
    name: str


class MemberLevelIn(Strict):
    code: Code
    name: ShortName
    points_per_yuan: Decimal = Field(default=Decimal(1), ge=0, le=1000, max_digits=6, decimal_places=3)
    percent_off_bp: int = Field(default=0, ge=0, le=9999)
    sort_order: int = Field(default=0, ge=-1000, le=1000)


class MemberLevelPatch(Strict):
    name: ShortName | None = None
    points_per_yuan: Decimal | None = Field(default=None, ge=0, le=1000, max_digits=6, decimal_places=3)
    percent_off_bp: int | None = Field(default=None, ge=0, le=9999)
    sort_order: int | None = Field(default=None, ge=-1000, le=1000)


class MemberLevelOut(Out):
    id: int
    code: str
    name: str
    points_per_yuan: Decimal
    percent_off_bp: int
    sort_order: int


class PriceListItemIn(Strict):
    product_id: RefId
    unit_code: UnitCode
    price_fen: Fen


class PriceListIn(Strict):
    code: Code
    name: Name
    scope: PriceListScope
    target_id: RefId
    """The customer group id or the customer id, by scope."""
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    priority: Priority = 0
    active: bool = True
    items: list[PriceListItemIn] = Field(default_factory=list, max_length=20000)


class PriceListPatch(Strict):
    code: Code | None = None
    name: Name | None = None
    scope: PriceListScope | None = None
    target_id: RefId | None = None
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    priority: Priority | None = None
    active: bool | None = None
    items: list[PriceListItemIn] | None = Field(default=None, max_length=20000)


class PriceListItemOut(Out):
    product_id: int
    unit_code: str
    price_fen: int


class PriceListOut(Out):
    id: int
    code: str
    name: str
    scope: str
    target_id: int
    valid_from: datetime | None
    valid_to: datetime | None
    priority: int
    active: bool
    items: list[PriceListItemOut]


class PriceListSummary(Out):
    id: int
    code: str
    name: str
    scope: str
    target_id: int
    valid_from: datetime | None
    valid_to: datetime | None
    priority: int
    active: bool


class MemberPriceIn(Strict):
    level_code: Code
    product_id: RefId
    unit_code: UnitCode
    price_fen: Fen
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None


class MemberPriceOut(Out):
    id: int
    level_code: str
    product_id: int
    unit_code: str
    price_fen: int
    valid_from: datetime | None
    valid_to: datetime | None


class _PromotionFields(Strict):
    name: Name | None = None
    kind: PromotionKind | None = None
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
    store_ids: IdList | None = None
    """Stores where it runs; empty = every store."""
    product_ids: IdList | None = None
    category_ids: IdList | None = None
    member_only: bool | None = None
    exclusive: bool | None = None
    priority: Priority | None = None
    repeat: bool | None = None
    special_price_fen: Fen | None = None
    amount_off_fen: Fen | None = None
    unit_code: UnitCode | None = None
    percent_off_bp: int | None = Field(default=None, ge=0, le=10000)
    buy_qty: Qty | None = None
    free_qty: Qty | None = None
    gift_product_id: RefId | None = None
    gift_unit_code: UnitCode | None = None
    gift_qty: Qty | None = None
    threshold_fen: Fen | None = None
    max_repeats: Qty | None = None

    def wire(self, *, exclude_unset: bool) -> dict[str, Any]:
        """The `sync.promotions` dict form of the fields given (JSON types, times ISO-8601)."""
        return self.model_dump(mode="json", exclude_unset=exclude_unset, exclude={"code", "active"},
                               exclude_none=not exclude_unset)


class PromotionIn(_PromotionFields):
    """A promotion in the `sync.promotions` wire form (without id), plus a code and the active flag."""

    code: PromoCode
    name: Name
    kind: PromotionKind
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    active: bool = True


class PromotionPatch(_PromotionFields):
    """Changed fields; null removes an optional parameter. The result is validated as a whole."""

    code: PromoCode | None = None
    active: bool | None = None


class PromotionOut(BaseModel):
    id: int
    code: str
    active: bool
    name: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    store_ids: list[int]
    product_ids: list[int]
    category_ids: list[int]
    member_only: bool
    exclusive: bool
    priority: int
    repeat: bool
    special_price_fen: int | None = None
    amount_off_fen: int | None = None
    unit_code: str | None = None
    percent_off_bp: int | None = None
    buy_qty: int | None = None
    free_qty: int | None = None
    gift_product_id: int | None = None
    gift_unit_code: str | None = None
    gift_qty: int | None = None
    threshold_fen: int | None = None
    max_repeats: int | None = None


class QuoteLineIn(Strict):
    product_id: RefId
    unit_code: UnitCode
    qty: Decimal = Field(gt=0, le=100000, max_digits=9, decimal_places=3)


class QuoteIn(Strict):
    store_id: RefId
    at: UtcDatetime | None = None
    """When the sale happens (default: now); decides which prices and promotions are in force."""
    member_level: Code | None = None
    order_discount_fen: Fen = 0
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=200)


class QuoteLine(BaseModel):
    line_no: int
    product_id: int
    sku: str
    name: str
    unit_code: str
    unit_factor: int
    qty: Decimal
    unit_price_fen: int
    price_source: str
    list_amount_fen: int
    line_discount_fen: int
    order_discount_fen: int
    amount_fen: int
    tax_rate_bp: int
    tax_fen: int
    promotion_ids: list[int]
    is_gift: bool


class AppliedPromotionOut(BaseModel):
    promotion_id: int
    name: str
    kind: str
    discount_fen: int


class QuoteOut(BaseModel):
    lines: list[QuoteLine]
    subtotal_fen: int
    discount_fen: int
    rounding_fen: int
    total_fen: int
    tax_fen: int
    points_earned: int
    promotion_ids: list[int]
    applied: list[AppliedPromotionOut]
