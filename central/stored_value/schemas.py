"""Request and response models of the stored-value API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from central.api.types import Fen, Name, RefId, Strict, UtcDatetime, text

StoreIds = Annotated[list[RefId], Field(max_length=500, description="stores the rule applies at; [] = every store")]


class RuleIn(Strict):
    name: Name
    min_topup_fen: Fen = Field(gt=0, description="top up at least this much (fen)")
    bonus_fen: Fen = 0
    bonus_bp: int = Field(default=0, ge=0, le=10000, description="bonus as basis points of the amount (1000 = 10%)")
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    store_ids: StoreIds = []
    active: bool = True


class RulePatch(Strict):
    name: Name | None = None
    min_topup_fen: Fen | None = Field(default=None, gt=0)
    bonus_fen: Fen | None = None
    bonus_bp: int | None = Field(default=None, ge=0, le=10000)
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    store_ids: StoreIds | None = None
    active: bool | None = None


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    min_topup_fen: int
    bonus_fen: int
    bonus_bp: int
    valid_from: datetime | None
    valid_to: datetime | None
    store_ids: list[int]
    active: bool


class BonusQuoteOut(BaseModel):
    amount_fen: int
    bonus_fen: int
    rule_id: int | None
    rule_name: str | None


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    amount_fen: int
    balance_after: int
    overdrawn: bool
    source_type: str
    source_id: str
    receipt_no: str | None
    store_id: int | None
    terminal_id: int | None
    occurred_at: datetime
    recorded_at: datetime
    note: str | None


class BalanceOut(BaseModel):
    member_id: str
    card_no: str
    name: str | None
    balance_fen: int
    movements: list[MovementOut]
    """The latest movements, newest first."""


class AdjustIn(Strict):
    amount_fen: int = Field(ge=-500_000, le=500_000, description="signed: + adds, − takes away")
    note: text(200) = Field(description="why (required: it is the record)")  # type: ignore[valid-type]
    store_id: RefId | None = None
