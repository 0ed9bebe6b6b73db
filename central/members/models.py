"""Member tables: the member and the points ledger that keeps the balance honest."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from central.catalog.pinyin import pinyin_initials
from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Member(Base):
    """A B2C loyalty member. The id is a UUID string because tills create members offline.

    `points_balance` always equals the sum of the member's ledger rows: it is only changed by
    `central.members.points.post_points`, in the same transaction as the ledger row.
    """

    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    card_no: Mapped[str] = mapped_column(String(32), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    name_pinyin: Mapped[str] = mapped_column(String(100), default="", server_default="", index=True)
    """Pinyin initials of the name (张伟 → zw), for search; kept by the ORM hooks below (bulk
    inserts set it themselves with `central.catalog.pinyin.pinyin_initials`)."""
    birthday: Mapped[date | None]
    level: Mapped[str] = mapped_column(String(16), default="normal")
    home_store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    points_balance: Mapped[int] = mapped_column(default=0)
    stored_value_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Stored-value (储值) balance in fen: the sum of the member's `stored_value_ledger` rows, changed
    only by `central.stored_value.ledger.post`, in the same transaction as the ledger row."""
    duplicate_phone: Mapped[bool] = mapped_column(default=False)
    """Created offline with a phone another member already has: head office should merge."""
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When the member signed up (the till's clock when made at a till)."""
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PointsEntry(Base):
    """One change of a member's points: earned, redeemed, reversed by a return, adjusted."""

    __tablename__ = "member_points_ledger"
    __table_args__ = (Index("ix_member_points_ledger_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))
    """earn, redeem, reverse (earned points taken back), refund (redeemed points given back), adjust."""
    points: Mapped[int]
    """Signed: + adds to the balance, − takes from it."""
    balance_after: Mapped[int]
    overdrawn: Mapped[bool] = mapped_column(default=False)
    """The balance went below zero with this entry (offline redemptions at two stores): flagged
    for head office, never refused."""
    source_type: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(200))


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _member_pinyin(_mapper: Any, _connection: Any, member: Member) -> None:
    member.name_pinyin = pinyin_initials(member.name or "")
