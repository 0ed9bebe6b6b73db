"""Auditing what head office changes in the console, and showing the trail on each record.

Every console form that changes something calls `record_change` in the same transaction as the
change (`central.audit.service.record`: the row lands with the change or not at all), with only the
fields that really changed, before → after. `trail` reads a record's history for its page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.audit.models import AuditEntry
from central.console.web import Viewer, client_address


def record_change(session: Session, viewer: Viewer, request: Request, *, action: str, entity_type: str,
                  entity_id: str | int, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                  reason: str | None = None) -> bool:
    """Audit a change made in the console (who, when, from where, before → after); False when nothing
    changed (then nothing is recorded)."""
    if before is not None and after is not None:
        before, after = audit.changed_fields(before, after)
        if not after and not before:
            return False
    audit.record(session, actor=viewer.principal, action=action, entity_type=entity_type, entity_id=entity_id,
                 before=dict(before) if before is not None else None, after=dict(after) if after is not None else None,
                 reason=reason, client_address=client_address(request))
    return True


def trail(session: Session, entity_type: str, entity_id: str | int, limit: int = 50) -> list[AuditEntry]:
    return audit.history(session, entity_type=entity_type, entity_id=entity_id, limit=limit)
