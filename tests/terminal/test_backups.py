"""Rolling backups (#10 §6): at shift close (synchronously) and every N sales (in the background),
each a real SQLite copy that opens and passes its check, owner-only, the newest K kept."""

from __future__ import annotations

import sqlite3
import stat

from terminal import shift as shifts
from terminal.session import Session
from terminal.store import Store
from terminal.store.backup import check_backup, list_backups
from tests.terminal.helpers import CASHIER_PIN


def test_shift_close_backs_up_the_closed_shift(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    shift = shifts.open_shift(store, session, 10_000)
    store.set_setting("backup_keep", "2")
    for _ in range(3):  # the first two shifts' backups are pruned after the third
        shifts.close_shift(store, session, {10000: 1})
        shift = shifts.open_shift(store, session, 10_000)
    backups = list_backups(store.path)
    assert [b.reason for b in backups] == ["shift", "shift"]
    newest = backups[0].path
    assert check_backup(newest) is None
    assert stat.S_IMODE(newest.stat().st_mode) == 0o600
    with sqlite3.connect(newest) as copy:
        closed = copy.execute("SELECT count(*) FROM shifts WHERE closed_at IS NOT NULL").fetchone()[0]
        assert closed == 3
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert shift.id != backups[0].path.name


def test_a_failed_backup_does_not_stop_the_shift_close(store: Store) -> None:
    session = Session(store)
    session.sign_in("1001", CASHIER_PIN)
    shifts.open_shift(store, session, 10_000)
    (store.path.parent / "backups").write_text("a file where the backup folder should be")
    report = shifts.close_shift(store, session, {10000: 1})
    assert report.counted_cash_fen == 10_000
    assert shifts.current_shift(store) is None


def test_status_names_the_backups(store: Store, capsys: object) -> None:
    import json

    import pytest

    from terminal.cli import main

    assert isinstance(capsys, pytest.CaptureFixture)
    store.backup_now("shift")
    newest = list_backups(store.path)[0]
    assert main(["status", "--json", "--data", str(store.path.parent)]) == 0
    status = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status["backups"] == 1
    assert status["newest_backup"] == newest.taken_at.isoformat(timespec="seconds")
