"""The change feed: session hooks write upserts and tombstones with a monotonic sequence; scopes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from central.db import session_scope
from central.syncing import feed
from central.syncing.models import SyncCounter, SyncFeed


class _Base(DeclarativeBase):
    pass


class Gadget(_Base):
    """A stand-in master-data model (real domains register theirs the same way)."""

    __tablename__ = "test_gadgets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    store_id: Mapped[int | None]
    rep_id: Mapped[int | None]


def _load(session: Session, ids: Sequence[str]) -> dict[str, tuple[dict[str, Any], list[feed.Scope]]]:
    rows = session.execute(select(Gadget).where(Gadget.id.in_([int(i) for i in ids]))).scalars()
    return {str(g.id): ({"id": g.id, "name": g.name}, [(g.store_id or 0, g.rep_id or 0)]) for g in rows}


@pytest.fixture
def gadgets(engine: Engine) -> Iterator[Engine]:
    _Base.metadata.create_all(engine)
    for table in (SyncFeed.__table__, SyncCounter.__table__):
        table.create(engine)  # type: ignore[attr-defined]
    feed.register_entity("gadget", _load)
    feed.track(Gadget, lambda g: [("gadget", str(g.id))])
    yield engine
    feed._tracked.pop(Gadget, None)
    feed._loaders.pop("gadget", None)


def _pull(session: Session, cursor: int, store: int | None = None, rep: int | None = None) -> list[feed.FeedRow]:
    return feed.changes_after(session, cursor, store_id=store, rep_id=rep, limit=1000)


def test_insert_update_delete_travel_in_sequence_with_tombstones(gadgets: Engine) -> None:
    # given a gadget created, renamed, then a second created
    with session_scope(gadgets) as s:
        s.add(Gadget(id=1, name="茶杯", store_id=None, rep_id=None))
    with session_scope(gadgets) as s:
        start = feed.counter(s)
        s.get(Gadget, 1).name = "大茶杯"  # type: ignore[union-attr]
        s.add(Gadget(id=2, name="茶壶", store_id=None, rep_id=None))
    with session_scope(gadgets) as s:
        rows = _pull(s, start)
    # then the changes since the cursor hold the latest state, in increasing seq
    assert [(r.entity_id, r.op) for r in rows] == [("1", "upsert"), ("2", "upsert")]
    assert rows[0].seq < rows[1].seq
    assert json.loads(rows[0].data or "")["name"] == "大茶杯"
    # when one is deleted
    with session_scope(gadgets) as s:
        cursor = feed.counter(s)
        s.delete(s.get(Gadget, 2))
    with session_scope(gadgets) as s:
        rows = _pull(s, cursor)
    # then a tombstone travels
    assert [(r.entity_id, r.op, r.data) for r in rows] == [("2", "delete", None)]
    assert rows[0].seq > cursor


def test_unchanged_state_writes_nothing_and_rollback_writes_nothing(gadgets: Engine) -> None:
    with session_scope(gadgets) as s:
        s.add(Gadget(id=1, name="a", store_id=None, rep_id=None))
    with session_scope(gadgets) as s:
        before = feed.counter(s)
        s.get(Gadget, 1).name = "a"  # type: ignore[union-attr]
        feed.touch(s, "gadget", [1])
    def failing_change() -> None:
        with session_scope(gadgets) as s:
            s.get(Gadget, 1).name = "b"  # type: ignore[union-attr]
            s.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_change()
    with session_scope(gadgets) as s:
        assert feed.counter(s) == before
        assert json.loads(_pull(s, 0)[0].data or "")["name"] == "a"


def test_scope_store_and_rep_and_leaving_a_scope_sends_a_tombstone(gadgets: Engine) -> None:
    with session_scope(gadgets) as s:
        s.add_all([Gadget(id=1, name="all", store_id=None, rep_id=None),
                   Gadget(id=2, name="store 1", store_id=1, rep_id=None),
                   Gadget(id=3, name="store 2", store_id=2, rep_id=None),
                   Gadget(id=4, name="rep 7", store_id=1, rep_id=7)])
    with session_scope(gadgets) as s:
        assert {r.entity_id for r in _pull(s, 0, store=1)} == {"1", "2"}
        assert {r.entity_id for r in _pull(s, 0, store=2)} == {"1", "3"}
        assert {r.entity_id for r in _pull(s, 0, store=1, rep=7)} == {"1", "2", "4"}
        assert {r.entity_id for r in _pull(s, 0, store=1, rep=8)} == {"1", "2"}
        cursor = feed.counter(s)
    # when gadget 4 is reassigned to rep 8
    with session_scope(gadgets) as s:
        s.get(Gadget, 4).rep_id = 8  # type: ignore[union-attr]
    with session_scope(gadgets) as s:
        assert [(r.entity_id, r.op) for r in _pull(s, cursor, store=1, rep=7)] == [("4", "delete")]
        assert [(r.entity_id, r.op) for r in _pull(s, cursor, store=1, rep=8)] == [("4", "upsert")]
        assert _pull(s, cursor, store=2) == []


def test_purge_tombstones_raises_the_horizon(gadgets: Engine) -> None:
    with session_scope(gadgets) as s:
        s.add(Gadget(id=1, name="x", store_id=None, rep_id=None))
    with session_scope(gadgets) as s:
        s.delete(s.get(Gadget, 1))
    with session_scope(gadgets) as s:
        top = feed.counter(s)
        assert feed.purge_tombstones(s, top + 1) == 1
    with session_scope(gadgets) as s:
        assert feed.counter(s, "horizon") == top  # cursors below it may have missed a deletion
        assert _pull(s, 0) == []
