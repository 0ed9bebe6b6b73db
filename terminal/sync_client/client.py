"""One terminal's sync with central: push the outbox, pull master data, bootstrap.

Push: unacknowledged outbox rows go in seq order, in batches; rows are marked `sending` first and
only become `acked` when central's answer says applied / duplicate / rejected / conflict (rejected
and conflicting ones are also listed in `sync_quarantine`); nothing is deleted before that. A lost
answer leaves rows unacked and they are simply sent again: central applies each event once.

Pull: pages of changes after the stored cursor; each page and its new cursor are written in one
transaction. `rebootstrap_required` (cursor too old, schema changed) triggers a fresh snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from typing import Any

import orjson

from sync.events import utcnow
from sync.protocol import (
    CLIENT_VERSION_HEADER,
    MASTER_SCHEMA_VERSION,
    MAX_PULL_LIMIT,
    MAX_PUSH_EVENTS,
    PENDING_EVENTS_HEADER,
    PROTOCOL_VERSION,
    EventStatus,
)
from terminal.store import Store
from terminal.store.outbox import ReadyEvent
from terminal.store.sync_state import (
    BOOTSTRAPPED_AT,
    CURSOR,
    LAST_ATTEMPT_AT,
    LAST_ERROR,
    LAST_ERROR_EN,
    LAST_SUCCESS_AT,
    SCHEMA_VERSION,
    UPGRADE_REQUIRED,
)
from terminal.sync_client.transport import RebootstrapRequired, ServerRejected, SyncError, Transport


@lru_cache(maxsize=1)
def client_version() -> str:
    """This software's version as installed (`pos-suite 0.1.0`), sent to central with every sync request."""
    try:
        return f"pos-suite {metadata.version('pos-suite')}"
    except metadata.PackageNotFoundError:
        return "pos-suite (source)"

PUSH_BATCH = MAX_PUSH_EVENTS
"""Events per push request (the most central takes, 500): central applies a batch with about a
dozen statements whatever its size, so bigger batches cost the till and central less per event."""
PUSH_PATH = "/api/v1/sync/push"
PULL_PATH = "/api/v1/sync/pull"
BOOTSTRAP_PATH = "/api/v1/sync/bootstrap"


@dataclass
class PushReport:
    sent: int = 0
    acked: int = 0
    rejected: int = 0
    deferred: int = 0


