"""Proof that on-hand agrees with the ledger: for every warehouse and product, on-hand = Σ movements
and value on hand = Σ movement values (fen); for every batch, what is left = Σ its movements; and
that every reference the high-volume rows hold without a FOREIGN KEY (central/references.py)
points at a row that exists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from central.inventory.models import StockBatch, StockMovement, StockOnHand

UNCHECKED_REFERENCES = (
    ("stock_movements", "warehouse_id", "warehouses"), ("stock_movements", "product_id", "products"),
    ("stock_movements", "user_id", "users"), ("sale_lines", "product_id", "products"),
    ("sales", "store_id", "stores"), ("sales", "terminal_id", "terminals"),
    ("sales", "warehouse_id", "warehouses"), ("sales", "cashier_id", "users"),
    ("sale_lines", "sale_id", "sales"), ("sale_payments", "sale_id", "sales"),
)
"""(table, column, referred table) of the references with no FOREIGN KEY (central/sales/models.py)."""


@dataclass(frozen=True)
class Mismatch:
    warehouse_id: int
    product_id: int
    on_hand_m: int
    ledger_m: int
    on_hand_value_fen: int = 0
    ledger_value_fen: int = 0
    batch_no: str | None = None
    """Set when it is a batch's quantity that disagrees."""


@dataclass(frozen=True)
class StockCheck:
    """The result of one check: how much was compared and what disagreed."""

    pairs: int
    movements: int
    negative: int
    mismatches: list[Mismatch]
    dangling: dict[str, int]
    """"table.column" → rows whose reference points at nothing (only those with any)."""

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.dangling


def dangling_references(session: Session) -> dict[str, int]:
    """Rows of `UNCHECKED_REFERENCES` whose id is in no row of the referred table."""
    found: dict[str, int] = {}
    for name, col, referred in UNCHECKED_REFERENCES:
        rows, master = table(name, column(col)), table(referred, column("id"))
        count = session.scalar(select(func.count()).select_from(rows).where(
            rows.c[col].is_not(None), ~select(master.c.id).where(master.c.id == rows.c[col]).exists()))
        if count:
            found[f"{name}.{col}"] = int(count)
    return found


def check_stock(session: Session) -> StockCheck:
    """Compare every on-hand row with the sum of its ledger rows (both directions)."""
    ledger = {
        (w, p): (int(total), int(n), int(value or 0))
        for w, p, total, n, value in session.execute(
            select(StockMovement.warehouse_id, StockMovement.product_id,
                   func.sum(StockMovement.qty_m), func.count(), func.sum(StockMovement.value_fen))
            .group_by(StockMovement.warehouse_id, StockMovement.product_id))
    }
    hand = {(w, p): (int(q), int(v)) for w, p, q, v in session.execute(
        select(StockOnHand.warehouse_id, StockOnHand.product_id, StockOnHand.qty_m, StockOnHand.value_fen))}
    mismatches = []
    for key in sorted(set(ledger) | set(hand)):
        ledger_m, _n, ledger_value = ledger.get(key, (0, 0, 0))
        hand_m, hand_value = hand.get(key, (0, 0))
        if ledger_m != hand_m or ledger_value != hand_value:
            mismatches.append(Mismatch(key[0], key[1], hand_m, ledger_m, hand_value, ledger_value))
    batch_ledger = {(int(w), int(p), b): int(q) for w, p, b, q in session.execute(
        select(StockMovement.warehouse_id, StockMovement.product_id, StockMovement.batch_no,
               func.sum(StockMovement.qty_m))
        .join(StockBatch, (StockBatch.warehouse_id == StockMovement.warehouse_id)
              & (StockBatch.product_id == StockMovement.product_id) & (StockBatch.batch_no == StockMovement.batch_no))
        .group_by(StockMovement.warehouse_id, StockMovement.product_id, StockMovement.batch_no))}
    for w, p, b, q in session.execute(select(StockBatch.warehouse_id, StockBatch.product_id, StockBatch.batch_no,
                                             StockBatch.qty_m)):
        in_ledger = batch_ledger.get((int(w), int(p), b), 0)
        if in_ledger != int(q):
            mismatches.append(Mismatch(int(w), int(p), int(q), in_ledger, batch_no=b))
    return StockCheck(
        pairs=len(set(ledger) | set(hand)), movements=sum(n for _, n, _v in ledger.values()),
        negative=sum(1 for q, _v in hand.values() if q < 0), mismatches=mismatches,
        dangling=dangling_references(session))
