"""The sync engine's push with the real domain services: a batch repeated, reordered or cut short
leaves every sale, stock movement and points entry in central exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central.db import session_scope
from central.inventory.check import check_stock
from central.inventory.ledger import on_hand
from central.inventory.models import StockMovement
from central.members.models import Member, PointsEntry
from central.sales.models import Sale, SaleReturn, Shift
from central.syncing.ingest import DeviceScope, push
from sync.events import EventEnvelope, Tender, make_event
from sync.protocol import PROTOCOL_VERSION, PushRequest

from .conftest import World, line, return_of, sale, shift_opened

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def _push(engine: Engine, w: World, events: list[EventEnvelope]) -> dict[str, str]:
    with session_scope(engine) as s:
        response = push(s, DeviceScope(terminal_id=w.terminal, store_id=w.store),
                        PushRequest(protocol_version=PROTOCOL_VERSION, terminal_id=w.terminal, events=events),
                        received_at=NOW)
    return {r.event_id: r.status.value for r in response.results}


def _count(s: Session, model: Any) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_repeated_and_reordered_push_applies_each_event_once(engine: Engine, world: World) -> None:
    first = sale(world, [line(1, world.cola, 3, 300), line(2, world.rice, 1, 5990, tax_bp=900)],
                 member_id=world.member, points_earned=67, points_redeemed=100,
                 tenders=[(Tender.POINTS, 100), (Tender.CASH, 6_790)])
    second = sale(world, [line(1, world.cola, 2, 300)])
    ret = return_of(world, first, [(1, "1")], points_reversed=3)
    payloads = [shift_opened(world), first, second, ret]
    events = [make_event(terminal_id=world.terminal, seq=i, payload=p) for i, p in enumerate(payloads, start=1)]
    # given the return arrives before its sale (the network reordered the batches)
    assert _push(engine, world, [events[3]]) == {events[3].event_id: "deferred"}
    # when the whole batch comes, then again (the acknowledgement was lost), then once more reversed
    statuses = _push(engine, world, events)
    assert list(statuses.values()) == ["applied"] * 4
    again = _push(engine, world, events)
    assert set(again.values()) == {"duplicate"}
    assert set(_push(engine, world, list(reversed(events))).values()) == {"duplicate"}
    # then central holds each document once, and the ledgers moved once
    with Session(engine) as s:
        assert _count(s, Sale) == 2
        assert _count(s, SaleReturn) == 1
        assert _count(s, Shift) == 1
        assert on_hand(s, world.warehouse, world.cola) == -4_000  # 3 + 2 sold, 1 back
        assert _count(s, StockMovement) == 4
        assert check_stock(s).ok
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 500 - 100 + 67 - 3
        assert _count(s, PointsEntry) == 3


def test_a_bad_event_in_a_batch_does_not_block_or_half_apply_the_others(engine: Engine, world: World) -> None:
    good = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)])
    bad = sale(world, [line(1, 999_999, 1, 100)])  # a product central does not know
    later = sale(world, [line(1, world.cola, 1, 300)])
    events = [make_event(terminal_id=world.terminal, seq=i, payload=p) for i, p in enumerate([good, bad, later], 1)]
    statuses = _push(engine, world, events)
    assert [statuses[e.event_id] for e in events] == ["applied", "rejected", "applied"]
    with Session(engine) as s:
        assert _count(s, Sale) == 2
        assert on_hand(s, world.warehouse, world.rice) == -1_000
        assert on_hand(s, world.warehouse, world.cola) == -1_000
        shift = s.get(Shift, "shift-1")
        assert shift is not None
        assert shift.sales_count == 2
        assert check_stock(s).ok
