"""WAL checkpoints run on a background thread every so many commits, not inside the sale's COMMIT,
and that thread restarts the WAL itself so no sale pays for the restart."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from sync.events import MemberCreated, utcnow
from terminal.store import Store, open_store, outbox
from terminal.store.db import (
    CHECKPOINT_EVERY_COMMITS,
    JOURNAL_SIZE_LIMIT,
    WAL_AUTOCHECKPOINT_PAGES,
    WAL_RESTARTS_SEQ,
)
from tests.terminal.helpers import enrol


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("wal-checkpoint")]


def test_sale_connection_checkpoints_only_as_a_safety_net(store: Store) -> None:
    assert store.scalar("PRAGMA wal_autocheckpoint") == WAL_AUTOCHECKPOINT_PAGES > 1000
    assert store.scalar("PRAGMA journal_size_limit") == JOURNAL_SIZE_LIMIT
    assert store.scalar("PRAGMA synchronous") == 2  # FULL: unchanged for the sale path


def _member(store: Store, n: int) -> outbox.EventEnvelope:
    with store.transaction():
        return store.outbox.append(MemberCreated(member_id=f"m-{n}", card_no=f"C{n:05d}", store_id=1,
                                                        created_at=utcnow()))


def _in_file_alone(store: Store, tmp_path: Path, seq: int) -> str | None:
    """The event_id of outbox row `seq` as the main database file alone holds it (no -wal beside it)."""
    alone = Path(tempfile.mkdtemp(dir=tmp_path)) / "terminal.db"
    shutil.copy(store.path, alone)
    assert not (alone.parent / "terminal.db-wal").exists()
    conn = sqlite3.connect(alone)
    try:
        row = conn.execute("SELECT event_id FROM outbox WHERE seq=?", (seq,)).fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def test_every_so_many_commits_the_rows_reach_the_database_file_in_the_background(tmp_path: Path) -> None:
    store = open_store(tmp_path / "till")
    try:
        enrol(store)
        store.checkpoint_now()
        restarts = store.scalar("SELECT value FROM local_seq WHERE name=?", (WAL_RESTARTS_SEQ,))
        first = _member(store, 0)
        assert store.wait_checkpointed(10)
        assert _in_file_alone(store, tmp_path, first.seq) is None  # one commit: still only in the WAL
        last = first
        for n in range(1, CHECKPOINT_EVERY_COMMITS + 1):
            last = _member(store, n)
        assert store.wait_checkpointed(10)
        found = _in_file_alone(store, tmp_path, first.seq)
        assert found == first.event_id  # checkpointed without anyone asking
        # the checkpoint thread restarted the WAL with its own one-row write
        assert store.scalar("SELECT value FROM local_seq WHERE name=?", (WAL_RESTARTS_SEQ,)) == (restarts or 0) + 1
        assert store.checkpoint_now()
        assert _in_file_alone(store, tmp_path, last.seq) == last.event_id
    finally:
        store.close()


def test_a_checkpoint_restarts_the_wal_so_the_next_commit_writes_from_its_start(tmp_path: Path) -> None:
    store = open_store(tmp_path / "till")
    try:
        enrol(store)
        for n in range(20):
            _member(store, n)
        assert store.checkpoint_now()
        _member(store, 99)
        # frames in the WAL now: the checkpoint thread's one write, then this commit's pages only
        busy, frames, _done = store.one("PRAGMA wal_checkpoint(PASSIVE)")
        assert busy == 0
        assert 1 < frames < 12
    finally:
        store.close()


def test_close_stops_the_checkpoint_thread(tmp_path: Path) -> None:
    before = len(_checkpoint_threads())
    store = open_store(tmp_path / "till")
    store.checkpoint_now()  # the thread starts at the first checkpoint
    assert len(_checkpoint_threads()) == before + 1
    store.close()
    assert len(_checkpoint_threads()) == before
