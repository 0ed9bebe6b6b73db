"""The outbox: every business event, written in the same transaction as the local state it changes.

Rows move pending → sending → acked (H6's push client moves them) and are never deleted before
central acknowledged them (a trigger in the schema refuses it). `seq` is per terminal and gap-free
because it comes from a counter bumped inside the caller's transaction: a rolled-back sale gives
its number back.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel

from sync.events import PAYLOAD_TYPES, EventEnvelope, EventType, canonical_json, utcnow, uuid7
from terminal.store.db import Store, StoreError

OUTBOX_SEQ = "outbox"

PENDING = "pending"
SENDING = "sending"
ACKED = "acked"


def terminal_id_of(store: Store) -> int:
    """This terminal's central id (set at enrolment); events cannot be made before that."""
    value = store.get_setting("terminal_id")
    if value is None:
        raise StoreError("终端尚未注册 (terminal not enrolled: no terminal_id setting)")
    return int(value)


def append_event(store: Store, payload: BaseModel, *, occurred_at: datetime | None = None,
                 terminal_id: int | None = None) -> EventEnvelope:
    """Record one event (payload model from `sync.events`) in the outbox; call inside
    `Store.transaction()` so it commits, or not, with the state it describes. `terminal_id`: the
    caller's copy of the enrolment setting (saves the read), else it is read here."""
    store.require_transaction("append_event")
    if terminal_id is None:
        terminal_id = terminal_id_of(store)
    seq = store.next_seq(OUTBOX_SEQ)
    envelope, payload_json = _make_event(terminal_id, seq, payload, occurred_at)
    store.conn.execute(
        "INSERT INTO outbox(seq, event_id, terminal_id, type, occurred_at, payload, payload_hash, status, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
        (seq, envelope.event_id, terminal_id, envelope.type.value, envelope.occurred_at.isoformat(),
         payload_json, envelope.payload_hash, utcnow().isoformat()),
    )
    return envelope


def _event_type(cls: type[BaseModel]) -> EventType:
    hit = _TYPES.get(cls)
    if hit is None:
        hit = _TYPES[cls] = next(t for t, c in PAYLOAD_TYPES.items() if issubclass(cls, c))
    return hit


_TYPES: dict[type[BaseModel], EventType] = {}


def canonical_bytes(data: dict[str, Any]) -> bytes:
    """`sync.events.canonical_json(data)` as UTF-8, made by orjson (≈ 8× faster on a sale).

    Equal byte for byte for what payloads hold (`model_dump(mode="json")`: str, int, bool, None,
    lists and dicts with str keys; no floats in any payload, money is int fen): both sort keys by
    code point, print no spaces, keep non-ASCII as is and escape the same characters the same
    way (tests/terminal/test_outbox_fast.py). Anything orjson refuses (an int beyond 64 bits ...)
    goes through `canonical_json` itself.
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_json(data).encode()


def _make_event(terminal_id: int, seq: int, payload: BaseModel,
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


def _envelope(r: sqlite3.Row) -> EventEnvelope:
    return EventEnvelope.model_validate({
        "event_id": r["event_id"], "terminal_id": r["terminal_id"], "seq": r["seq"],
        "type": r["type"], "occurred_at": r["occurred_at"],
        "payload": json.loads(r["payload"]), "payload_hash": r["payload_hash"],
    })


def unacked(store: Store, limit: int = 500) -> list[EventEnvelope]:
    """Events central has not acknowledged yet (pending or sending), oldest first."""
    rows = store.all(
        "SELECT * FROM outbox WHERE status <> 'acked' ORDER BY seq LIMIT ?", (limit,),
    )
    return [_envelope(r) for r in rows]


def get_event(store: Store, seq: int) -> EventEnvelope | None:
    row = store.one("SELECT * FROM outbox WHERE seq=?", (seq,))
    return None if row is None else _envelope(row)


def pending_count(store: Store) -> int:
    """Events waiting for central's acknowledgement (what the status bar shows)."""
    return int(store.scalar("SELECT count(*) FROM outbox WHERE status <> 'acked'"))


def mark_sending(store: Store, seqs: Iterable[int]) -> None:
    """pending → sending before a push (kept as sending if the push is lost; resent later)."""
    now = utcnow().isoformat()
    with store.transaction():
        for seq in seqs:
            store.conn.execute(
                "UPDATE outbox SET status='sending', attempts=attempts+1, sent_at=? "
                "WHERE seq=? AND status <> 'acked'", (now, seq),
            )


def mark_acked(store: Store, seqs: Iterable[int]) -> None:
    """Central acknowledged these events (applied now or before)."""
    now = utcnow().isoformat()
    with store.transaction():
        for seq in seqs:
            store.conn.execute(
                "UPDATE outbox SET status='acked', acked_at=?, last_error=NULL WHERE seq=?", (now, seq),
            )


def mark_failed(store: Store, seqs: Iterable[int], error: str) -> None:
    """A push attempt failed: back to pending with the error kept for the status screen."""
    with store.transaction():
        for seq in seqs:
            store.conn.execute(
                "UPDATE outbox SET status='pending', last_error=? WHERE seq=? AND status <> 'acked'",
                (error[:500], seq),
            )
