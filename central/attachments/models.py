"""Attachments by content (sha256): the file's bytes in chunks, and what refers to it.

Kept in the database, not on a disk beside it: one backup holds everything, an upload's chunk and
its offset commit together (a resumed upload continues exactly where the last commit ended), and
every server worker sees the same files whatever the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class Attachment(Base):
    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(40))
    received_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(default=False)
    """All bytes arrived and their sha256 is the name: only then is it served."""
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    """The device uploading it: only it may continue a partial upload."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class AttachmentChunk(Base):
    __tablename__ = "attachment_chunks"

    sha256: Mapped[str] = mapped_column(ForeignKey("attachments.sha256", ondelete="CASCADE"), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AttachmentRef(Base):
    """A record that names an attachment (a visit's photo). Made by the event, before the file
    arrives; a device may upload only files its own events named."""

    __tablename__ = "attachment_refs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    """`visit` (the only kind today)."""
    owner_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(32))
    taken_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
