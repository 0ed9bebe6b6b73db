"""Quarantine: events central refused, listed for head office and resolved (retry or dismiss)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from central.db import utcnow
from central.errors import Invalid, not_found
from central.syncing.ingest import DeviceScope, _one
from central.syncing.models import SyncEvent, SyncQuarantine
from sync.events import EventEnvelope
from sync.protocol import EventStatus, QuarantineItem


def to_item(q: SyncQuarantine) -> QuarantineItem:
    return QuarantineItem(
        id=q.id, event_id=q.event_id, terminal_id=q.terminal_id, store_id=q.store_id, type=q.type,
        kind=q.kind, code=q.code, message=q.message, payload=dict(q.envelope.get("payload", {})),
        received_at=q.received_at, resolved_at=q.resolved_at, resolution=q.resolution, note=q.note,
    )


def list_items(session: Session, *, store_id: int | None = None, terminal_id: int | None = None,
               open_only: bool = True, limit: int = 100, offset: int = 0) -> list[QuarantineItem]:
    q = select(SyncQuarantine)
    if store_id is not None:
        q = q.where(SyncQuarantine.store_id == store_id)
    if terminal_id is not None:
        q = q.where(SyncQuarantine.terminal_id == terminal_id)
    if open_only:
        q = q.where(SyncQuarantine.resolved_at.is_(None))
    rows = session.execute(q.order_by(SyncQuarantine.id).limit(limit).offset(offset)).scalars()
    return [to_item(r) for r in rows]


def resolve(session: Session, item_id: int, *, action: str, note: str | None = None,
            user_id: int | None = None) -> dict[str, Any]:
    """`dismiss` closes the item; `retry` applies the event again (after head office fixed the
    cause, e.g. created the missing product) — still exactly once, through the event log."""
    q = session.get(SyncQuarantine, item_id, with_for_update=True)
    if q is None:
        raise not_found("隔离事件", "quarantine item", "id", item_id)
    if q.resolved_at is not None:
        raise Invalid("该隔离事件已处理", "this quarantine item is already resolved", code="already_resolved")
    if action == "dismiss":
        q.resolved_at, q.resolution, q.note, q.resolved_by = utcnow(), "dismissed", note, user_id
        return {"id": q.id, "resolution": "dismissed"}
    if action != "retry":
        raise Invalid("未知的处理方式", "unknown action", code="invalid_action", field="action")
    if q.kind != "rejected" or q.code.startswith("forbidden"):
        raise Invalid("冲突或越权事件不能重新入账，只能关闭", "conflicts and forbidden events can only be dismissed",
                      code="not_retryable", field="action")
    env = EventEnvelope.model_validate(q.envelope)
    # the rejected log row is what made repeats answer "rejected": remove it, then apply afresh
    session.execute(delete(SyncEvent).where(SyncEvent.event_id == q.event_id, SyncEvent.status == "rejected"))
    session.flush()
    rep_id = env.payload.get("rep_id")  # the payload may be what was refused: not parsed here
    device = DeviceScope(terminal_id=q.terminal_id, store_id=q.store_id or 0,
                         rep_id=rep_id if type(rep_id) is int else None)
    result = _one(session, device, env, utcnow())
    if result.status == EventStatus.APPLIED:
        q.resolved_at, q.resolution, q.note, q.resolved_by = utcnow(), "reapplied", note, user_id
        return {"id": q.id, "resolution": "reapplied"}
    # still refused: the caller's transaction rolls back, leaving the item as it was
    raise Invalid(f"重新入账失败：{result.message}", f"retry failed: {result.message_en}", code="retry_failed")
