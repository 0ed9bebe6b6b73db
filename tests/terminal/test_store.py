"""The local store: durable settings, one-transaction semantics, migrations, and the outbox rules."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sync.events import EventType, MemberCreated, payload_hash, utcnow
from terminal.store import Store, StoreError, open_store
from terminal.store.db import Migration, migrate


def _member(n: int) -> MemberCreated:
    return MemberCreated(member_id=f"m-{n}", card_no=f"C{n:05d}", store_id=1, created_at=utcnow())


def test_pragmas_are_set_for_durability(store: Store) -> None:
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA synchronous") == 2  # FULL
    assert store.scalar("PRAGMA foreign_keys") == 1


def test_transaction_rolls_back_everything_on_error(store: Store) -> None:
    def sale_that_fails() -> None:
        with store.transaction():
            store.outbox.append(_member(1))
            store.set_setting("x", "1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        sale_that_fails()
    assert store.outbox.pending_count() == 0
    assert store.get_setting("x") is None
    # the counter rolled back too: the next event still gets seq 1 (gap-free)
    with store.transaction():
        env = store.outbox.append(_member(2))
    assert env.seq == 1


def test_append_event_requires_a_transaction(store: Store) -> None:
    with pytest.raises(StoreError):
        store.outbox.append(_member(1))


def test_outbox_seq_is_gap_free_and_ids_unique(store: Store) -> None:
    envs = []
    for i in range(5):
        with store.transaction():
            envs.append(store.outbox.append(_member(i)))
    assert [e.seq for e in envs] == [1, 2, 3, 4, 5]
    assert len({e.event_id for e in envs}) == 5
    assert all(e.type is EventType.MEMBER_CREATED and e.terminal_id == 3 for e in envs)
    again = store.outbox.unacked()
    assert [e.model_dump() for e in again] == [e.model_dump() for e in envs]
    for text, digest in store.all("SELECT payload, payload_hash FROM outbox"):
        assert payload_hash(json.loads(text)) == digest  # what central re-hashes on receipt
    first = again[0].parsed()
    assert isinstance(first, MemberCreated)
    assert first.card_no == "C00000"


def test_outbox_rows_cannot_be_deleted_before_ack(store: Store) -> None:
    with store.transaction():
        store.outbox.append(_member(1))
        store.outbox.append(_member(2))
    with pytest.raises(sqlite3.IntegrityError, match="not acknowledged"):
        store.execute("DELETE FROM outbox WHERE seq=1")
    store.outbox.mark_sending([1, 2])
    assert store.scalar("SELECT status FROM outbox WHERE seq=1") == "sending"
    with pytest.raises(sqlite3.IntegrityError):
        store.execute("DELETE FROM outbox WHERE seq=1")
    store.outbox.mark_acked([1])
    store.outbox.mark_failed([2], "timeout")
    assert store.outbox.pending_count() == 1
    assert store.scalar("SELECT last_error FROM outbox WHERE seq=2") == "timeout"
    store.execute("DELETE FROM outbox WHERE seq=1")  # acked: may be pruned
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        store.execute("UPDATE outbox SET payload='{}' WHERE seq=2")


def test_event_before_enrolment_is_refused(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    with pytest.raises(StoreError, match="terminal_id"), s.transaction():
        s.outbox.append(_member(1))
    s.close()


def test_reopen_keeps_data_and_does_not_reapply_migrations(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.set_setting("store_code", "S09")
    version = s.schema_version
    s.close()
    s = open_store(tmp_path)
    assert s.schema_version == version >= 1
    assert s.get_setting("store_code") == "S09"
    s.close()


def test_failed_migration_leaves_previous_version(tmp_path: Path) -> None:
    s = open_store(tmp_path, migrate_schema=False)
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);\nINSERT INTO nope VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        migrate(s, [good, bad])
    assert s.schema_version == 1
    assert s.table_exists("a")
    assert not s.table_exists("b")
    s.close()


def test_database_newer_than_program_is_refused(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.execute("PRAGMA user_version = 999")
    s.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(tmp_path)


def test_nested_transaction_error_undoes_only_its_part(store: Store) -> None:
    def inner() -> None:
        with store.transaction():
            store.set_setting("inner", "1")
            raise ValueError("inner failed")

    with store.transaction():
        store.set_setting("outer", "1")
        with pytest.raises(ValueError):
            inner()
        store.set_setting("after", "1")
    assert store.get_setting("outer") == "1"
    assert store.get_setting("after") == "1"
    assert store.get_setting("inner") is None
