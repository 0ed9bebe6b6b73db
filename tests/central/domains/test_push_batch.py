"""The push's bulk path gives exactly what applying the events one by one gives.

A batch mixing new sales, a duplicate, a conflicting repeat, invalid events (unknown product,
receipt number taken, sums that do not add up, a forged hash, a payload that fails validation), a
deferred one (unknown member), a return of a sale of the same batch, a shift closed in the middle
(a late sale after it) and a points overdraw is pushed once through `push` (bulk: one check per
event, one write per table) and, on the same database rolled back, event by event through `_one`
(each under its own savepoint): same answers, same rows in every table the events touch.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, select
from sqlalchemy.orm import Session

from central.db import session_scope
from central.finance.models import ReceivableAccount, ReceivableEntry
from central.inventory.check import check_stock
from central.inventory.models import StockMovement, StockOnHand
from central.members.models import Member, PointsEntry
from central.review.models import ReviewFlag
from central.sales.models import ReturnLine, ReturnRefund, Sale, SaleLine, SalePayment, SaleReturn, Shift
from central.syncing import ingest
from central.syncing.ingest import DeviceScope
from central.syncing.models import SyncEvent, SyncQuarantine
from sync.events import EventEnvelope, ShiftClosed, Tender, make_event, payload_hash, uuid7
from sync.protocol import PROTOCOL_VERSION, PushRequest

from .conftest import T0, World, line, return_of, sale, shift_opened

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)

TABLES: list[Any] = [Sale, SaleLine, SalePayment, SaleReturn, ReturnLine, ReturnRefund, Shift, StockMovement,
                     StockOnHand, Member, PointsEntry, ReceivableAccount, ReceivableEntry, SyncEvent, SyncQuarantine,
                     ReviewFlag]
NATURAL_IDS = {"sales", "sale_returns", "shifts", "members"}
"""Tables whose `id` is the document's own; elsewhere `id` is auto-numbered (compared without it)."""


