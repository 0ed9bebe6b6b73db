"""Member points (积分): earning by level, redemption as a discount, caps per sale, ledger entries.

Earning: floor(paid yuan × the level's points_per_yuan), where "paid" is the sum of the line
amounts after every discount AND after the points-paid share, and before 抹零. So no point is
ever earned on the rounding difference or on the value paid with points. Points are whole and
always rounded down.

Redemption: `redeem_points_per_yuan` points are worth ¥1 (100 → 1 point = 1 fen). A sale may use
at most `max_redeem_points_per_sale` points and at most `max_redeem_percent_bp` of the amount due
before points. The value is an order-level discount allocated to the lines (largest remainder).

A balance is never a stored number alone: it is the sum of ledger entries (`PointsEntry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sync.catalog import require_utc, time_from_wire, time_to_wire
from sync.errors import PricingError
from sync.money import Rounding, div_round


@dataclass(frozen=True, slots=True)
class PointsPolicy:
    """The points rules of the business (one per tenant; shipped with master data)."""

    redeem_points_per_yuan: int = 100
    """How many points pay ¥1."""
    max_redeem_points_per_sale: int | None = None
    max_redeem_percent_bp: int = 10000
    """At most this share of the amount due (before points) may be paid with points (5000 = half)."""
    max_earn_per_sale: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.redeem_points_per_yuan, bool) or not isinstance(self.redeem_points_per_yuan, int) \
                or self.redeem_points_per_yuan < 1:
            raise PricingError("积分兑换比例必须是正整数", "redeem_points_per_yuan must be a positive integer",
                               code="invalid_points_policy")
        if not 0 <= self.max_redeem_percent_bp <= 10000:
            raise PricingError("积分抵扣比例必须在 0–10000 基点之间", "max_redeem_percent_bp must be 0–10000",
                               code="invalid_points_policy")
        for v in (self.max_redeem_points_per_sale, self.max_earn_per_sale):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise PricingError("积分上限必须是非负整数", "points caps must be non-negative integers",
                                   code="invalid_points_policy")

    def value_fen(self, points: int) -> int:
        """The value of `points` in fen; PricingError when they do not convert to whole fen."""
        if (points * 100) % self.redeem_points_per_yuan:
            step = self.redeem_points_per_yuan // _gcd(self.redeem_points_per_yuan, 100)
            raise PricingError(f"抵扣积分必须是 {step} 的倍数", f"points to redeem must be a multiple of {step}",
                               code="points_not_whole_fen", field="redeem_points")
        return points * 100 // self.redeem_points_per_yuan

    def points_for_fen(self, fen: int) -> int:
        """The most points whose value is at most `fen` and converts to whole fen."""
        step = self.redeem_points_per_yuan // _gcd(self.redeem_points_per_yuan, 100)
        pts = div_round(fen * self.redeem_points_per_yuan, 100, Rounding.DOWN)
        return pts - pts % step

    def max_redeemable(self, *, due_fen: int, balance: int) -> int:
        """The most points this sale can take: balance, per-sale cap and percentage cap together."""
        cap_fen = div_round(due_fen * self.max_redeem_percent_bp, 10000, Rounding.DOWN)
        pts = min(balance, self.points_for_fen(cap_fen))
        if self.max_redeem_points_per_sale is not None:
            pts = min(pts, self.max_redeem_points_per_sale)
        return max(0, pts)

    def to_dict(self) -> dict[str, Any]:
        return {"redeem_points_per_yuan": self.redeem_points_per_yuan,
                "max_redeem_points_per_sale": self.max_redeem_points_per_sale,
                "max_redeem_percent_bp": self.max_redeem_percent_bp,
                "max_earn_per_sale": self.max_earn_per_sale}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PointsPolicy:
        return cls(redeem_points_per_yuan=int(d.get("redeem_points_per_yuan", 100)),
                   max_redeem_points_per_sale=d.get("max_redeem_points_per_sale"),
                   max_redeem_percent_bp=int(d.get("max_redeem_percent_bp", 10000)),
                   max_earn_per_sale=d.get("max_earn_per_sale"))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def earn_points(paid_fen: int, earn_milli: int, cap: int | None = None) -> int:
    """Points for `paid_fen` at `earn_milli` thousandths of a point per yuan; floored; capped."""
    if paid_fen <= 0 or earn_milli <= 0:
        return 0
    pts = div_round(paid_fen * earn_milli, 100 * 1000, Rounding.DOWN)
    return pts if cap is None else min(pts, cap)


def sale_points_earned(due_fen: int, earn_milli: int | None, policy: PointsPolicy) -> int:
    """The points a sale earns: `earn_points` on what is due in money before 抹零 (Σ line amounts,
    after every discount and the points-paid share) at the member level's rate, capped by the
    policy. No level (None), no points. `price_cart` at the till and central's check of a pushed
    sale both call this, so they can never disagree."""
    if earn_milli is None:
        return 0
    return earn_points(due_fen, earn_milli, policy.max_earn_per_sale)


def points_for_value(value_fen: int, policy: PointsPolicy) -> int:
    """The points whose value is `value_fen` (the inverse of `PointsPolicy.value_fen`), rounded up
    when the value is not a whole number of points: what paying `value_fen` with points costs."""
    if value_fen <= 0:
        return 0
    return -div_round(-value_fen * policy.redeem_points_per_yuan, 100, Rounding.DOWN)  # rounded up


class PointsEntryKind(StrEnum):
    EARN = "earn"
    """Earned on a sale (+)."""
    REDEEM = "redeem"
    """Used to pay part of a sale (−)."""
    REVERSE = "reverse"
    """Earned points taken back by a return (−)."""
    REFUND = "refund"
    """Redeemed points given back by a return (+)."""
    ADJUST = "adjust"
    """Manual correction by head office (±), with a reason."""


@dataclass(frozen=True, slots=True)
class PointsEntry:
    """One line of a member's points ledger; the balance is the sum of `points` over entries."""

    member_id: str
    kind: PointsEntryKind
    points: int
    """Signed: + for earn/refund, − for redeem/reverse."""
    source_id: str
    """The sale or return id (or an adjustment id) the entry belongs to; with kind, unique."""
    occurred_at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PointsEntryKind(self.kind))
        object.__setattr__(self, "occurred_at", require_utc(self.occurred_at, what="occurred_at"))
        positive = self.kind in (PointsEntryKind.EARN, PointsEntryKind.REFUND)
        negative = self.kind in (PointsEntryKind.REDEEM, PointsEntryKind.REVERSE)
        if (positive and self.points <= 0) or (negative and self.points >= 0) or self.points == 0:
            raise PricingError(f"积分流水符号错误：{self.kind.value} {self.points}",
                               f"points entry sign does not match its kind: {self.kind.value} {self.points}",
                               code="points_entry_sign")

    def to_dict(self) -> dict[str, Any]:
        return {"member_id": self.member_id, "kind": self.kind.value, "points": self.points,
                "source_id": self.source_id, "occurred_at": time_to_wire(self.occurred_at), "note": self.note}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PointsEntry:
        at = time_from_wire(d["occurred_at"], what="occurred_at")
        assert at is not None
        return cls(member_id=d["member_id"], kind=PointsEntryKind(d["kind"]), points=int(d["points"]),
                   source_id=d["source_id"], occurred_at=at, note=d.get("note", ""))


def sale_points_entries(*, member_id: str, sale_id: str, occurred_at: datetime, points_earned: int,
                        points_redeemed: int) -> list[PointsEntry]:
    """The ledger entries a completed sale makes: redeem (−) first, then earn (+); zero ones omitted."""
    out: list[PointsEntry] = []
    if points_redeemed:
        out.append(PointsEntry(member_id, PointsEntryKind.REDEEM, -points_redeemed, sale_id, occurred_at))
    if points_earned:
        out.append(PointsEntry(member_id, PointsEntryKind.EARN, points_earned, sale_id, occurred_at))
    return out