@dataclass
class RoundReport:
    push: PushReport = field(default_factory=PushReport)
    pulled: int = 0
    bootstrapped: bool = False
    pending: int = 0
    cursor: int = 0
    current: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SyncClient:
    """Sync of one terminal database through one transport."""

    def __init__(self, store: Store, transport: Transport, *, batch: int = PUSH_BATCH, page: int = 2000,
                 snapshot_page: int = MAX_PULL_LIMIT, on_progress: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.transport = transport
        self.batch = batch
        self.page = page
        self.snapshot_page = snapshot_page
        self.on_progress = on_progress
        """Called with the rows loaded so far after each snapshot page (progress shown, benches)."""
        transport.status_headers = self._status_headers

    def _status_headers(self) -> dict[str, str]:
        """What central shows head office about this till: its software version and the events
        still waiting in its outbox (sync health)."""
        return {CLIENT_VERSION_HEADER: client_version(), PENDING_EVENTS_HEADER: str(self.store.outbox.pending_count())}

    @classmethod
    def from_settings(cls, store: Store, **transport_options: Any) -> SyncClient:
        """A client for the server and credential this terminal was enrolled with."""
        server = store.get_setting("server_url")
        credential = store.get_setting("credential")
        if not server or not credential:
            raise SyncError("terminal not enrolled (no server_url/credential setting)")
        return cls(store, Transport(server, credential, **transport_options))

    @property
    def terminal_id(self) -> int:
        return self.store.terminal_id()

    # ------------------------------------------------------------------ push

    def push(self) -> PushReport:
        """Send every unacknowledged event once, in seq order, in batches: each batch is read ready
        to send in one query (`Outbox.next_batch`) and marked with one statement."""
        report = PushReport()
        after = 0
        size = self.batch
        while True:
            batch = self.store.outbox.next_batch(after, size)
            if not batch:
                return report
            seqs = [e.seq for e in batch]
            self.store.outbox.mark_sending(seqs)
            body = {"protocol_version": PROTOCOL_VERSION, "terminal_id": self.terminal_id,
                    "events": [orjson.Fragment(e.json) for e in batch]}
            try:
                answer = self.transport.post(PUSH_PATH, body)
            except ServerRejected as exc:
                if exc.status == 413 and len(seqs) > 1:
                    size = len(seqs) // 2  # central's body limit: the same events again, in halves
                    continue
                self.store.outbox.mark_failed(seqs, exc.message_en)
                raise
            except SyncError as exc:
                self.store.outbox.mark_failed(seqs, exc.message_en)
                raise
            after = seqs[-1]
            report.sent += len(batch)
            self._record(answer, {e.event_id: e for e in batch}, report)

    def _record(self, answer: dict[str, Any], sent: dict[str, ReadyEvent], report: PushReport) -> None:
        """Central's answer for a batch: acknowledged events (applied, duplicate, rejected, conflict)
        marked in one statement, refused ones listed in the quarantine, deferred ones back to pending."""
        now = utcnow()
        acked: list[int] = []
        deferred: dict[str, list[int]] = {}
        refused: list[tuple[ReadyEvent, EventStatus, dict[str, Any]]] = []
        for result in answer.get("results", []):
            event = sent.get(str(result.get("event_id")))
            if event is None:
                continue  # not ours in this batch: ignore rather than trust it
            status = EventStatus(result["status"])
            if status == EventStatus.DEFERRED:
                deferred.setdefault(str(result.get("message_en") or "deferred"), []).append(event.seq)
                continue
            acked.append(event.seq)
            if status in (EventStatus.REJECTED, EventStatus.CONFLICT):
                refused.append((event, status, result))
        with self.store.transaction():
            self.store.outbox.mark_acked(acked)
            for message, seqs in deferred.items():
                self.store.outbox.mark_failed(seqs, message)
            for event, status, result in refused:
                self.store.outbox.quarantine(event, status.value, code=result.get("code"),
                                             message=result.get("message"), message_en=result.get("message_en"),
                                             received_at=now)
        report.acked += len(acked)
        report.deferred += sum(len(seqs) for seqs in deferred.values())
        report.rejected += len(refused)

    # ------------------------------------------------------------------ pull / bootstrap

    def pull(self, *, after_bootstrap: bool = False) -> int:
        """Pull pages until current; returns the number of changes applied. Re-bootstraps when
        central says the cursor is too old or the schema changed (once: a second refusal right
        after a fresh snapshot is an error, not a loop)."""
        if not self.store.sync_state.is_bootstrapped() or self.store.sync_state.get(SCHEMA_VERSION) != str(
                MASTER_SCHEMA_VERSION):
            return self.bootstrap()
        total = 0
        while True:
            cursor = self.store.sync_state.cursor()
            body = {"protocol_version": PROTOCOL_VERSION, "cursor": cursor,
                    "schema_version": MASTER_SCHEMA_VERSION, "limit": self.page}
            try:
                answer = self.transport.post(PULL_PATH, body)
            except RebootstrapRequired:
                if after_bootstrap:
                    raise
                return total + self.bootstrap()
            changes = answer["changes"]
            new_cursor = int(answer["cursor"])
            with self.store.transaction():
                total += self.store.master.apply_changes(changes)
                self.store.sync_state.put(CURSOR, str(max(new_cursor, cursor)))
            if not answer.get("has_more"):
                return total

    def bootstrap(self) -> int:
        """Load a full snapshot of this terminal's scope, then catch up with a pull.

        A terminal that never finished a bootstrap starts from empty master tables (whatever a
        crashed attempt left is dropped with the first page) and takes the bulk path; one that
        had finished and must re-bootstrap (cursor too old) keeps selling from its catalog while
        the snapshot is applied row by row, version-checked. Either way `bootstrapped_at`, the
        cursor and (on the bulk path) the rebuilt indexes are committed together at the end."""
        fresh = not self.store.sync_state.is_bootstrapped()
        rows = 0

        def fetch(snapshot: int | None, after: int) -> dict[str, Any]:
            return self.transport.post(BOOTSTRAP_PATH, {
                "protocol_version": PROTOCOL_VERSION, "schema_version": MASTER_SCHEMA_VERSION,
                "snapshot_cursor": snapshot, "after": after, "limit": self.snapshot_page})

        with self.store.bulk_writes(), \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="pos-bootstrap") as pool:
            # the next page downloads (and central builds it) while this one is written locally
            answer = fetch(None, 0)
            snapshot = int(answer["snapshot_cursor"])
            first = True
            while True:
                upcoming = None if answer.get("done") else pool.submit(fetch, snapshot, int(answer["after"]))
                changes = answer["changes"]
                with self.store.transaction():
                    if first:
                        if fresh:
                            self.store.master.begin_clean_snapshot()
                        else:
                            self.store.master.start_rebootstrap()
                        first = False
                    self.store.master.load_snapshot_page(changes, clean=fresh)
                rows += len(changes)
                self._progress(rows)
                if upcoming is None:
                    break
                answer = upcoming.result()
            with self.store.transaction():
                if fresh:
                    self.store.master.restore_dropped_indexes()
                else:
                    self.store.master.finish_rebootstrap()
                self.store.sync_state.put(CURSOR, str(snapshot))
                self.store.sync_state.put(SCHEMA_VERSION, str(MASTER_SCHEMA_VERSION))
                self.store.sync_state.put(BOOTSTRAPPED_AT, utcnow().isoformat())
        return rows + self.pull(after_bootstrap=True)

    def _progress(self, rows: int) -> None:
        if self.on_progress is not None:
            self.on_progress(rows)

    # ------------------------------------------------------------------ one round

    def sync_round(self) -> RoundReport:
        """Push then pull; records success or the error in `sync_state` for the status screens."""
        report = RoundReport()
        self.store.sync_state.put(LAST_ATTEMPT_AT, utcnow().isoformat())
        try:
            was_bootstrapped = self.store.sync_state.is_bootstrapped()
            report.push = self.push()
            report.pulled = self.pull()
            report.bootstrapped = not was_bootstrapped
        except SyncError as exc:
            with self.store.transaction():
                self.store.sync_state.put(LAST_ERROR, f"{exc.message}（{exc.detail}）" if exc.detail else exc.message)
                self.store.sync_state.put(LAST_ERROR_EN, f"{exc.message_en} ({exc.detail})" if exc.detail
                          else exc.message_en)
                self.store.sync_state.put(UPGRADE_REQUIRED, "1" if type(exc).__name__ == "UpgradeRequired" else None)
            raise
        report.pending = self.store.outbox.pending_count()
        report.cursor = self.store.sync_state.cursor()
        report.current = report.pending == 0
        with self.store.transaction():
            self.store.sync_state.put(LAST_SUCCESS_AT, utcnow().isoformat())
            self.store.sync_state.put(LAST_ERROR, None)
            self.store.sync_state.put(LAST_ERROR_EN, None)
            self.store.sync_state.put(UPGRADE_REQUIRED, None)
        return report


