"""Tables of the sync engine: the event log (exactly once), quarantine, and the change feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base

BigId = BigInteger().with_variant(Integer, "sqlite")
"""64-bit on PostgreSQL; INTEGER on SQLite so it is the rowid (autoincrement)."""


class SyncEvent(Base):
    """Every business event central has accepted from a terminal, once.

    The unique `event_id` is what makes a push idempotent: the row is inserted with
    `INSERT … ON CONFLICT DO NOTHING` in the same transaction that applies the event, so a repeat
    can never apply it twice, whatever the timing. `id` is central's receipt order.
    """

    __tablename__ = "sync_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    terminal_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int | None]
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    payload_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime]
    """The terminal's clock, as reported."""
    received_at: Mapped[datetime]
    """Central's clock: what central orders by."""
    status: Mapped[str] = mapped_column(String(16))
    """`applied` or `rejected` (then a quarantine row says why)."""


class SyncQuarantine(Base):
    """An event central refused (`rejected`) or a repeat with another payload (`conflict`),
    kept for head office to read and resolve; never silently dropped."""

    __tablename__ = "sync_quarantine"
    __table_args__ = (UniqueConstraint("event_id", "payload_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(40), index=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    terminal_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int | None] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(500))


class SyncFeed(Base):
    """The change feed, compacted: one row per (entity, id, scope) holding the latest state.

    `seq` is taken from `SyncCounter` while holding its row lock until commit, so rows become
    visible in `seq` order and a reader that pulled up to N can never later miss a row below N.
    A deletion (or a row leaving a scope) leaves a tombstone (`op='delete'`, `data` NULL).
    Scope 0 means "every store" / "no rep restriction".
    """

    __tablename__ = "sync_feed"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope_store: Mapped[int] = mapped_column(primary_key=True, default=0)
    scope_rep: Mapped[int] = mapped_column(primary_key=True, default=0)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    op: Mapped[str] = mapped_column(String(8))
    data: Mapped[str | None] = mapped_column(Text)
    """The entity's wire form as JSON text, served as-is (no re-encoding on every pull)."""
    changed_at: Mapped[datetime]


Index("ix_sync_feed_op_seq", SyncFeed.op, SyncFeed.seq)


class SyncCounter(Base):
    """Named counters: `feed` (last feed seq handed out) and `horizon` (tombstones below it are
    purged; cursors below it must re-bootstrap)."""

    __tablename__ = "sync_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)



class TerminalContact(Base):
    """When each terminal last reached central, and what it said about itself then.

    Written on every push, pull and bootstrap (`central.syncing.contacts`), apart from `terminals` so
    that a contact neither touches the row the authentication cache watches nor its `updated_at`.
    `client_version` and `pending_events` are what the terminal reports (headers), shown to head
    office as such: sync health, not anything central relies on."""

    __tablename__ = "terminal_contacts"

    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"), primary_key=True)
    last_contact_at: Mapped[datetime]
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    client_version: Mapped[str | None] = mapped_column(String(40))
    pending_events: Mapped[int | None]
    """Events waiting in the terminal's outbox after its last request, as it said."""
    address: Mapped[str | None] = mapped_column(String(64))


# The session hooks that keep the change feed in step live in `feed`; importing it here means any
# process that loads the models (the app, migrations, commands, tests) has them.
from central.syncing import feed as _feed  # noqa: E402,F401
