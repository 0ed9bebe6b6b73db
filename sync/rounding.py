"""抹零: rounding the amount due to the jiao or the yuan, down or half-up, kept as its own figure.

The difference (`rounding_fen` = rounded − exact) is recorded on the sale, never spread over the
lines: line amounts stay exact for returns, tax and margins.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sync.errors import PricingError
from sync.money import Rounding, div_round


class RoundingUnit(StrEnum):
    NONE = "none"
    """No rounding: pay to the fen."""
    JIAO = "jiao"
    """To the 角 (10 fen)."""
    YUAN = "yuan"
    """To the 元 (100 fen)."""


_STEP = {RoundingUnit.NONE: 1, RoundingUnit.JIAO: 10, RoundingUnit.YUAN: 100}


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    """A store's 抹零 setting."""

    unit: RoundingUnit = RoundingUnit.NONE
    mode: Rounding = Rounding.DOWN

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "unit", RoundingUnit(self.unit))
            object.__setattr__(self, "mode", Rounding(self.mode))
        except ValueError:
            raise PricingError(f"无效的抹零设置：{self.unit}/{self.mode}",
                               f"invalid rounding setting: {self.unit}/{self.mode}",
                               code="invalid_rounding") from None

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit.value, "mode": self.mode.value}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RoundingPolicy:
        return cls(unit=RoundingUnit(d.get("unit", "none")), mode=Rounding(d.get("mode", "down")))


def round_due(amount_fen: int, policy: RoundingPolicy) -> int:
    """The rounding difference for an amount due (rounded − exact): ≤ 0 when rounding down.

    An amount smaller than one step is never rounded to zero when rounding down (a ¥0.05 sale
    stays ¥0.05): a sale is not given away by 抹零.
    """
    step = _STEP[policy.unit]
    if step == 1 or amount_fen <= 0:
        return 0
    rounded = div_round(amount_fen, step, policy.mode) * step
    if rounded == 0:
        return 0
    return rounded - amount_fen
