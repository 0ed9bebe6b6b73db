"""Proof that on-hand agrees with the ledger: for every warehouse and product, on-hand = Σ movements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.inventory.models import StockMovement, StockOnHand


@dataclass(frozen=True)
class Mismatch:
    warehouse_id: int
    product_id: int
    on_hand_m: int
    ledger_m: int


@dataclass(frozen=True)
class StockCheck:
    """The result of one check: how much was compared and what disagreed."""

    pairs: int
    movements: int
    negative: int
    mismatches: list[Mismatch]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def check_stock(session: Session) -> StockCheck:
    """Compare every on-hand row with the sum of its ledger rows (both directions)."""
    ledger = {
        (w, p): (int(total), int(n))
        for w, p, total, n in session.execute(
            select(StockMovement.warehouse_id, StockMovement.product_id,
                   func.sum(StockMovement.qty_m), func.count())
            .group_by(StockMovement.warehouse_id, StockMovement.product_id))
    }
    hand = {(w, p): int(q) for w, p, q in session.execute(
        select(StockOnHand.warehouse_id, StockOnHand.product_id, StockOnHand.qty_m))}
    mismatches = []
    for key in sorted(set(ledger) | set(hand)):
        ledger_m = ledger.get(key, (0, 0))[0]
        hand_m = hand.get(key, 0)
        if ledger_m != hand_m:
            mismatches.append(Mismatch(key[0], key[1], hand_m, ledger_m))
    return StockCheck(
        pairs=len(set(ledger) | set(hand)), movements=sum(n for _, n in ledger.values()),
        negative=sum(1 for q in hand.values() if q < 0), mismatches=mismatches)
