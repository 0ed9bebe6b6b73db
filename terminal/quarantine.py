"""The events central refused (rejected or in conflict), as a manager sees them at the till.

They may show amounts and members, so the list opens for a manager only (their PIN, or a manager
signed in), and each look is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from terminal.session import Action, Approval, Session, audit
from terminal.store import Store


@dataclass(frozen=True)
class RefusedEvent:
    event_id: str
    seq: int
    type: str
    kind: str
    """`rejected` or `conflict`."""
    code: str | None
    message: str | None
    message_en: str | None


def refused_events(store: Store, session: Session, approval: Approval | None = None) -> list[RefusedEvent]:
    """The refused events, newest first; `ApprovalRequired` unless a manager approved or is signed in."""
    approved_by = session.authorise(Action.VIEW_QUARANTINE, approval)
    audit(store, "view_quarantine", cashier_id=session.user.id if session.signed_in else None,
          approved_by=approved_by)
    return [RefusedEvent(event_id=str(r["event_id"]), seq=int(r["seq"]), type=str(r["type"]), kind=str(r["kind"]),
                         code=r["code"], message=r["message"], message_en=r["message_en"])
            for r in store.outbox.quarantined()]
