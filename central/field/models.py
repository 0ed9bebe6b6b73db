"""Tables of the reps' field work: visits, collections and how they were allocated, routes, targets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Visit(Base):
    """A rep's visit to a customer (`visit.recorded`), with the steps done and the photos' hashes."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_rep_date", "rep_id", "business_date"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    checked_in_at: Mapped[datetime]
    checked_out_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    business_date: Mapped[date]
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """`sync.events.VisitStepDone` dicts, as the rep did them."""
    missing_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Steps the customer's type requires that the visit did not do (central's check)."""
    photos: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """`sync.events.AttachmentRef` dicts; the files arrive separately (`central.attachments`)."""
    follow_up_date: Mapped[date | None]
    follow_up: Mapped[str | None] = mapped_column(String(500))
    order_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class Collection(Base):
    """Money a rep collected from a customer (收款), or head office recorded, and where it went:
    `applied_fen` settled open receivables (oldest first), `unapplied_fen` waits as an advance (预收)
    and settles the customer's next deliveries."""

    __tablename__ = "collections"
    __table_args__ = (Index("ix_collections_customer", "customer_id", "collected_at"),
                      Index("ix_collections_rep_date", "rep_id", "business_date"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    collected_at: Mapped[datetime]
    received_at: Mapped[datetime]
    business_date: Mapped[date]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(200))
    applied_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    unapplied_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class CollectionAllocation(Base):
    """How much of a collection settled which open charge (a receivable entry)."""

    __tablename__ = "collection_allocations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id"), index=True)
    charge_entry_id: Mapped[int] = mapped_column(ForeignKey("receivable_entries.id"), index=True)
    payment_entry_id: Mapped[int] = mapped_column(ForeignKey("receivable_entries.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    allocated_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitPlanStop(Base):
    """One customer on a rep's route for a weekday (ISO 1 = Monday), in visiting order."""

    __tablename__ = "visit_plan_stops"
    __table_args__ = (UniqueConstraint("rep_id", "weekday", "customer_id"),)

    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    weekday: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)


class RepTarget(Base):
    """A rep's sales target for a month (the store's calendar month, `YYYY-MM`)."""

    __tablename__ = "rep_targets"

    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    target_fen: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
