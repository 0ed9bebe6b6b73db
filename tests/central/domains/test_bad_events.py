"""One bad event never blocks the rest (issue #10 §2 ranges, §3 quarantine), on SQLite and PostgreSQL.

Events the till could not have made with the wire contract (a NUL byte, an amount beyond any
column, an id wider than its column, a time from a till whose clock is wrong) and an event the
database itself cannot store are each quarantined with their reason; the events around them in the
same batch are applied; the till is told which; a quarantined event can be retried without a 500;
and a terminal can fill the quarantine only up to its hourly cap.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from central.db import session_scope
from central.errors import Invalid
from central.members.models import Member
from central.sales.models import Sale
from central.syncing import ingest, quarantine
from central.syncing.handlers import HANDLERS
from central.syncing.ingest import DeviceScope
from central.syncing.models import SyncEvent, SyncQuarantine
from sync.events import (
    DrawerOpened,
    EventEnvelope,
    EventType,
    MemberCreated,
    make_event,
    payload_hash,
    uuid7,
)
from sync.protocol import PROTOCOL_VERSION, PushRequest, PushResponse

from .conftest import T0, World, line, sale, shift_opened

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def _tamper(env: EventEnvelope, **changes: Any) -> EventEnvelope:
    """The event as a till that skipped the contract would send it (the hash made to match)."""
    payload = {**env.payload, **changes}
    return env.model_copy(update={"payload": payload, "payload_hash": payload_hash(payload)})


def _push(engine: Engine, w: World, events: list[EventEnvelope], now: datetime = NOW) -> PushResponse:
    device = DeviceScope(terminal_id=w.terminal, store_id=w.store)
    with session_scope(engine) as s:
        return ingest.push(s, device, PushRequest(protocol_version=PROTOCOL_VERSION, terminal_id=w.terminal,
                                                  events=events), received_at=now)


def _statuses(answer: PushResponse) -> dict[str, tuple[str, str | None]]:
    return {r.event_id: (r.status.value, r.code) for r in answer.results}


def _member(w: World, name: str) -> MemberCreated:
    return MemberCreated(member_id=uuid7(), card_no=f"M{uuid7()[-8:]}", name=name, store_id=w.store, created_at=T0)


def test_each_bad_event_is_quarantined_with_its_reason_and_the_rest_applied(engine: Engine, world: World) -> None:
    w = world
    seq = iter(range(1, 100))

    def ev(payload: Any) -> EventEnvelope:
        return make_event(terminal_id=w.terminal, seq=next(seq), payload=payload)

    good1 = ev(sale(w, [line(1, w.cola, 1, 300)]))
    nul_note = _tamper(ev(sale(w, [line(1, w.cola, 1, 300)])), note="收银员\x00备注")
    huge = ev(sale(w, [line(1, w.cola, 1, 300)]))
    huge = _tamper(huge, total_fen=10**19, subtotal_fen=10**19)
    wide_id = _tamper(ev(sale(w, [line(1, w.cola, 1, 300)])), sale_id="x" * 60)
    clock = _tamper(ev(sale(w, [line(1, w.cola, 1, 300)])), sold_at="2099-01-01T00:00:00+00:00")
    nul_member = _tamper(ev(_member(w, "王五")), name="王\x00五")
    good2 = ev(sale(w, [line(1, w.rice, 1, 5990, tax_bp=900)]))
    good_member = ev(_member(w, "赵六"))
    batch = [ev(shift_opened(w)), good1, nul_note, huge, wide_id, clock, nul_member, good2, good_member]

    answer = _push(engine, w, batch)

    got = _statuses(answer)
    assert got == {
        batch[0].event_id: ("applied", None), good1.event_id: ("applied", None),
        nul_note.event_id: ("rejected", "invalid_text"), huge.event_id: ("rejected", "out_of_range"),
        wide_id.event_id: ("rejected", "out_of_range"), clock.event_id: ("rejected", "clock_off"),
        nul_member.event_id: ("rejected", "invalid_text"), good2.event_id: ("applied", None),
        good_member.event_id: ("applied", None)}
    said = {r.event_id: r for r in answer.results}
    assert "note" in said[nul_note.event_id].message_en
    assert "控制字符" in (said[nul_note.event_id].message or "")
    assert "clock is wrong" in (said[clock.event_id].message_en or "")
    assert "时钟" in (said[clock.event_id].message or "")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Sale)) == 2
        assert s.scalar(select(func.count()).select_from(Member).where(Member.name == "赵六")) == 1
        items = {q.event_id: q.code for q in s.scalars(select(SyncQuarantine))}
        assert items == {nul_note.event_id: "invalid_text", huge.event_id: "out_of_range",
                         wide_id.event_id: "out_of_range", clock.event_id: "clock_off",
                         nul_member.event_id: "invalid_text"}
    # the till sends the same batch again (its answer was lost): the same answers, nothing more stored
    again = _statuses(_push(engine, w, batch))
    assert {k: v[0] for k, v in again.items()} == {
        k: ("duplicate" if v[0] == "applied" else v[0]) for k, v in got.items()}


def _raise_unstorable(session: Session, payload: Any, **_kw: Any) -> None:
    """A domain write the database cannot hold (a number beyond any integer column): SQLite's driver
    raises OverflowError, PostgreSQL 'integer out of range'."""
    session.execute(text("SELECT CAST(:x AS INTEGER)"), {"x": 10**20}).all()


@pytest.fixture
def unstorable_drawer(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    with monkeypatch.context() as patch:
        patch.setitem(HANDLERS, EventType.DRAWER_OPENED, _raise_unstorable)
        yield patch


def _drawer(w: World) -> DrawerOpened:
    return DrawerOpened(store_id=w.store, terminal_id=w.terminal, cashier_id=w.cashier, opened_at=T0, reason="找零")


def test_an_event_the_database_cannot_store_is_quarantined_then_retried_after_the_fix(
        engine: Engine, world: World, unstorable_drawer: pytest.MonkeyPatch) -> None:
    w = world
    opened = make_event(terminal_id=w.terminal, seq=1, payload=shift_opened(w))
    drawer = make_event(terminal_id=w.terminal, seq=2, payload=_drawer(w))
    after = make_event(terminal_id=w.terminal, seq=3, payload=sale(w, [line(1, w.cola, 2, 300)]))

    answer = _statuses(_push(engine, w, [opened, drawer, after]))

    assert answer == {opened.event_id: ("applied", None), drawer.event_id: ("rejected", "unstorable"),
                      after.event_id: ("applied", None)}
    with Session(engine) as s:
        [item] = quarantine.list_items(s)
    assert item.event_id == drawer.event_id
    assert "无法保存" in item.message
    # retried while the cause is still there: a clear refusal (422), not a crash, nothing changed
    with pytest.raises(Invalid) as refused, session_scope(engine) as s:
        quarantine.resolve(s, item.id, action="retry")
    assert refused.value.code == "retry_failed"
    # fixed (here: the domain's real service back), retried: applied once, resolved
    unstorable_drawer.undo()
    with session_scope(engine) as s:
        assert quarantine.resolve(s, item.id, action="retry")["resolution"] == "reapplied"
    with Session(engine) as s:
        assert quarantine.list_items(s) == []
        assert s.scalar(select(SyncEvent.status).where(SyncEvent.event_id == drawer.event_id)) == "applied"


def test_retrying_an_event_that_breaks_the_contract_is_refused_plainly(engine: Engine, world: World) -> None:
    w = world
    nul_member = _tamper(make_event(terminal_id=w.terminal, seq=1, payload=_member(w, "王五")), name="王\x00五")
    assert _statuses(_push(engine, w, [nul_member]))[nul_member.event_id] == ("rejected", "invalid_text")
    with Session(engine) as s:
        [item] = quarantine.list_items(s)
    with pytest.raises(Invalid) as refused, session_scope(engine) as s:
        quarantine.resolve(s, item.id, action="retry")
    assert refused.value.code == "retry_failed"
    assert "控制字符" in refused.value.message
    with Session(engine) as s:
        assert [i.id for i in quarantine.list_items(s)] == [item.id]  # still there, unchanged


def test_a_terminal_fills_the_quarantine_only_up_to_its_hourly_cap(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POS_QUARANTINE_PER_HOUR", "3")
    w = world
    seq = iter(range(1, 100))
    bad = [_tamper(make_event(terminal_id=w.terminal, seq=next(seq), payload=_member(w, f"坏{i}")), name="\x00")
           for i in range(5)]
    good = make_event(terminal_id=w.terminal, seq=next(seq), payload=_member(w, "好"))

    answer = _push(engine, w, [*bad, good])

    got = _statuses(answer)
    assert [got[e.event_id] for e in bad] == [("rejected", "invalid_text")] * 3 + [("deferred", "quarantine_full")] * 2
    assert got[good.event_id] == ("applied", None)
    full = next(r for r in answer.results if r.code == "quarantine_full")
    assert "上限" in (full.message or "")
    assert "3" in (full.message_en or "")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(SyncQuarantine)) == 3
        # nothing of the refused-over-cap events is stored: they stay on the till
        assert s.scalar(select(func.count()).select_from(SyncEvent).where(
            SyncEvent.event_id.in_([e.event_id for e in bad[3:]]))) == 0
    # the same till an hour later: room again
    later = _statuses(_push(engine, w, bad[3:], now=NOW + timedelta(hours=1, minutes=1)))
    assert list(later.values()) == [("rejected", "invalid_text")] * 2
