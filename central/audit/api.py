"""Audit trail API: `GET /audit` (head office reads who changed what, newest first)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from central.api.deps import IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.audit.models import AuditEntry
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P

router = APIRouter(tags=["audit 审计"])

_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"

Reader = Annotated[Principal, require(P.AUDIT_READ, devices=False)]


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_user_id: int | None
    actor_terminal_id: int | None
    actor_label: str
    client_address: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


@router.get("/audit", response_model=Page[AuditEntryOut], summary="审计日志 / audit trail, newest first")
def list_audit(session: SessionDep, _who: Reader, page: PageDep,
               entity_type: Annotated[str | None, Query(max_length=32, pattern=_PRINTABLE, description="e.g. product, member, user")] = None,
               entity_id: Annotated[str | None, Query(max_length=64, pattern=_PRINTABLE)] = None,
               action: Annotated[str | None, Query(max_length=64, pattern=_PRINTABLE, description="e.g. product.update")] = None,
               actor_user_id: IdQuery = None) -> object:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if entity_type is not None:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_user_id is not None:
        stmt = stmt.where(AuditEntry.actor_user_id == actor_user_id)
    return paginate(session, stmt, page, AuditEntryOut.model_validate)
