"""Upgrades: every terminal database ever shipped (tests/terminal/old_dbs/) opens with today's code,
is migrated to the newest schema, and keeps its sales, outbox and members usable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sync.events import EventEnvelope, EventType, MemberCreated, utcnow
from terminal.receipt_numbers import next_sale_receipt_no
from terminal.returns import find_sale
from terminal.store import open_store
from terminal.store.db import DB_FILENAME, load_migrations

OLD = Path(__file__).with_name("old_dbs")
FILES = sorted(OLD.glob("schema_*.db"))


def test_there_is_an_old_database_for_every_older_schema() -> None:
    newest = load_migrations()[-1].version
    have = {int(p.stem.split("_")[1]) for p in FILES}
    missing = set(range(1, newest)) - have
    assert not missing, f"add tests/terminal/old_dbs/schema_{min(missing):04d}.db (see make_old_db.py)"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_old_database_upgrades_and_keeps_its_records(path: Path, tmp_path: Path) -> None:
    shutil.copy(path, tmp_path / DB_FILENAME)
    store = open_store(tmp_path)
    try:
        assert store.schema_version == load_migrations()[-1].version
        assert store.scalar("PRAGMA integrity_check") == "ok"
        assert store.scalar("PRAGMA journal_mode") == "wal"
        # the old sale is still found for a return, and its unacknowledged events are still waiting
        sale = find_sale(store, "S01-T03-000001")
        assert sale.sale.total_fen == 600
        # its JSON is kept once, on its own row (0007), its event pointing at it, and reads back whole
        # (as text for rows moved by 0007, packed by stored_json for rows written since)
        text = store.sales.json("old-sale-1")
        assert text is not None
        assert json.loads(text)["receipt_no"] == "S01-T03-000001"
        assert tuple(store.one("SELECT payload, record_id FROM outbox WHERE type='sale.completed'") or ()) == (None, "old-sale-1")
        assert store.scalar("PRAGMA foreign_keys") == 1
        assert sale.lines[0].qty_left == 2
        waiting = store.outbox.unacked()
        assert [e.type for e in waiting] == [EventType.SALE_COMPLETED, EventType.MEMBER_CREATED]
        assert waiting[0].parsed().model_dump()["receipt_no"] == "S01-T03-000001"
        ready = store.outbox.next_batch(0, 10)
        assert [EventEnvelope.model_validate_json(r.json) for r in ready] == waiting
        # new work continues the old counters: no reused seq or receipt number
        with store.transaction():
            env = store.outbox.append(MemberCreated(member_id="new", card_no="X1", store_id=1,
                                                           created_at=utcnow()))
        assert env.seq == 4
        with store.transaction():
            assert next_sale_receipt_no(store) == "S01-T03-000002"
    finally:
        store.close()
