"""A manager's code and PIN typed into the approval dialog, handed to the service that asked."""

from __future__ import annotations

from terminal.errors import ApprovalRequired
from terminal.session import Action, Approval, Session

NeedsApproval = ApprovalRequired
"""What a service raises when a manager's PIN is needed; the app asks for it and calls again."""

ManagerPin = tuple[str, str]
"""(manager code, PIN) typed into the approval dialog."""


def approval_for(session: Session, action: Action, pin: ManagerPin | None) -> Approval | None:
    """The manager's approval of `action` (checked offline, audited), or None when none was typed."""
    return None if pin is None else session.approve(action, pin[0], pin[1])