def _norm(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return repr(value)


def _state(s: Session) -> dict[str, list[tuple[str, ...]]]:
    state = {}
    for model in TABLES:
        table: Table = model.__table__
        keep = [c for c in table.columns if not (c.name == "id" and table.name not in NATURAL_IDS)
                and c.name not in ("updated_at", "created_at" if table.name == "review_flags" else "")]
        # members' updated_at and a flag's created_at are the wall clock of the write
        rows = s.execute(select(*keep)).all()
        state[table.name] = sorted(tuple(_norm(v) for v in row) for row in rows)
    return state


def _events(w: World) -> tuple[list[EventEnvelope], list[EventEnvelope], dict[str, str]]:
    """(pushed before, the mixed batch, expected status per event id of the batch)."""
    t = w.terminal
    before_sale = sale(w, [line(1, w.cola, 1, 300)])
    earlier = make_event(terminal_id=t, seq=1, payload=before_sale)
    other = make_event(terminal_id=t, seq=2, payload=sale(w, [line(1, w.rice, 1, 5990, tax_bp=900)]))
    seq = iter(range(3, 100))

    def ev(payload: Any) -> EventEnvelope:
        return make_event(terminal_id=t, seq=next(seq), payload=payload)

    a = sale(w, [line(1, w.cola, 3, 300), line(2, w.rice, 1, 5990, tax_bp=900)], member_id=w.member,
             points_earned=67, points_redeemed=100, tenders=[(Tender.POINTS, 100), (Tender.CASH, 6_790)],
             shift_id="shift-2")
    bad_figures = sale(w, [line(1, w.cola, 1, 300)], shift_id="shift-2").model_copy(update={"total_fen": 1})
    forged = ev(sale(w, [line(1, w.cola, 1, 300)], shift_id="shift-2"))
    forged = forged.model_copy(update={"payload_hash": payload_hash({"x": 1})})
    invalid = ev(sale(w, [line(1, w.cola, 1, 300)], shift_id="shift-2"))
    invalid_payload = {**invalid.payload, "lines": []}
    invalid = invalid.model_copy(update={"payload": invalid_payload, "payload_hash": payload_hash(invalid_payload)})
    conflicting = other.model_copy(update={"payload": {**other.payload, "note": "changed"},
                                           "payload_hash": payload_hash({**other.payload, "note": "changed"})})
    closed = ShiftClosed(shift_id="shift-2", store_id=w.store, terminal_id=t, cashier_id=w.cashier, closed_at=T0,
                         counted_cash_fen=0, expected_cash_fen=0, sales_count=3, returns_count=1)
    batch: list[tuple[EventEnvelope, str]] = [
        (ev(shift_opened(w, "shift-2")), "applied"),
        (ev(a), "applied"),
        (ev(sale(w, [line(1, 999_999, 1, 100)], shift_id="shift-2")), "rejected"),  # unknown product
        (ev(sale(w, [line(1, w.cola, 1, 300)], shift_id="shift-2", receipt_no=a.receipt_no)), "rejected"),
        (ev(sale(w, [line(1, w.apples, "0.5", 1280, unit="kg")], shift_id="shift-2", customer_id=w.customer,
                 tenders=[(Tender.CREDIT, 640)])), "applied"),
        (earlier, "duplicate"),
        (conflicting, "conflict"),
        (ev(sale(w, [line(1, w.cola, 1, 300)], shift_id="shift-2")), "applied"),
        (ev(return_of(w, a, [(1, "1")], shift_id="shift-2", points_reversed=3)), "applied"),
        (ev(bad_figures), "rejected"),
        (forged, "rejected"),
        (invalid, "rejected"),
        (ev(sale(w, [line(1, w.cola, 1, 300)], shift_id="shift-2", member_id=uuid7(), points_earned=3)),
         "deferred"),  # a member central has not received yet
        (ev(closed), "applied"),
        (ev(sale(w, [line(1, w.rice, 2, 5990, tax_bp=900)], shift_id="shift-2")), "applied"),  # late
        (ev(sale(w, [line(1, w.cola, 4, 300)], shift_id="shift-2", member_id=w.member, points_redeemed=1_000,
                 tenders=[(Tender.POINTS, 1_000), (Tender.CASH, 200)], points_earned=2)), "applied"),  # overdraws
        (ev(sale(w, [line(1, w.cola, 1, 250)], shift_id="shift-2", member_id=w.member, points_earned=5_000_000,
                 )), "applied"),  # minted points and a wrong price: applied, credited by the rules, flagged
        (ev(sale(w, [line(1, w.cola, 1, 300)], shift_id="shift-2").model_copy(
            update={"sale_id": a.sale_id})), "rejected"),  # a sale id central holds
    ]
    return [earlier, other], [e for e, _ in batch], {e.event_id: st for e, st in batch}


def test_bulk_push_equals_one_by_one(engine: Engine, world: World) -> None:
    device = DeviceScope(terminal_id=world.terminal, store_id=world.store)
    before, batch, expected = _events(world)
    with session_scope(engine) as s:
        ingest.push(s, device, PushRequest(protocol_version=PROTOCOL_VERSION, terminal_id=world.terminal,
                                           events=before), received_at=NOW)

    # one by one, each event under its own savepoint (the engine's slow path), then rolled back
    s = Session(engine)
    s.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    one_by_one = {}
    for env in sorted(batch, key=lambda e: e.seq):
        r = ingest._one(s, device, env, NOW)
        one_by_one[r.event_id] = (r.status.value, r.code)
    s.flush()
    single_state = _state(s)
    s.rollback()
    s.close()

    # the same batch through the bulk path, shuffled in the request (central orders by seq)
    shuffled = batch[1::2] + batch[0::2]
    with session_scope(engine) as s:
        response = ingest.push(s, device, PushRequest(protocol_version=PROTOCOL_VERSION,
                                                      terminal_id=world.terminal, events=shuffled), received_at=NOW)
    assert [r.event_id for r in response.results] == [e.event_id for e in shuffled]  # in request order
    bulk = {r.event_id: (r.status.value, r.code) for r in response.results}
    assert {k: v[0] for k, v in bulk.items()} == expected
    assert bulk == one_by_one
    with Session(engine) as s:
        assert _state(s) == single_state
        assert check_stock(s).ok
        late = s.scalars(select(Sale).where(Sale.late.is_(True))).all()
        assert len(late) == 3  # the sales after the close were posted to the closed shift, flagged
        shift = s.get(Shift, "shift-2")
        assert shift is not None
        assert shift.late_postings == 3
        assert s.scalars(select(PointsEntry).where(PointsEntry.overdrawn.is_(True))).all()
        flags = sorted((f.kind, f.message_en.rsplit(" (", 1)[0]) for f in s.scalars(select(ReviewFlag)))
        assert flags == [
            ("points_mismatch", "credited 2 points, not 5,000,000"),
            ("points_overdrawn", "redeemed 1,000 points beyond the member's balance: the balance is now -536"),
            ("price_unverified", f"line 1 (SKU{world.cola}) sold at ¥2.50, central's price is ¥3.00")]
        quarantined = {q.event_id for q in s.scalars(select(SyncQuarantine))}
        assert quarantined == {e for e, st in expected.items() if st in ("rejected", "conflict")}
