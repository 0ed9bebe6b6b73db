"""Console-only state: each user's preferences (the language their console speaks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class ConsolePreference(Base):
    """A user's console settings. Kept apart from `users` so changing them neither touches the
    change feed tills pull users from nor clears the authentication cache."""

    __tablename__ = "console_preferences"
    __table_args__ = (CheckConstraint("locale in ('zh-CN', 'en')", name="locale"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
