"""The review list's table: one row per claim central did not believe.

A till (or another slice's service) claimed something central could check and it did not hold:
points earned on a sale, a price, a cashier of another store, a voucher used twice. What physically
happened (money taken, stock moved) is applied regardless; the claim itself is not credited, and
this row tells head office what was claimed, what central computed, and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")

FLAG_STATUSES = ("open", "resolved")


class ReviewFlag(Base):
    """A flagged claim. `claimed` and `computed` are small JSON objects with the same keys, so the
    review list can show them side by side (e.g. `{"points_earned": 5000000}` / `{"points_earned": 10}`)."""

    __tablename__ = "review_flags"
    __table_args__ = (Index("ix_review_flags_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    """What did not hold: `points_mismatch`, `price_unverified`, `cashier_not_of_store`, ..."""
    store_id: Mapped[int | None] = mapped_column(index=True)
    """The store the claim came from (a store manager sees only their store's flags)."""
    terminal_id: Mapped[int | None]
    event_id: Mapped[str | None] = mapped_column(String(40), index=True)
    """The sync event that carried the claim (None for claims made through the API)."""
    subject: Mapped[str | None] = mapped_column(String(80))
    """The document in words a person finds it by, e.g. a receipt number."""
    claimed: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed: Mapped[dict[str, Any]] = mapped_column(JSON)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(String(500))
