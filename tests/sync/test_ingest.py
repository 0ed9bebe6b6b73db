"""Push ingest: exactly once by the database's unique key, duplicates, conflicts, rejections into
quarantine, deferral, forged events, and concurrent pushes of the same event."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from central.db import session_scope
from central.errors import Invalid, NotFound
from central.syncing import ingest, quarantine
from central.syncing.handlers import HANDLERS
from central.syncing.ingest import DeviceScope
from central.syncing.models import SyncEvent, SyncQuarantine
from sync.events import (
    EventEnvelope,
    EventType,
    PaymentPayload,
    SaleCompleted,
    SaleLinePayload,
    Tender,
    make_event,
    payload_hash,
)
from sync.protocol import PROTOCOL_VERSION, EventStatus, PushRequest


class _Base(DeclarativeBase):
    pass


class FakeSale(_Base):
    """What a domain ingest service writes (the real one is H4's; this one keeps the test focused)."""

    __tablename__ = "test_fake_sales"
    sale_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    total_fen: Mapped[int]


def fake_apply_sale(session: Session, ev: SaleCompleted, *, terminal_id: int, store_id: int | None,
                    received_at: datetime) -> None:
    if ev.note == "bad":
        raise Invalid("商品不存在", "unknown product", code="product_not_found")
    if ev.note == "later":
        raise NotFound("原销售单未到", "original sale not here yet", code="original_sale_not_found")
    session.add(FakeSale(sale_id=ev.sale_id, total_fen=ev.total_fen))


@pytest.fixture
def central(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    _Base.metadata.create_all(engine)
    for table in (SyncEvent.__table__, SyncQuarantine.__table__):
        table.create(engine)  # type: ignore[attr-defined]
    monkeypatch.setitem(HANDLERS, EventType.SALE_COMPLETED, fake_apply_sale)
    return engine


DEVICE = DeviceScope(terminal_id=5, store_id=1)


def sale_event(seq: int, *, note: str | None = None, total: int = 1000, terminal_id: int = 5,
               store_id: int = 1) -> EventEnvelope:
    line = SaleLinePayload(line_no=1, product_id=1, sku="A1", name="可乐", unit_code="pc", unit_factor=1,
                           qty=Decimal(1), unit_price_fen=total, price_source="base", list_amount_fen=total,
                           line_discount_fen=0, order_discount_fen=0, amount_fen=total, tax_rate_bp=1300,
                           tax_fen=115)
    sale = SaleCompleted(
        sale_id=f"sale-{terminal_id}-{seq}", receipt_no=f"S01-T{terminal_id}-{seq}", store_id=store_id,
        terminal_id=terminal_id, shift_id="shift-1", sold_at=datetime(2026, 1, 1, tzinfo=UTC), lines=[line],
        payments=[PaymentPayload(tender=Tender.CASH, amount_fen=total)], subtotal_fen=total, discount_fen=0,
        rounding_fen=0, total_fen=total, tax_fen=115, note=note)
    return make_event(terminal_id=terminal_id, seq=seq, payload=sale)


def push(engine: Engine, events: list[EventEnvelope], device: Any = DEVICE) -> list[tuple[str, EventStatus]]:
    with session_scope(engine) as s:
        answer = ingest.push(s, device, PushRequest(protocol_version=PROTOCOL_VERSION,
                                                    terminal_id=device.terminal_id, events=events))
    return [(r.event_id, r.status) for r in answer.results]


def count(engine: Engine, model: Any) -> int:
    with session_scope(engine, write=False) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_applied_once_then_duplicate(central: Engine) -> None:
    e1, e2 = sale_event(1), sale_event(2)
    assert push(central, [e1, e2]) == [(e1.event_id, EventStatus.APPLIED), (e2.event_id, EventStatus.APPLIED)]
    # the answer was lost; the terminal sends the whole batch again
    assert push(central, [e1, e2]) == [(e1.event_id, EventStatus.DUPLICATE), (e2.event_id, EventStatus.DUPLICATE)]
    assert count(central, FakeSale) == 2
    assert count(central, SyncEvent) == 2


def test_same_id_other_payload_is_a_conflict_and_quarantined(central: Engine) -> None:
    e1 = sale_event(1, total=1000)
    push(central, [e1])
    forged = sale_event(1, total=5)
    tampered = EventEnvelope.model_validate({**e1.model_dump(), "payload": forged.payload,
                                             "payload_hash": payload_hash(forged.payload)})
    assert push(central, [tampered]) == [(e1.event_id, EventStatus.CONFLICT)]
    assert push(central, [tampered]) == [(e1.event_id, EventStatus.CONFLICT)]
    with session_scope(central, write=False) as s:
        items = quarantine.list_items(s)
        assert [(i.kind, i.code) for i in items] == [("conflict", "payload_conflict")]
        assert s.get(FakeSale, "sale-5-1").total_fen == 1000  # type: ignore[union-attr]


def test_rejected_event_is_quarantined_not_lost_and_can_be_retried(central: Engine) -> None:
    bad, good = sale_event(1, note="bad"), sale_event(2)
    assert push(central, [bad, good]) == [(bad.event_id, EventStatus.REJECTED), (good.event_id, EventStatus.APPLIED)]
    # a resend gets the same answer; nothing is applied
    assert push(central, [bad]) == [(bad.event_id, EventStatus.REJECTED)]
    assert count(central, FakeSale) == 1
    with session_scope(central) as s:
        [item] = quarantine.list_items(s)
        assert item.code == "product_not_found"
        assert item.payload["sale_id"] == "sale-5-1"
    # retry while the cause is still there fails and leaves the item open
    with pytest.raises(Invalid), session_scope(central) as s:
        quarantine.resolve(s, item.id, action="retry")
    # head office "fixes" the cause (here: the handler now accepts it) and retries
    HANDLERS[EventType.SALE_COMPLETED] = lambda s, ev, **kw: s.add(
        FakeSale(sale_id=ev.sale_id, total_fen=ev.total_fen))  # undone by the fixture's monkeypatch
    with session_scope(central) as s:
        assert quarantine.resolve(s, item.id, action="retry", note="建了商品")["resolution"] == "reapplied"
    assert count(central, FakeSale) == 2
    assert push(central, [bad]) == [(bad.event_id, EventStatus.DUPLICATE)]
    with session_scope(central, write=False) as s:
        assert quarantine.list_items(s) == []


def test_deferred_event_writes_nothing_and_applies_later(central: Engine) -> None:
    later = sale_event(1, note="later")
    assert push(central, [later]) == [(later.event_id, EventStatus.DEFERRED)]
    assert count(central, SyncEvent) == 0


def test_forged_event_for_another_terminal_or_store_is_rejected_without_blocking_the_real_one(
        central: Engine) -> None:
    victim = sale_event(1, terminal_id=6, store_id=2)
    # terminal 5 replays terminal 6's event
    assert push(central, [victim]) == [(victim.event_id, EventStatus.REJECTED)]
    other_store = sale_event(2, store_id=2)
    assert push(central, [other_store]) == [(other_store.event_id, EventStatus.REJECTED)]
    assert count(central, FakeSale) == 0
    # the real terminal 6 still gets its sale applied
    assert push(central, [victim], DeviceScope(terminal_id=6, store_id=2)) == [
        (victim.event_id, EventStatus.APPLIED)]


def test_hash_mismatch_and_bad_payload_are_rejected(central: Engine) -> None:
    e = sale_event(1)
    wrong_hash = EventEnvelope.model_validate({**e.model_dump(), "payload_hash": "0" * 64})
    broken = {**e.payload, "lines": []}
    bad_payload = EventEnvelope.model_validate({**e.model_dump(), "event_id": "x-2", "seq": 2,
                                                "payload": broken, "payload_hash": payload_hash(broken)})
    assert [s for _, s in push(central, [wrong_hash, bad_payload])] == [EventStatus.REJECTED] * 2
    with session_scope(central, write=False) as s:
        assert sorted(i.code for i in quarantine.list_items(s)) == ["hash_mismatch", "invalid_payload"]


def test_concurrent_pushes_of_the_same_batch_apply_once(central: Engine) -> None:
    events = [sale_event(i) for i in range(1, 21)]
    answers: list[list[tuple[str, EventStatus]]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            answers.append(push(central, events))
        except BaseException as exc:  # SQLite may refuse a writer that waited too long; that is a retry
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert count(central, FakeSale) == 20
    per_event = list(zip(*[[s for _, s in a] for a in answers], strict=True))
    for statuses in per_event:
        assert sorted(statuses).count(EventStatus.APPLIED) == 1
