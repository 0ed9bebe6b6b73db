"""The real app, off screen: it opens, draws Chinese, signs a cashier in, switches language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen

pytestmark = pytest.mark.ui


def _quarantine_one_event(data_dir: Path) -> None:
    from terminal.store import open_store

    store = open_store(data_dir)
    try:
        with store.transaction():
            store.execute(
                "INSERT INTO sync_quarantine(event_id, seq, type, kind, code, message, message_en, received_at) "
                "VALUES ('0190-test', 7, 'sale.completed', 'rejected', 'unknown_product', '商品不存在', "
                "'unknown product', '2026-01-01T00:00:00+00:00')")
    finally:
        store.close()


def test_english_full_hd_search_lock_and_status(terminal_dir: Path, run_scenario: ScenarioRunner) -> None:
    # given a till with one event central refused
    _quarantine_one_event(terminal_dir)
    # when the cashier switches to English on a 1920×1080 screen, searches, locks and unlocks
    result = run_scenario("english_and_lock", terminal_dir, size="1920x1080")
    # then (the scenario checked each step) the screens are real and the sync message is clear
    assert "enrol" in result["facts"]["sync_message"]
    # the manager dialog names the action in English too (it said "…: 查看异常事件")
    assert result["facts"]["approval_asked"] == "manager approval required: view quarantined events"
    shots = {Path(s).stem: Path(s) for s in result["screenshots"]}
    for name in ("search", "quarantine", "sale", "locked"):
        assert_real_screen(shots[name])
    # the quarantine list opened only after a manager's PIN, both recorded in the audit log
    import json

    from terminal.store import open_store

    store = open_store(terminal_dir)
    try:
        approvals = [json.loads(r[0])["action"] for r in store.all(
            "SELECT detail FROM audit_log WHERE action='approval'")]
        viewed = store.all("SELECT approved_by FROM audit_log WHERE action='view_quarantine'")
    finally:
        store.close()
    assert "view_quarantine" in approvals
    assert len(viewed) == 1
    assert viewed[0][0] is not None
