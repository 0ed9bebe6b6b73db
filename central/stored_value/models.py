"""Stored-value tables: head office's bonus rules, the ledger that is the balance, till top-ups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class StoredValueRule(Base):
    """A top-up bonus rule (充值赠送), shipped to tills as `sync.stored_value.BonusRule`."""

    __tablename__ = "stored_value_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    min_topup_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_bp: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    store_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    """Stores the rule applies at; empty = every store."""
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StoredValueEntry(Base):
    """One movement of a member's stored value: top-up, bonus, payment, refund, adjustment.

    A source (a till's top-up, a sale's payment, a return's refund) moves the balance once per kind:
    the unique key refuses a second movement for the same document, whatever event carried it."""

    __tablename__ = "stored_value_ledger"
    __table_args__ = (
        Index("ix_stored_value_ledger_member", "member_id", "id"),
        UniqueConstraint("source_type", "source_id", "kind", name="uq_stored_value_ledger_source_type_source_id_kind"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))
    """topup, bonus, pay, refund, adjust."""
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    """Signed: + adds to the balance, − takes from it."""
    balance_after: Mapped[int] = mapped_column(BigInteger)
    overdrawn: Mapped[bool] = mapped_column(default=False)
    """The balance went below zero with this movement (offline payments at two stores): applied and
    put on the review list, never refused."""
    source_type: Mapped[str] = mapped_column(String(16))
    """topup, sale, return, adjust."""
    source_id: Mapped[str] = mapped_column(String(40))
    receipt_no: Mapped[str | None] = mapped_column(String(40))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    terminal_id: Mapped[int | None]
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(200))


class StoredValueTopup(Base):
    """A top-up taken at a till: the money (by tender) and what was credited."""

    __tablename__ = "stored_value_topups"
    __table_args__ = (Index("ix_stored_value_topups_store_day", "store_id", "business_date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    terminal_id: Mapped[int]
    shift_id: Mapped[str] = mapped_column(String(36))
    cashier_id: Mapped[int | None]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger)
    """The bonus central's rules give, which is what was credited."""
    claimed_bonus_fen: Mapped[int] = mapped_column(BigInteger)
    """The bonus the till gave (differs from `bonus_fen` only on a flagged top-up)."""
    bonus_rule_id: Mapped[int | None]
    payments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    topped_up_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    business_date: Mapped[date]
