"""Request and response models of the customers API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.api.types import Code, Fen, Name, OptLong, RefId, Strict, text

Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=20, pattern=r"^\+?[0-9-]+$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class CustomerIn(Strict):
    code: Code
    name: Name
    contact_name: text(50) | None = None  # type: ignore[valid-type]
    contact_phone: Phone | None = None
    address: OptLong = None
    region: text(50) | None = None  # type: ignore[valid-type]
    industry: text(50) | None = None  # type: ignore[valid-type]
    source: text(50) | None = None  # type: ignore[valid-type]
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    rep_id: RefId | None = None
    group_id: RefId | None = None
    price_list_id: RefId | None = None
    credit_limit_fen: Fen = 0
    credit_days: int = Field(default=0, ge=0, le=365)
    notes: text(2000) | None = None  # type: ignore[valid-type]


class CustomerPatch(Strict):
    code: Code | None = None
    name: Name | None = None
    contact_name: text(50) | None = None  # type: ignore[valid-type]
    contact_phone: Phone | None = None
    address: OptLong = None
    region: text(50) | None = None  # type: ignore[valid-type]
    industry: text(50) | None = None  # type: ignore[valid-type]
    source: text(50) | None = None  # type: ignore[valid-type]
    tags: list[Tag] | None = Field(default=None, max_length=20)
    rep_id: RefId | None = None
    group_id: RefId | None = None
    price_list_id: RefId | None = None
    credit_limit_fen: Fen | None = None
    credit_days: int | None = Field(default=None, ge=0, le=365)
    notes: text(2000) | None = None  # type: ignore[valid-type]
    active: bool | None = None


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CustomerOut(Out):
    id: int
    code: str
    name: str
    contact_name: str | None
    contact_phone: str | None
    address: str | None
    region: str | None
    industry: str | None
    source: str | None
    tags: list[str]
    rep_id: int | None
    group_id: int | None
    price_list_id: int | None
    credit_limit_fen: int
    credit_days: int
    notes: str | None
    active: bool
    updated_at: datetime


class FieldChangeOut(Out):
    id: int
    field: str
    old_value: str | None
    new_value: str | None
    user_id: int | None
    terminal_id: int | None
    source: str
    edited_at: datetime
    recorded_at: datetime


class VisitNoteOut(Out):
    id: str
    customer_id: int
    rep_id: int
    visited_at: datetime
    received_at: datetime
    text: str


class FieldOrderLineOut(Out):
    line_no: int
    product_id: int
    sku: str
    unit_code: str
    unit_factor: int
    qty_m: int = Field(description="quantity of the unit in thousandths (5 boxes = 5000)")
    unit_price_fen: int
    amount_fen: int


class FieldOrderOut(Out):
    id: str
    order_no: str
    customer_id: int
    rep_id: int
    ordered_at: datetime
    received_at: datetime
    total_fen: int
    on_credit: bool
    status: str
    fulfilled_at: datetime | None
    warehouse_id: int | None
    note: str | None


class FieldOrderDetail(FieldOrderOut):
    lines: list[FieldOrderLineOut]


class FulfilIn(Strict):
    warehouse_id: RefId


class FulfilOut(BaseModel):
    order: FieldOrderOut
    negative_stock: list[dict[str, int]]
