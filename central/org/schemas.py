"""Request and response bodies of the organisation API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.api.types import Code, Name, OptLong, OptName, OptShort, RefId, Strict
from central.auth.roles import DeviceKind
from sync.scale_barcode import ScaleLayout

StoreCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12,
                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]

ReceiptLanguage = Literal["zh-CN", "en"]
"""Languages a till prints receipts in (store setting, shipped to the tills with the store's master row)."""

ScalePrefix = Annotated[str, StringConstraints(min_length=2, max_length=11, pattern=r"^[0-9]+$")]
_DEFAULT_SCALE = ScaleLayout()


class ScaleLayoutOut(BaseModel):
    """称重条码格式: where a store's scale labels (EAN-13, prefix 20–29) put the item code (the product's SKU)
    and the value. Omitted fields take the default layout `2P IIIII VVVVV C` (weight in grams);
    `value: "price"` for scales that print the amount in fen (金额码). Checked with
    `sync.scale_barcode.ScaleLayout` (prefix + item + value digits = 12, prefixes within 20–29)."""

    prefixes: list[ScalePrefix] = Field(default_factory=lambda: list(_DEFAULT_SCALE.prefixes), min_length=1,
                                        max_length=100)
    prefix_digits: int = Field(default=_DEFAULT_SCALE.prefix_digits, ge=2, le=10)
    item_digits: int = Field(default=_DEFAULT_SCALE.item_digits, ge=1, le=10)
    value_digits: int = Field(default=_DEFAULT_SCALE.value_digits, ge=1, le=10)
    value: Literal["weight", "price"] = "weight"
    """`weight`: the value is grams; `price`: the value is the amount in fen."""


class ScaleLayoutIn(ScaleLayoutOut):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrganisationIn(Strict):
    name: Name | None = None
    name_en: OptName = None
    tax_id: OptShort = None


class OrganisationOut(Out):
    name: str
    name_en: str | None
    tax_id: str | None


CreditPolicyName = Annotated[str, StringConstraints(pattern="^(hold|block)$")]


class StoreIn(Strict):
    code: StoreCode
    name: Name
    name_en: OptName = None
    address: OptLong = None
    phone: OptShort = None
    rounding_mode: str = Field(default="none", max_length=16)
    receipt_header: OptLong = None
    receipt_footer: OptLong = None
    receipt_language: ReceiptLanguage = "zh-CN"
    scale_layout: ScaleLayoutIn | None = None
    """None: the default scale label layout (weight-embedded)."""
    credit_policy: CreditPolicyName = "hold"
    """An order failing the credit check: `hold` it for approval, or `block` it (`sync.field.CreditPolicy`)."""
    allowed_overdue_days: int = Field(default=0, ge=0, le=365)
    """Receivables overdue up to this many days do not hold an order."""
    chain_returns: bool = False
    void_needs_manager: bool = False
    """删除商品需店长授权 at this store's tills."""
    """跨店退货: the store's tills may take back other stores' receipts (off: refused at the till,
    flagged at central)."""
    warehouse_code: Code | None = None


class StorePatch(Strict):
    code: StoreCode | None = None
    name: Name | None = None
    name_en: OptName = None
    address: OptLong = None
    phone: OptShort = None
    rounding_mode: str | None = Field(default=None, max_length=16)
    receipt_header: OptLong = None
    receipt_footer: OptLong = None
    receipt_language: ReceiptLanguage | None = None
    scale_layout: ScaleLayoutIn | None = None
    """The whole layout (omitted fields take their defaults); null goes back to the default layout."""
    credit_policy: CreditPolicyName | None = None
    allowed_overdue_days: int | None = Field(default=None, ge=0, le=365)
    chain_returns: bool | None = None
    void_needs_manager: bool | None = None
    active: bool | None = None


class StoreOut(Out):
    id: int
    code: str
    name: str
    name_en: str | None
    address: str | None
    phone: str | None
    rounding_mode: str
    receipt_header: str | None
    receipt_footer: str | None
    receipt_language: str
    scale_layout: ScaleLayoutOut | None
    """None: the default layout (weight-embedded, prefixes 20–29, 2 + 5 + 5 digits)."""
    credit_policy: str
    allowed_overdue_days: int
    chain_returns: bool
    void_needs_manager: bool
    """跨店退货 allowed at this store's tills."""
    active: bool


class WarehouseIn(Strict):
    code: Code
    name: Name
    store_id: RefId | None = None


class WarehousePatch(Strict):
    name: Name | None = None
    active: bool | None = None


class WarehouseOut(Out):
    id: int
    code: str
    name: str
    store_id: int | None
    active: bool


class TerminalOut(Out):
    id: int
    code: str
    store_id: int
    kind: str
    rep_user_id: int | None
    name: str | None
    enrolled_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


class RevokeIn(Strict):
    reason: OptLong = None


class EnrolmentCodeIn(Strict):
    store_id: RefId
    kind: DeviceKind = DeviceKind.POS
    rep_user_id: RefId | None = None
    ttl_hours: int = Field(default=24, ge=1, le=720)


class EnrolmentCodeOut(BaseModel):
    code: str
    store_id: int
    kind: str
    rep_user_id: int | None
    expires_at: datetime


EnrolmentNonce = Annotated[str, StringConstraints(min_length=22, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
"""At least 128 random bits, URL-safe base64 (the terminal makes it with `secrets.token_urlsafe(32)`)."""


class EnrollIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    name: OptName = None
    """A name for the device (e.g. 1号收银台)."""
    nonce: EnrolmentNonce | None = None
    """Random, made by the terminal and kept until it has stored its credential. Sending the same code
    with the same nonce again before the code expires (the answer was lost) enrols the same terminal
    again with a new secret; without a nonce the code is strictly single-use."""


class EnrollOut(BaseModel):
    terminal_id: int
    terminal_code: str
    secret: str
    credential: str
    """Send as `Authorization: Device <credential>`; shown once, never again."""
    store_id: int
    store_code: str
    store_name: str
    kind: str
    rep_id: int | None
