"""The users table: one row per person who logs in to the console or signs in at a till."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class User(Base):
    """A person with one role. Passwords and till PINs are argon2 hashes, never plain text.

    `store_id` is set for store-scoped roles (store manager, cashier) and is the home store of
    a sales rep; it is empty for head-office roles that see every store.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role in ('admin', 'store_manager', 'cashier', 'sales_rep', 'warehouse', 'finance')",
            name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    staff_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    """Short number typed at the till with the PIN (工号)."""
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
