"""The outbox: every business event, written in the same transaction as the local state it changes.

Rows move pending → sending → acked (the sync client moves them, a whole batch per statement) and
are never deleted before central acknowledged them (a trigger in the schema refuses it). A sale's
or a return's event does not hold a second copy of its payload: the record's own row keeps it
(`record_id`, migration 0007), and `next_batch` splices the envelopes of a whole push batch in one
query. `seq` is per terminal and gap-free
because it comes from a counter bumped inside the caller's transaction: a rolled-back sale gives
its number back. The events central refused (`sync_quarantine`) are listed here too.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel

from sync.events import PAYLOAD_TYPES, EventEnvelope, EventType, canonical_bytes, utcnow, uuid7
from terminal.store.stored_json import unpack

if TYPE_CHECKING:
    from terminal.store.db import Store

OUTBOX_SEQ = "outbox"

PENDING = "pending"
SENDING = "sending"
ACKED = "acked"


def _quoted(text: str) -> str:
    """A JSON string (ids, type, time and hash: plain ASCII, escaped anyway)."""
    return orjson.dumps(str(text)).decode()


def _json_list(values: Iterable[int]) -> str:
    """Integers as a JSON array, for `IN (SELECT value FROM json_each(?))`: a whole batch in one statement."""
    return "[" + ",".join(str(int(v)) for v in values) + "]"


def make_event(terminal_id: int, seq: int, payload: BaseModel,
               occurred_at: datetime | None) -> tuple[EventEnvelope, str]:
    """`sync.events.make_event` (same envelope, same hash) plus the payload JSON to store, with
    the payload serialised once: model_dump once, then orjson for both the canonical form hashed
    and the stored text (which is `payload.model_dump_json()`: tested)."""
    data = payload.model_dump(mode="json")
    envelope = EventEnvelope(
        event_id=uuid7(), terminal_id=terminal_id, seq=seq, type=_event_type(type(payload)),
        occurred_at=occurred_at or utcnow(), payload=data,
        payload_hash=hashlib.sha256(canonical_bytes(data)).hexdigest(),
    )
    try:
        payload_json = orjson.dumps(data).decode()
    except TypeError:
        payload_json = payload.model_dump_json()
    return envelope, payload_json


def _event_type(cls: type[BaseModel]) -> EventType:
    hit = _TYPES.get(cls)
    if hit is None:
        hit = _TYPES[cls] = next(t for t, c in PAYLOAD_TYPES.items() if issubclass(cls, c))
    return hit


_TYPES: dict[type[BaseModel], EventType] = {}


def _envelope(r: sqlite3.Row) -> EventEnvelope:
    return EventEnvelope.model_validate({
        "event_id": r["event_id"], "terminal_id": r["terminal_id"], "seq": r["seq"],
        "type": r["type"], "occurred_at": r["occurred_at"],
        "payload": json.loads(unpack(r["payload"])), "payload_hash": r["payload_hash"],
    })


_WITH_PAYLOAD = (
    " FROM outbox o"
    " LEFT JOIN sales s ON o.payload IS NULL AND o.type = 'sale.completed' AND s.id = o.record_id"
    " LEFT JOIN returns r ON o.payload IS NULL AND o.type = 'sale.returned' AND r.id = o.record_id")
"""The events with their payload: their own (text), or (a sale's or a return's event) the JSON its
record keeps (`stored_json`)."""
_PAYLOAD = "coalesce(o.payload, s.payload, r.payload)"
_ROWS = ("SELECT o.seq, o.event_id, o.terminal_id, o.type, o.occurred_at, o.payload_hash, o.status, "
         f"{_PAYLOAD} AS payload" + _WITH_PAYLOAD)
_UNACKED = "o.status IN ('pending', 'sending')"
"""Not acknowledged yet (written as IN, not <> 'acked', so that the status index can serve it)."""


@dataclass(frozen=True)
class ReadyEvent:
    """One event as the push sends it: its envelope already as JSON text, and what the answer about
    it needs (seq, id, type)."""

    seq: int
    event_id: str
    type: str
    json: str


class Outbox:
    """The `outbox` and `sync_quarantine` tables of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def append(self, payload: BaseModel, *, occurred_at: datetime | None = None,
               terminal_id: int | None = None) -> EventEnvelope:
        """Record one event (payload model from `sync.events`); call inside `Store.transaction()` so
        it commits, or not, with the state it describes. `terminal_id`: the caller's copy of the
        enrolment setting (saves the read), else it is read here."""
        return self._append(payload, None, occurred_at, terminal_id)[0]

    def append_for_record(self, payload: BaseModel, record_id: str, *, occurred_at: datetime | None = None,
                          terminal_id: int | None = None) -> tuple[EventEnvelope, str]:
        """Record the event of a sale or a return whose own row keeps the payload (`record_id`: the
        sale's or return's id): the outbox row points at it instead of holding a second copy. Returns
        the envelope and the payload's JSON, which the caller writes on the record's row in the same
        transaction (`Sales.add`, `Returns.add`)."""
        return self._append(payload, record_id, occurred_at, terminal_id)

    def _append(self, payload: BaseModel, record_id: str | None, occurred_at: datetime | None,
                terminal_id: int | None) -> tuple[EventEnvelope, str]:
        store = self._store
        store.require_transaction("Outbox.append")
        if terminal_id is None:
            terminal_id = store.terminal_id()
        seq = store.next_seq(OUTBOX_SEQ)
        envelope, payload_json = make_event(terminal_id, seq, payload, occurred_at)
        store.conn.execute(
            "INSERT INTO outbox(seq, event_id, terminal_id, type, occurred_at, payload, record_id, payload_hash, "
            "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            (seq, envelope.event_id, terminal_id, envelope.type.value, envelope.occurred_at.isoformat(),
             None if record_id is not None else payload_json, record_id, envelope.payload_hash,
             utcnow().isoformat()),
        )
        return envelope, payload_json

    def unacked(self, limit: int = 500) -> list[EventEnvelope]:
        """Events central has not acknowledged yet (pending or sending), oldest first."""
        rows = self._store.all(f"{_ROWS} WHERE {_UNACKED} ORDER BY o.seq LIMIT ?", (limit,))
        return [_envelope(r) for r in rows]

    def get(self, seq: int) -> EventEnvelope | None:
        row = self._store.one(f"{_ROWS} WHERE o.seq=?", (seq,))
        return None if row is None else _envelope(row)

    def next_batch(self, after: int, limit: int) -> list[ReadyEvent]:
        """The next `limit` unacknowledged events after seq `after`, in order, ready to send: one
        query, each envelope's JSON spliced around its stored payload text (nothing parsed or
        re-serialised)."""
        rows = self._store.all(
            f"{_ROWS} WHERE o.seq IN (SELECT seq FROM outbox o WHERE {_UNACKED} AND seq > ? ORDER BY seq LIMIT ?) "
            "ORDER BY o.seq", (after, limit))
        return [ReadyEvent(seq=int(r["seq"]), event_id=str(r["event_id"]), type=str(r["type"]), json=(
            f'{{"event_id":{_quoted(r["event_id"])},"terminal_id":{int(r["terminal_id"])},"seq":{int(r["seq"])},'
            f'"type":{_quoted(r["type"])},"occurred_at":{_quoted(r["occurred_at"])},'
            f'"payload":{unpack(r["payload"])},"payload_hash":{_quoted(r["payload_hash"])}}}')) for r in rows]

    def pending_count(self) -> int:
        """Events waiting for central's acknowledgement (what the status bar shows)."""
        return int(self._store.scalar(f"SELECT count(*) FROM outbox o WHERE {_UNACKED}"))

    def waiting(self) -> list[dict[str, Any]]:
        """Every event not acknowledged yet (seq, event id, type, when), oldest first: what the
        next push sends (`pos-terminal recover` lists them)."""
        return [dict(r) for r in self._store.all(
            f"SELECT o.seq, o.event_id, o.type, o.occurred_at, o.status FROM outbox o WHERE {_UNACKED} "
            "ORDER BY o.seq")]

    def mark_sending(self, seqs: Iterable[int]) -> None:
        """pending → sending before a push (kept as sending if the push is lost; resent later)."""
        self._store.execute(
            "UPDATE outbox SET status='sending', attempts=attempts+1, sent_at=? "
            "WHERE seq IN (SELECT value FROM json_each(?)) AND status <> 'acked'",
            (utcnow().isoformat(), _json_list(seqs)))

    def mark_acked(self, seqs: Iterable[int]) -> None:
        """Central acknowledged these events (applied now or before)."""
        self._store.execute(
            "UPDATE outbox SET status='acked', acked_at=?, last_error=NULL WHERE seq IN (SELECT value FROM json_each(?))",
            (utcnow().isoformat(), _json_list(seqs)))

    def mark_failed(self, seqs: Iterable[int], error: str) -> None:
        """A push attempt failed: back to pending with the error kept for the status screen."""
        self._store.execute(
            "UPDATE outbox SET status='pending', last_error=? "
            "WHERE seq IN (SELECT value FROM json_each(?)) AND status <> 'acked'",
            (error[:500], _json_list(seqs)))

    # ------------------------------------------------------------------ events central refused

    def quarantine(self, event: ReadyEvent, kind: str, *, code: str | None, message: str | None,
                   message_en: str | None, received_at: datetime) -> None:
        """Keep central's refusal (`rejected` or `conflict`) of one event for the manager to see."""
        self._store.execute(
            "INSERT OR REPLACE INTO sync_quarantine(event_id, seq, type, kind, code, message, "
            "message_en, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (event.event_id, event.seq, event.type, kind, code, message, message_en, received_at.isoformat()))

    def quarantined(self) -> list[dict[str, Any]]:
        """Events central refused, newest first, for the status command and the UI."""
        return [dict(r) for r in self._store.all("SELECT * FROM sync_quarantine ORDER BY seq DESC")]

    def quarantined_count(self) -> int:
        if not self._store.table_exists("sync_quarantine"):
            return 0
        return int(self._store.scalar("SELECT count(*) FROM sync_quarantine"))
