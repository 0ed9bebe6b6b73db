"""Largest-remainder allocation: split an order-level amount over lines so the parts sum exactly.

Returns and margin reports need each line's share of a 满减, a whole-order discount or a points
payment; rounding each share separately would lose or invent fen. Here every line first gets the
floor of its exact share, then the fen left over go one each to the lines with the largest
remainders (ties: the larger weight, then the earlier line). No share exceeds its line's weight
when the amount does not exceed the total weight, so no line goes negative.
"""

from __future__ import annotations

from collections.abc import Sequence

from sync.errors import PricingError


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` (fen, ≥ 0) in proportion to `weights` (≥ 0); the parts sum exactly to `amount`."""
    if amount < 0 or (weights and min(weights) < 0):
        raise PricingError("分摊金额和权重不能为负", "allocation amount and weights must not be negative",
                           code="allocation_negative")
    total = sum(weights)
    if amount == 0:
        return [0] * len(weights)
    if amount > total:
        raise PricingError(f"分摊金额 {amount} 分超过可分摊金额 {total} 分",
                           f"cannot allocate {amount} fen over lines worth {total} fen",
                           code="allocation_exceeds_total")
    shares = [amount * w // total for w in weights]  # the floor of each exact share
    left = amount - sum(shares)
    if left:
        # remainder amount × w mod total, largest first; ties: larger weight, then earlier line
        ranked = sorted((-(amount * w % total), -w, i) for i, w in enumerate(weights))
        for _, _, i in ranked[:left]:
            shares[i] += 1
    return shares
