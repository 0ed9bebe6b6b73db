"""Viewing the quarantined events is a manager's look: a cashier needs a manager's PIN, a manager
signed in needs none, and a manager may approve at a till nobody is signed in to."""

from __future__ import annotations

import json

import pytest

from terminal.errors import ApprovalRequired
from terminal.session import Action, Session
from terminal.store import Store
from tests.terminal.helpers import MANAGER_PIN


def test_cashier_needs_a_manager_and_the_approval_is_audited(session: Session, store: Store) -> None:
    with pytest.raises(ApprovalRequired, match="查看异常事件"):
        session.authorise(Action.VIEW_QUARANTINE, None)
    ok = session.approve(Action.VIEW_QUARANTINE, "9001", MANAGER_PIN)
    assert session.authorise(Action.VIEW_QUARANTINE, ok) == 21
    row = store.one("SELECT cashier_id, approved_by, detail FROM audit_log WHERE action='approval' ORDER BY id DESC")
    assert row is not None
    assert (row[0], row[1], json.loads(row[2])["action"]) == (11, 21, "view_quarantine")
    # an approval given for something else does not open it
    refund = session.approve(Action.REFUND, "9001", MANAGER_PIN)
    with pytest.raises(ApprovalRequired):
        session.authorise(Action.VIEW_QUARANTINE, refund)


def test_manager_signed_in_or_at_a_signed_out_till(store: Store) -> None:
    nobody = Session(store)
    with pytest.raises(ApprovalRequired):
        nobody.authorise(Action.VIEW_QUARANTINE, None)
    assert nobody.authorise(Action.VIEW_QUARANTINE, nobody.approve(Action.VIEW_QUARANTINE, "9001", MANAGER_PIN)) == 21
    manager = Session(store)
    manager.sign_in("9001", MANAGER_PIN)
    assert manager.authorise(Action.VIEW_QUARANTINE, None) == 21
