"""The `excel_uploads` table: a spreadsheet uploaded for import, between its check and its commit.

Import through the API or the console is two steps: upload (the file is checked, a dry run whose
report is kept here), then commit (the same bytes imported for real). The file is kept so that what
is committed is exactly what was checked and need not travel twice; it is dropped once committed,
and uploads never committed are purged a day later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class ExcelUpload(Base):
    __tablename__ = "excel_uploads"
    __table_args__ = (CheckConstraint("status in ('checked', 'committed')", name="status"),
                      Index("ix_excel_uploads_user_id_created_at", "user_id", "created_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """What the file holds: products, customers, members, stock, price-lists."""
    file_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The file itself, until it is committed (then None)."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    """Who uploaded it: only they may see and commit it."""
    status: Mapped[str] = mapped_column(String(16), default="checked")
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The last report (`ImportResult.to_dict`, problems capped): the dry run's, then the commit's."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    committed_at: Mapped[datetime | None]
