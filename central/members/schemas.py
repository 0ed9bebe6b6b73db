"""Request and response models of the members API (kept apart from the tables)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.api.types import OptLong, RefId, Strict, text
from sync.phones import MemberPhone

CardNo = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[0-9A-Za-z-]+$")]
Level = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class MemberIn(Strict):
    card_no: CardNo
    phone: MemberPhone | None = None
    name: text(100) | None = None  # type: ignore[valid-type]
    birthday: date | None = None
    level: Level = "normal"
    home_store_id: RefId | None = None


class MemberPatch(Strict):
    card_no: CardNo | None = None
    phone: MemberPhone | None = None
    name: text(100) | None = None  # type: ignore[valid-type]
    birthday: date | None = None
    level: Level | None = None
    active: bool | None = None


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    card_no: str
    phone: str | None
    name: str | None
    birthday: date | None
    level: str
    home_store_id: int | None
    points_balance: int
    duplicate_phone: bool
    active: bool
    created_at: datetime


class PointsAdjustIn(Strict):
    points: int = Field(ge=-10_000_000, le=10_000_000, description="signed: + adds, − takes away")
    note: OptLong = None


class PointsEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    points: int
    balance_after: int
    overdrawn: bool
    source_type: str
    source_id: str
    store_id: int | None
    occurred_at: datetime
    recorded_at: datetime
    note: str | None
