"""Request and response models of the vouchers API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.api.types import Fen, Name, OptLong, RefId, Strict, UtcDatetime, text

BatchCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32,
                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
VoucherCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=32,
                                               pattern=r"^[A-Za-z0-9-]+$")]
StoreIds = Annotated[list[RefId], Field(max_length=500, description="stores where usable; [] = every store")]


class BatchIn(Strict):
    code: BatchCode
    name: Name
    kind: Literal["value", "percent", "goods"] = Field(description="value 代金券, percent 折扣券, goods 提货券")
    value_fen: Fen = 0
    percent_off_bp: int = Field(default=0, ge=0, le=10000, description="1000 = 10% off")
    max_off_fen: Fen | None = None
    min_spend_fen: Fen = 0
    product_id: RefId | None = None
    unit_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)] | None = None
    qty: int = Field(default=1, ge=1, le=1000)
    sale_price_fen: Fen | None = Field(default=None, description="set for vouchers sold at the till (代金券销售)")
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    store_ids: StoreIds = []
    note: OptLong = None


class BatchPatch(Strict):
    name: Name | None = None
    min_spend_fen: Fen | None = None
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    store_ids: StoreIds | None = None
    active: bool | None = None
    note: OptLong = None


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: str
    value_fen: int
    percent_off_bp: int
    max_off_fen: int | None
    min_spend_fen: int
    product_id: int | None
    unit_code: str | None
    qty: int
    sale_price_fen: int | None
    valid_from: datetime | None
    valid_to: datetime | None
    store_ids: list[int]
    active: bool
    issued_count: int
    note: str | None
    created_at: datetime


class IssueIn(Strict):
    count: int = Field(default=1, ge=1, le=10_000)
    member_id: Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")] | None = None
    code: VoucherCode | None = Field(default=None, description="issue one voucher with this code (else random codes)")


class IssueOut(BaseModel):
    batch_id: int
    count: int
    codes: list[str]


class VoucherOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    batch_id: int
    status: str
    member_id: str | None
    issued_at: datetime
    sold_at: datetime | None
    sold_store_id: int | None
    redeemed_at: datetime | None
    redeemed_receipt_no: str | None
    redeemed_store_id: int | None
    uses: int
    void_reason: str | None


class RedemptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sale_id: str
    receipt_no: str
    store_id: int
    terminal_id: int
    amount_fen: int
    redeemed_at: datetime
    received_at: datetime
    counted: bool
    flag_kind: str | None
    restored_at: datetime | None


class VoucherDetailOut(BaseModel):
    voucher: VoucherOut
    batch: BatchOut
    redemptions: list[RedemptionOut]


class VoidIn(Strict):
    reason: text(200) = Field(description="why (required)")  # type: ignore[valid-type]
