"""The till's PIN lockout and its start-up refusal, in the real app off screen (#10 §5, §6)."""

from __future__ import annotations

from pathlib import Path

from terminal.store.data_folder import write_marker
from terminal.store.db import DB_FILENAME
from tests.ui.conftest import ScenarioRunner


def test_pin_lockout_and_manager_unlock(run_scenario: ScenarioRunner, terminal_dir: Path) -> None:
    result = run_scenario("pin_lockout", terminal_dir)
    facts = result["facts"]
    assert "再错 1 次将锁定" in facts["wrong_pin_messages"][-1]
    assert "请店长" in facts["locked_out_text"]
    assert "1001" in facts["unlocked_toast"]


def test_start_up_refusal_without_the_database(run_scenario: ScenarioRunner, terminal_dir: Path) -> None:
    write_marker(terminal_dir, {"terminal_id": "3", "terminal_code": "T03", "store_code": "S01"})
    for suffix in ("", "-wal", "-shm"):
        (terminal_dir / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)
    result = run_scenario("startup_refusal", terminal_dir, lang="en")
    facts = result["facts"]
    assert "the till's database is missing" in facts["first"]
    assert "收银数据库不见了" in facts["second"]
    assert not (terminal_dir / DB_FILENAME).exists()
