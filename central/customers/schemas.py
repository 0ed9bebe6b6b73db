"""Request and response models of the customers API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.api.types import Code, Fen, Name, OptLong, RefId, Strict, text
from sync.phones import ContactPhone

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class ContactIn(Strict):
    name: text(50)  # type: ignore[valid-type]
    phone: ContactPhone | None = None
    role: text(20) | None = None  # type: ignore[valid-type]


CustomerTypeCode = Annotated[str, StringConstraints(pattern="^(direct|consignment|hq_branch|delivery_only)$")]


class CustomerIn(Strict):
    code: Code
    name: Name
    contact_name: text(50) | None = None  # type: ignore[valid-type]
    contact_phone: ContactPhone | None = None
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
    customer_type: CustomerTypeCode = "direct"
    parent_id: RefId | None = None
    discount_bp: int = Field(default=0, ge=0, le=9999, description="discount on group prices, 300 = 3% (97折)")
    contacts: list[ContactIn] = Field(default_factory=list, max_length=10)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class CustomerPatch(Strict):
    code: Code | None = None
    name: Name | None = None
    contact_name: text(50) | None = None  # type: ignore[valid-type]
    contact_phone: ContactPhone | None = None
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
    customer_type: CustomerTypeCode | None = None
    status: Annotated[str, StringConstraints(pattern="^(active|pending)$")] | None = None
    parent_id: RefId | None = None
    discount_bp: int | None = Field(default=None, ge=0, le=9999)
    contacts: list[ContactIn] | None = Field(default=None, max_length=10)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


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
    customer_type: str
    status: str
    client_id: str | None
    parent_id: int | None
    discount_bp: int
    contacts: list[dict[str, str | None]]
    latitude: float | None
    longitude: float | None
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
