"""The outbox: every business event, written in the same transaction as the local state it changes.

Rows move pending → sending → acked (H6's push client moves them) and are never deleted before
central acknowledged them (a trigger in the schema refuses it). `seq` is per terminal and gap-free
because it comes from a counter bumped inside the caller's transaction: a rolled-back sale gives
its number back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel

from sync.events import EventEnvelope, make_event, utcnow
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


def append_event(store: Store, payload: BaseModel, *, occurred_at: datetime | None = None) -> EventEnvelope:
    """Record one event (payload model from `sync.events`) in the outbox; call inside
    `Store.transaction()` so it commits, or not, with the state it describes."""
    store.require_transaction("append_event")
    terminal_id = terminal_id_of(store)
    seq = store.next_seq(OUTBOX_SEQ)
    envelope = make_event(terminal_id=terminal_id, seq=seq, payload=payload, occurred_at=occurred_at)
    store.conn.execute(
        "INSERT INTO outbox(seq, event_id, terminal_id, type, occurred_at, payload, payload_hash, status, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
        (
            seq, envelope.event_id, terminal_id, envelope.type.value, envelope.occurred_at.isoformat(),
            payload.model_dump_json(),  # the same JSON as envelope.payload, serialised by pydantic-core
            envelope.payload_hash, utcnow().isoformat(),
        ),
    )
    return envelope


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
