"""Stored value (储值卡): the top-up bonus rule both ends compute, and the limits of a balance.

Head office sets bonus rules (充值赠送: "top up ¥500, get ¥50"; "top up ¥1,000, get 12%"); the till
applies the one that gives the member the most for the amount topped up, offline, from the
rules it pulled; central computes the same with `bonus_for` from the rules it knows at the
top-up's time and credits that, flagging a till that claimed another bonus.

The balance is a ledger at central (top-ups, bonuses, payments, refunds, adjustments). A till
lets a member pay up to the balance it knows (central's, plus its own movements central has not
acknowledged yet); two stores spending the same balance offline overdraw it, which central
applies and flags, as with points.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sync.money import Rounding, div_round

MAX_BALANCE_FEN: Final = 500_000
"""¥5,000: the most a named (记名) single-purpose prepaid card may hold (单用途商业预付卡管理办法);
a top-up that would take the balance (with its bonus) past it is refused at the till."""

MAX_TOPUP_FEN: Final = MAX_BALANCE_FEN
"""A single top-up is at most that too."""

Fen = Annotated[int, Field(ge=0, le=10**12)]


class BonusRule(BaseModel):
    """A top-up bonus rule (充值赠送) as head office set it; the wire form tills pull (entity
    `stored_value_rule`). A rule gives `bonus_fen` plus `bonus_bp` basis points of the amount for a
    top-up of at least `min_topup_fen`, in its validity window, at its stores (none = every store)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    name: str = Field(max_length=100)
    min_topup_fen: Fen = Field(gt=0)
    bonus_fen: Fen = 0
    bonus_bp: int = Field(default=0, ge=0, le=10000)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    store_ids: tuple[int, ...] = ()

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("time must carry a timezone (UTC)")
        return value

    @model_validator(mode="after")
    def _sane(self) -> BonusRule:
        if self.bonus_fen == 0 and self.bonus_bp == 0:
            raise ValueError("a bonus rule must give something (bonus_fen or bonus_bp)")
        if self.valid_from is not None and self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def applies(self, *, amount_fen: int, at: datetime, store_id: int) -> bool:
        return (amount_fen >= self.min_topup_fen
                and (self.valid_from is None or self.valid_from <= at)
                and (self.valid_to is None or at < self.valid_to)
                and (not self.store_ids or store_id in self.store_ids))

    def bonus(self, amount_fen: int) -> int:
        """The bonus this rule gives for `amount_fen` (the percentage rounded down: never more)."""
        return self.bonus_fen + div_round(amount_fen * self.bonus_bp, 10000, Rounding.DOWN)


def bonus_for(amount_fen: int, rules: Iterable[BonusRule], *, at: datetime,
              store_id: int) -> tuple[int, BonusRule | None]:
    """The bonus a top-up of `amount_fen` at `store_id` at `at` earns, and the rule that gives it:
    of the rules that apply, the one with the largest bonus (tiers never add up: "充500送50" and
    "充1000送120" give ¥120 for ¥1,000, not ¥170); a tie goes to the lower rule id."""
    best: tuple[int, BonusRule | None] = (0, None)
    for rule in sorted(rules, key=lambda r: r.id):
        if rule.applies(amount_fen=amount_fen, at=at, store_id=store_id):
            value = rule.bonus(amount_fen)
            if value > best[0]:
                best = (value, rule)
    return best


def topup_refusal(*, balance_fen: int, amount_fen: int, bonus_fen: int) -> tuple[str, str] | None:
    """Why a top-up may not be taken (zh, en), or None: a positive amount, at most `MAX_TOPUP_FEN`,
    and the balance after it (bonus included) at most `MAX_BALANCE_FEN`."""
    if amount_fen <= 0:
        return "充值金额必须大于零", "the top-up must be more than zero"
    if amount_fen > MAX_TOPUP_FEN:
        return (f"单次充值不能超过 ¥{MAX_TOPUP_FEN // 100:,}", f"a top-up is at most ¥{MAX_TOPUP_FEN // 100:,}")
    if balance_fen + amount_fen + bonus_fen > MAX_BALANCE_FEN:
        return (f"充值后余额将超过记名储值卡上限 ¥{MAX_BALANCE_FEN // 100:,}",
                f"the balance would exceed the ¥{MAX_BALANCE_FEN // 100:,} limit of a named prepaid card")
    return None
