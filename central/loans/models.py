"""Loans of goods (借还货): goods that leave a warehouse for a party (staff, customer, supplier) and
are expected back. Lending takes them out of stock at average cost (`loan_out`); each return brings
its share back at the value it left at (`loan_return`); what is not coming back is settled with a
reason (it was bought, used up, lost), leaving the stock as it is. What is still out, per party,
is ordered − returned − settled."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class Loan(Base):
    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("party_type in ('staff', 'customer', 'supplier', 'other')", name="party_type"),
        CheckConstraint("status in ('open', 'closed')", name="status"),
        Index("ix_loans_party", "party_type", "party_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(24), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    party_type: Mapped[str] = mapped_column(String(10))
    party_id: Mapped[int | None]
    """users.id (staff), customers.id, suppliers.id; None for `other`."""
    party_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(8), default="open")
    lent_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_date: Mapped[date | None]
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    """What the goods cost when they left (None: unknown)."""
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]


class LoanLine(Base):
    __tablename__ = "loan_lines"
    __table_args__ = (CheckConstraint("qty_m > 0", name="qty_m"),)

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    qty_m: Mapped[int] = mapped_column(BigInteger)
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    returned_m: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_m: Mapped[int] = mapped_column(BigInteger, default=0)
    """Not coming back (bought, used, lost), with the reason on the loan's events."""

    @property
    def out_m(self) -> int:
        return self.qty_m - self.returned_m - self.settled_m


class LoanEvent(Base):
    """A return or a settlement of some of a loan's lines."""

    __tablename__ = "loan_events"
    __table_args__ = (CheckConstraint("kind in ('return', 'settle')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    doc_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
