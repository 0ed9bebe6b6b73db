"""Backups and `pos-terminal recover` (#10 §6) with real processes: a till enrolled with a real
central (`pos-central serve`) rings up sales through the cashier code (`pos-terminal simulate`),
backs up every few sales, pushes, loses its database, is recovered from the newest backup, and
pushes again: central holds every sale exactly once, and the till sells on with fresh numbers."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from central.db import session_scope
from central.sales.models import Sale
from central.syncing.models import SyncEvent, SyncQuarantine
from terminal.store import open_store
from terminal.store.backup import list_backups
from terminal.store.db import DB_FILENAME

from .procs import Central, terminal_cli
from .world import Seeded, enrolment_code, seed

pytestmark = pytest.mark.slow


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    return seed(central_engine, products=8, members=1)


def cli_ok(*args: str) -> str:
    done = terminal_cli(*args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def central_sales(engine: Engine) -> tuple[set[str], int, int]:
    with session_scope(engine, write=False) as s:
        sales = set(s.execute(select(Sale.id)).scalars())
        events = s.execute(select(func.count()).select_from(SyncEvent)).scalar_one()
        quarantined = s.execute(select(func.count()).select_from(SyncQuarantine)).scalar_one()
    return sales, int(events), int(quarantined)


def till_sales(data: Path) -> dict[str, str]:
    with open_store(data) as store:
        return {str(r[0]): str(r[1]) for r in store.all("SELECT id, receipt_no FROM sales")}


def test_recover_from_backup_then_push_again_without_duplicates(central_engine: Engine, central: Central,
                                                               seeded: Seeded, tmp_path: Path) -> None:
    data = tmp_path / "till"
    code = enrolment_code(central_engine, seeded.store_ids["S01"])
    cli_ok("enroll", "--server", central.url, "--code", code, "--data", str(data))
    with open_store(data) as store:
        store.set_setting("backup_every_sales", "4")
        store.set_setting("backup_keep", "2")

    cli_ok("simulate", "--sales", "8", "--seed", "1", "--return-rate", "0", "--data", str(data))
    backups = list_backups(data / DB_FILENAME)
    assert len(backups) == 2, "backups after sales 4 and 8 (the older ones pruned to keep 2)"
    cli_ok("simulate", "--sales", "2", "--seed", "3", "--return-rate", "0", "--data", str(data))
    assert list_backups(data / DB_FILENAME) == backups, "2 more sales: no backup yet"
    assert all(stat.S_IMODE(b.path.stat().st_mode) == 0o600 for b in backups)
    assert stat.S_IMODE((data / "backups").stat().st_mode) == 0o700
    cli_ok("sync", "--data", str(data))
    before = till_sales(data)
    assert len(before) == 10
    sales, events, quarantined = central_sales(central_engine)
    assert sales == set(before)
    assert quarantined == 0

    for suffix in ("", "-wal", "-shm"):  # the database is lost
        (data / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)
    refused = terminal_cli("sync", "--data", str(data))
    assert refused.returncode == 4
    assert "pos-terminal recover" in refused.stderr

    report = json.loads(cli_ok("recover", "--json", "--data", str(data)).strip().splitlines()[-1])
    assert report["restored_from"] == str(backups[0].path)
    restored = till_sales(data)
    assert len(restored) == 8, "the newest backup was taken after the 8th sale"
    assert set(restored) < set(before)
    pushed_again = {e["event_id"] for e in report["events"]}
    assert report["will_push"] == len(pushed_again) >= 8  # the 8 sales (and the shift opened) go again
    assert report["counters"]["receipt"] >= 10_000 + 8

    text = cli_ok("recover", "--data", str(data))
    assert "数据库完好" in text
    assert "nothing to recover" in text

    cli_ok("sync", "--data", str(data))
    sales_after, events_after, quarantined_after = central_sales(central_engine)
    assert sales_after == sales, "no sale twice, none lost at central"
    assert events_after == events, "every event pushed again was already recorded: nothing new"
    assert quarantined_after == 0
    with open_store(data) as store:
        assert store.outbox.pending_count() == 0

    cli_ok("simulate", "--sales", "2", "--seed", "2", "--return-rate", "0", "--data", str(data))
    cli_ok("sync", "--data", str(data))
    now = till_sales(data)
    new = {sid: no for sid, no in now.items() if sid not in restored}
    assert len(new) == 2
    assert not set(new.values()) & set(before.values()), "no receipt number issued twice"
    sales_final, _, quarantined_final = central_sales(central_engine)
    assert sales_final == sales | set(new)
    assert quarantined_final == 0


def test_recover_without_a_good_backup_says_what_to_do(tmp_path: Path) -> None:
    data = tmp_path / "till"
    with open_store(data) as store:
        with store.transaction():
            for key, value in {"server_url": "http://central", "credential": "c", "terminal_id": "7"}.items():
                store.set_setting(key, value)
        store.mark_enrolled()
        good = store.backup_now("shift")
    good.write_bytes(b"x" * 8192)  # the only backup is damaged too
    (data / DB_FILENAME).unlink()
    done = terminal_cli("recover", "--data", str(data))
    assert done.returncode == 1, done.stdout
    assert "--start-empty" in done.stderr
    assert "Traceback" not in done.stderr
    done = terminal_cli("recover", "--start-empty", "--data", str(data))
    assert done.returncode == 0, done.stderr
    assert "pos-terminal enroll" in done.stdout
    assert terminal_cli("status", "--data", str(data)).returncode == 0, "the folder starts as a new till"
