"""WAL checkpoints run on a background thread after commits, not inside the sale's COMMIT."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

from sync.events import MemberCreated, utcnow
from terminal.store import Store, open_store, outbox
from terminal.store.db import JOURNAL_SIZE_LIMIT, WAL_AUTOCHECKPOINT_PAGES
from tests.terminal.helpers import enrol


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("wal-checkpoint")]


def test_sale_connection_checkpoints_only_as_a_safety_net(store: Store) -> None:
    assert store.scalar("PRAGMA wal_autocheckpoint") == WAL_AUTOCHECKPOINT_PAGES > 1000
    assert store.scalar("PRAGMA journal_size_limit") == JOURNAL_SIZE_LIMIT
    assert store.scalar("PRAGMA synchronous") == 2  # FULL: unchanged for the sale path


def test_committed_rows_reach_the_database_file_in_the_background(tmp_path: Path) -> None:
    store = open_store(tmp_path / "till")
    enrol(store)
    with store.transaction():
        env = outbox.append_event(store, MemberCreated(member_id="m-1", card_no="C00001", store_id=1,
                                                       created_at=utcnow()))
    assert store.wait_checkpointed(10)
    # the main database file alone (no -wal file beside it) already holds the committed event
    alone = tmp_path / "copy" / "terminal.db"
    alone.parent.mkdir()
    shutil.copy(store.path, alone)
    assert not (alone.parent / "terminal.db-wal").exists()
    conn = sqlite3.connect(alone)
    try:
        assert conn.execute("SELECT event_id FROM outbox WHERE seq=?", (env.seq,)).fetchone() == (env.event_id,)
    finally:
        conn.close()
    store.close()


def test_close_stops_the_checkpoint_thread(tmp_path: Path) -> None:
    before = len(_checkpoint_threads())
    store = open_store(tmp_path / "till")  # the migrations commit: the thread starts
    assert len(_checkpoint_threads()) == before + 1
    store.close()
    assert len(_checkpoint_threads()) == before
