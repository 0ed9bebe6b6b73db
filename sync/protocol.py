"""The sync protocol between a terminal and central: push, pull, bootstrap and their answers.

Every request carries `protocol_version` (in the body and in the `X-POS-Protocol` header). Central
answers an out-of-date terminal with HTTP 426 and error code `upgrade_required`; the terminal keeps
selling offline and shows the message. Business events travel in `sync.events.EventEnvelope`;
master data in `sync.master.Change` rows (see `sync/master.py`).

Exactly once: the terminal may send an event any number of times; central applies it once, keyed by
`event_id`, and answers `applied` the first time and `duplicate` after that. Both mean "acknowledged".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sync.events import EventEnvelope
from sync.master import Change

PROTOCOL_VERSION = 4
"""Bumped when a request or answer changes incompatibly, or central learns events an older central
would refuse.

2: stored value and vouchers — event types `stored_value.*` and `voucher.*`, the tender `voucher`,
master entities `stored_value_rule`, `voucher_batch`, `voucher` and the member's `stored_value_fen`.
3: the rep tablet's field sales (sync/FIELD.md) — events `customer.created`, `visit.recorded`,
`collection.recorded`, `order_return.recorded`, the richer `field_order.created`; entities
`sales_order`, `visit_plan`, `rep_target`, `customer_type`, `floor_price`, more customer fields;
attachment uploads. Central answers every sync request with its own version in the `X-POS-Protocol`
header: a terminal pushes events of version N only to a central answering N or more (an older
central refuses a whole batch holding an event type it does not know).
An older till never sends those and ignores what it does not know (unknown entities are kept in its
master table, unknown fields ignored), so central serves it as before.
4: the sale says what its receipt needs instead of leaving it to be guessed — `sale.completed`
carries `points_value_fen` (the money value of the points redeemed) and each line `weighed`. Both
are optional with a default of None, so a till of protocol 1-3 still pushes its sales unchanged
(`sync.events.line_is_weighed` and `sale_points_value_fen` answer for those from the stored form);
central's `/sales/by-receipt` answers a till that says protocol < 4 in `X-POS-Protocol` without
them, since an older till's `SaleCompleted` refuses fields it does not know."""

SALE_FACTS_PROTOCOL = 4
"""The protocol from which `sale.completed` carries `points_value_fen` and lines carry `weighed`."""

MIN_PROTOCOL_VERSION = 1
"""The oldest terminal protocol central still serves; older ones get `upgrade_required`. Tills of
protocol 1 (sales, shifts, members, the first field events) are served unchanged."""

MASTER_SCHEMA_VERSION = 1
"""Version of the master-data wire forms; a terminal on another version re-bootstraps."""

PROTOCOL_HEADER = "X-POS-Protocol"
CLIENT_VERSION_HEADER = "X-POS-Client-Version"
"""The terminal software's version, sent with every sync request (head office sees it per terminal)."""
PENDING_EVENTS_HEADER = "X-POS-Pending-Events"
"""How many events wait in the terminal's outbox as it sends the request (sync health, informational)."""

MAX_PUSH_EVENTS = 500
MAX_PULL_LIMIT = 10_000


class ErrorCode(StrEnum):
    """Codes in `{"error": {"code": ...}}` bodies of sync endpoints."""

    UPGRADE_REQUIRED = "upgrade_required"
    """HTTP 426: the terminal speaks a protocol central no longer serves."""
    REBOOTSTRAP_REQUIRED = "rebootstrap_required"
    """HTTP 409: cursor too old or master schema changed; fetch a fresh snapshot."""
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    BAD_REQUEST = "bad_request"


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------- push


class PushRequest(_Msg):
    """A batch of outbox events, in the terminal's seq order."""

    protocol_version: int
    terminal_id: int
    events: list[EventEnvelope] = Field(max_length=MAX_PUSH_EVENTS)


class EventStatus(StrEnum):
    APPLIED = "applied"
    """Applied now, in central's transaction. Acknowledged."""
    DUPLICATE = "duplicate"
    """Seen before with the same payload hash; not applied again. Acknowledged."""
    REJECTED = "rejected"
    """Invalid by central's rules: kept in central's quarantine for head office. Acknowledged."""
    CONFLICT = "conflict"
    """Same event_id seen before with a different payload: reported, quarantined. Acknowledged."""
    DEFERRED = "deferred"
    """Depends on something central has not received yet (e.g. a return of another till's sale not
    yet pushed): nothing was written; the terminal keeps the event pending and sends it again."""


ACKNOWLEDGED = frozenset({EventStatus.APPLIED, EventStatus.DUPLICATE, EventStatus.REJECTED,
                          EventStatus.CONFLICT})


class EventResult(_Msg):
    event_id: str
    status: EventStatus
    code: str | None = None
    """Machine code of a rejection/conflict (the domain error's code)."""
    message: str | None = None
    """Plain words (zh-CN) for the terminal's quarantine list."""
    message_en: str | None = None


class PushResponse(_Msg):
    results: list[EventResult]
    server_time: datetime


# ---------------------------------------------------------------------------- pull / bootstrap


class PullRequest(_Msg):
    """Changes after `cursor` in the terminal's scope."""

    protocol_version: int
    cursor: int = Field(ge=0)
    schema_version: int
    limit: int = Field(default=2000, ge=1, le=MAX_PULL_LIMIT)


class PullResponse(_Msg):
    changes: list[Change]
    cursor: int
    """Store this cursor in the same transaction as the changes."""
    has_more: bool
    server_time: datetime


class BootstrapRequest(_Msg):
    """One page of the snapshot. The first request has `snapshot_cursor` None; central answers
    with the cursor the snapshot is consistent with, and the terminal passes it back."""

    protocol_version: int
    schema_version: int
    snapshot_cursor: int | None = None
    after: int = Field(default=0, ge=0)
    """Where this page starts: the previous answer's `after` (0 for the first page)."""
    limit: int = Field(default=5000, ge=1, le=MAX_PULL_LIMIT)


class BootstrapResponse(_Msg):
    changes: list[Change]
    """Live rows only (no tombstones): the terminal replaces its master data with them."""
    snapshot_cursor: int
    after: int
    """Where the next page starts (pass it back as is): central may answer a page that ends before
    its `limit` rows when a window of feed positions held fewer live rows."""
    done: bool
    """After the last page the terminal pulls from `snapshot_cursor` to catch up."""
    server_time: datetime


# ---------------------------------------------------------------------------- quarantine


class QuarantineItem(_Msg):
    """An event central refused (or a conflicting repeat), kept for head office to resolve."""

    id: int
    event_id: str
    terminal_id: int
    store_id: int | None
    type: str
    kind: str
    """`rejected` or `conflict`."""
    code: str
    message: str
    payload: dict[str, Any]
    received_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None
    """`reapplied` (fixed at central and applied) or `dismissed`, with a note."""
    note: str | None = None


class QuarantineResolve(_Msg):
    action: str = Field(pattern="^(retry|dismiss)$")
    """`retry` applies the event again (after head office fixed the cause); `dismiss` closes it."""
    note: str | None = Field(default=None, max_length=500)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The consistent error body central uses (`{"error": {"code", "message", "field"}}`)."""
    return {"error": {"code": code, "message": message, "field": field}}
