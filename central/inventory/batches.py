"""Batches (批次) of batch-tracked products: which batch outgoing goods come from.

A product flagged `shelf_life_tracked` has its stock kept per batch as well (`stock_batches`):
receipts name the batch with its production and expiry dates; goods going out without a named
batch are taken first-expiry-first-out (FEFO: the batch that expires first, then the one received
first), split over as many batches as it takes. What no batch holds any more (stock sold before
its receipt reached central) is posted without a batch, so the ledger still says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

_NEVER = date.max
_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass
class Lot:
    """What is left of one batch in one warehouse (mutable while a posting takes from it)."""

    batch_no: str
    qty_m: int
    expiry_date: date | None
    received_at: datetime | None = None


class Piece(NamedTuple):
    """What one ledger row of a movement takes from or adds to one batch (None: no batch)."""

    batch_no: str | None
    expiry_date: date | None
    qty_m: int
    """Negative: taken out."""


def fefo_order(lot: Lot) -> tuple[date, datetime, str]:
    """First expiring first; no expiry date last; then first received, then by batch number."""
    return (lot.expiry_date or _NEVER, lot.received_at or _LATEST, lot.batch_no)


def take_fefo(lots: list[Lot], out_m: int) -> list[Piece]:
    """Take `out_m` (> 0) thousandths out of `lots`, first-expiry-first-out; the lots are reduced.
    Whatever the lots cannot give is one piece without a batch."""
    pieces: list[Piece] = []
    left = out_m
    for lot in sorted((lt for lt in lots if lt.qty_m > 0), key=fefo_order):
        if left == 0:
            break
        take = min(lot.qty_m, left)
        lot.qty_m -= take
        left -= take
        pieces.append(Piece(lot.batch_no, lot.expiry_date, -take))
    if left:
        pieces.append(Piece(None, None, -left))
    return pieces