@dataclass(frozen=True)
class StoredStatus:
    """What the till's database says about sync, cheaply (the status bar reads it every few seconds)."""

    pending: int
    quarantined: int
    last_error: str | None
    last_error_en: str | None
    last_success_at: datetime | None


def stored_status(store: Store) -> StoredStatus:
    last = store.sync_state.get(LAST_SUCCESS_AT)
    try:
        last_success = datetime.fromisoformat(last) if last else None
    except ValueError:
        last_success = None
    return StoredStatus(pending=store.outbox.pending_count(), quarantined=store.outbox.quarantined_count(),
                        last_error=store.sync_state.get(LAST_ERROR), last_error_en=store.sync_state.get(LAST_ERROR_EN),
                        last_success_at=last_success)


def status_dict(store: Store) -> dict[str, Any]:
    """What `pos-terminal status --json` prints and the UI shows."""
    q = store.outbox.quarantined()
    return {
        "enrolled": store.get_setting("credential") is not None,
        "terminal_id": store.get_setting("terminal_id"),
        "store_id": store.get_setting("store_id"),
        "server_url": store.get_setting("server_url"),
        "pending": store.outbox.pending_count(),
        "cursor": store.sync_state.cursor(),
        "bootstrapped_at": store.sync_state.get(BOOTSTRAPPED_AT),
        "last_sync": store.sync_state.get(LAST_SUCCESS_AT),
        "last_attempt": store.sync_state.get(LAST_ATTEMPT_AT),
        "last_error": store.sync_state.get(LAST_ERROR),
        "last_error_en": store.sync_state.get(LAST_ERROR_EN),
        "upgrade_required": store.sync_state.get(UPGRADE_REQUIRED) == "1",
        "quarantined": len(q),
        "quarantine": [{k: r[k] for k in ("event_id", "seq", "type", "kind", "code", "message", "message_en")}
                       for r in q],
    }


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
