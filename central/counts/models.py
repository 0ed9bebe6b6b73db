"""Count sheets (盘点单): what to count, what was on hand when counting started, what was counted.

A sheet covers a warehouse, optionally narrowed to a zone (a free-text location such as "A区"),
a category or a list of products. Opening it takes a snapshot of on-hand per product (`expected_m`);
the posted difference is counted − snapshot, so sales that happen while people count are neither
lost nor counted twice. A blind sheet hides the expected quantities from the counters. Posting
turns every counted line that differs into one stock document; a recount is a new sheet of the
lines chosen, whose counts replace the first ones before posting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class CountSheet(Base):
    __tablename__ = "count_sheets"
    __table_args__ = (CheckConstraint("status in ('counting', 'posted', 'cancelled')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(24), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="counting")
    blind: Mapped[bool] = mapped_column(default=False)
    zone: Mapped[str | None] = mapped_column(String(40))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    recount_of: Mapped[int | None] = mapped_column(ForeignKey("count_sheets.id"))
    snapshot_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[datetime | None]
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    doc_id: Mapped[str | None] = mapped_column(String(40))
    """The stock ledger's source id of the posting."""
    note: Mapped[str | None] = mapped_column(String(200))


class CountLine(Base):
    __tablename__ = "count_lines"

    sheet_id: Mapped[int] = mapped_column(ForeignKey("count_sheets.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    expected_m: Mapped[int] = mapped_column(BigInteger)
    """On-hand when the sheet was opened."""
    avg_cost_mfen: Mapped[int | None] = mapped_column(BigInteger)
    """The average cost then (values the variance for review)."""
    counted_m: Mapped[int | None] = mapped_column(BigInteger)
    counted_at: Mapped[datetime | None]
    counted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str | None] = mapped_column(String(12))
    """How the count came in: scanner, tablet, excel, manual."""
