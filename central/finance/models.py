"""Receivable tables: a ledger of what each customer was charged and paid, and its balance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class ReceivableEntry(Base):
    """One change of what a customer owes: + a credit sale (charge), − a payment or credit note."""

    __tablename__ = "receivable_entries"
    __table_args__ = (
        CheckConstraint("kind in ('charge', 'payment', 'credit_note', 'adjustment')", name="kind"),
        Index("ix_receivable_entries_customer", "customer_id", "doc_date", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int]
    """Signed: + increases the debt, − reduces it."""
    balance_after_fen: Mapped[int] = mapped_column(BigId)
    doc_type: Mapped[str] = mapped_column(String(16))
    """sale, return, field_order, payment, manual."""
    doc_id: Mapped[str] = mapped_column(String(40))
    doc_no: Mapped[str | None] = mapped_column(String(40))
    doc_date: Mapped[date]
    """The document's local date: what ageing counts from."""
    due_date: Mapped[date | None]
    """doc_date + the customer's credit days, for charges."""
    over_credit_limit: Mapped[bool] = mapped_column(default=False)
    """The charge took the balance over the customer's credit limit (flagged, not refused:
    a till offline could not ask)."""
    method: Mapped[str | None] = mapped_column(String(16))
    """For payments: cash, bank_transfer, wechat, alipay ..."""
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(200))


class ReceivableAccount(Base):
    """A customer's current balance, moved with every entry in the same transaction."""

    __tablename__ = "receivable_accounts"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    balance_fen: Mapped[int] = mapped_column(BigId, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
