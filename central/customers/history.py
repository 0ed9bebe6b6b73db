"""Field-level edits of customers, each kept in the history with its old value.

Both head office (console) and reps (tablets, offline) edit customers. Edits are applied field by
field in central's order of receipt: the later one wins, the value it overwrote stays in
`customer_field_history`, so nothing a rep typed is ever lost silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from central.customers.models import Customer, CustomerFieldChange
from central.db import utcnow


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def apply_field_changes(session: Session, customer: Customer, changes: dict[str, Any], *, source: str,
                        edited_at: datetime, user_id: int | None = None, terminal_id: int | None = None,
                        recorded_at: datetime | None = None) -> list[CustomerFieldChange]:
    """Set each changed field and write one history row per field that really changed."""
    now = recorded_at or utcnow()
    rows = []
    for field, new in changes.items():
        old = getattr(customer, field)
        if old == new:
            continue
        setattr(customer, field, new)
        rows.append(CustomerFieldChange(
            customer_id=customer.id, field=field, old_value=_text(old), new_value=_text(new),
            user_id=user_id, terminal_id=terminal_id, source=source, edited_at=edited_at, recorded_at=now))
    if rows:
        customer.updated_at = now
        session.add_all(rows)
        session.flush()
    return rows
