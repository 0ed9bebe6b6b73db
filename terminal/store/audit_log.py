"""The till's audit log: who did what at the till (sign-ins, approvals, voids, drawer openings ...)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sync.events import utcnow

if TYPE_CHECKING:
    from terminal.store.db import Store


class AuditLog:
    """The `audit_log` table of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, action: str, *, cashier_id: int | None, approved_by: int | None = None,
            detail: dict[str, Any] | None = None) -> None:
        """Append one line (joins the caller's transaction, so it lands with the act)."""
        with self._store.transaction() as store:
            store.execute(
                "INSERT INTO audit_log(at, action, cashier_id, approved_by, detail) VALUES (?, ?, ?, ?, ?)",
                (utcnow().isoformat(), action, cashier_id, approved_by,
                 json.dumps(detail or {}, ensure_ascii=False, default=str)))
