"""Ageing of receivables: how much of a customer's balance is 0-30, 31-60, 61-90, over 90 days old.

Payments and credit notes settle the oldest charges first (FIFO), which is how a wholesaler's
finance clerk reads an account: what is still open is the most recent debt. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

BUCKETS = ("0-30", "31-60", "61-90", "90+")


def bucket_for(age_days: int) -> str:
    """The bucket of a charge `age_days` old (negative ages, post-dated charges, count as 0-30)."""
    if age_days <= 30:
        return "0-30"
    if age_days <= 60:
        return "31-60"
    if age_days <= 90:
        return "61-90"
    return "90+"


@dataclass
class Ageing:
    """Open amounts by bucket; `unapplied_fen` is credit paid in advance (balance below zero)."""

    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    unapplied_fen: int = 0
    overdue_fen: int = 0
    """Open amount of charges past their due date."""

    @property
    def balance_fen(self) -> int:
        return sum(self.buckets.values()) - self.unapplied_fen


@dataclass
class _Open:
    doc_date: date
    amount: int
    due_date: date | None


def age_entries(entries: Iterable[tuple[date, int, date | None]], as_of: date) -> Ageing:
    """Age one customer's entries `(doc_date, signed amount, due_date)` as of `as_of`.

    Charges (+) stay open in date order; every payment or credit (−) settles the oldest open
    charges first. What remains open is bucketed by days since its document date.
    """
    charges: list[_Open] = []
    credit = 0
    for doc_date, amount, due in sorted(entries, key=lambda e: e[0]):
        if amount > 0:
            charges.append(_Open(doc_date, amount, due))
        else:
            credit += -amount
    for charge in charges:  # FIFO: the oldest charge is settled first
        applied = min(charge.amount, credit)
        charge.amount -= applied
        credit -= applied
    result = Ageing(unapplied_fen=credit)
    for charge in charges:
        if charge.amount <= 0:
            continue
        result.buckets[bucket_for((as_of - charge.doc_date).days)] += charge.amount
        if charge.due_date is not None and charge.due_date < as_of:
            result.overdue_fen += charge.amount
    return result
