"""The `audit_log` table: one row per audited action, kept for people to read later.

Why no foreign keys to users or terminals: an audit row must outlive what it names (a user
renamed or removed, a terminal revoked), and must never make a write fail; `actor_label` keeps the
name the actor had at the time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class AuditEntry(Base):
    """One audited action, e.g. `product.update` of product 42 by user `amy` from 10.0.0.7."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity_type_entity_id_id", "entity_type", "entity_id", "id"),
        Index("ix_audit_log_actor_user_id_id", "actor_user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int | None]
    actor_terminal_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(64))
    """The username, the terminal code, or `system` (commands, demo data)."""
    client_address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    """`<entity>.<verb>`: `product.update`, `member.points_adjust`, `auth.login_failed` ..."""
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500))
