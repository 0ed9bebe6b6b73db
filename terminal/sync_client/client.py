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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sync.events import utcnow
from sync.protocol import (
    MASTER_SCHEMA_VERSION,
    MAX_PULL_LIMIT,
    MAX_PUSH_EVENTS,
    PROTOCOL_VERSION,
    EventStatus,
)
from terminal.store import outbox
from terminal.store.db import Store
from terminal.sync_client import apply, state
from terminal.sync_client.transport import RebootstrapRequired, SyncError, Transport

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
        return outbox.terminal_id_of(self.store)

    # ------------------------------------------------------------------ push

    def push(self) -> PushReport:
        """Send every unacknowledged event once, in seq order, in batches."""
        report = PushReport()
        after = 0
        while True:
            rows = self.store.all(
                "SELECT seq FROM outbox WHERE status <> 'acked' AND seq > ? ORDER BY seq LIMIT ?",
                (after, self.batch))
            if not rows:
                return report
            seqs = [int(r[0]) for r in rows]
            after = seqs[-1]
            events = [e for e in (outbox.get_event(self.store, s) for s in seqs) if e is not None]
            outbox.mark_sending(self.store, seqs)
            body = {"protocol_version": PROTOCOL_VERSION, "terminal_id": self.terminal_id,
                    "events": [e.model_dump(mode="json") for e in events]}
            try:
                answer = self.transport.post(PUSH_PATH, body)
            except SyncError as exc:
                outbox.mark_failed(self.store, seqs, exc.message_en)
                raise
            report.sent += len(events)
            self._record(answer, {e.event_id: e for e in events}, report)

    def _record(self, answer: dict[str, Any], sent: dict[str, Any], report: PushReport) -> None:
        now = utcnow().isoformat()
        with self.store.transaction():
            for result in answer.get("results", []):
                env = sent.get(str(result.get("event_id")))
                if env is None:
                    continue  # not ours in this batch: ignore rather than trust it
                status = EventStatus(result["status"])
                if status == EventStatus.DEFERRED:
                    report.deferred += 1
                    outbox.mark_failed(self.store, [env.seq], str(result.get("message_en") or "deferred"))
                    continue
                outbox.mark_acked(self.store, [env.seq])
                report.acked += 1
                if status in (EventStatus.REJECTED, EventStatus.CONFLICT):
                    report.rejected += 1
                    self.store.execute(
                        "INSERT OR REPLACE INTO sync_quarantine(event_id, seq, type, kind, code, message, "
                        "message_en, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (env.event_id, env.seq, env.type.value, status.value, result.get("code"),
                         result.get("message"), result.get("message_en"), now))

    # ------------------------------------------------------------------ pull / bootstrap

    def pull(self, *, after_bootstrap: bool = False) -> int:
        """Pull pages until current; returns the number of changes applied. Re-bootstraps when
        central says the cursor is too old or the schema changed (once: a second refusal right
        after a fresh snapshot is an error, not a loop)."""
        if not state.is_bootstrapped(self.store) or state.get(self.store, state.SCHEMA_VERSION) != str(
                MASTER_SCHEMA_VERSION):
            return self.bootstrap()
        total = 0
        while True:
            cursor = state.cursor(self.store)
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
                total += apply.apply_changes(self.store, changes)
                state.put(self.store, state.CURSOR, str(max(new_cursor, cursor)))
            if not answer.get("has_more"):
                return total

    def bootstrap(self) -> int:
        """Load a full snapshot of this terminal's scope, then catch up with a pull.

        A terminal that never finished a bootstrap starts from empty master tables (whatever a
        crashed attempt left is dropped with the first page) and takes the bulk path; one that
        had finished and must re-bootstrap (cursor too old) keeps selling from its catalog while
        the snapshot is applied row by row, version-checked. Either way `bootstrapped_at`, the
        cursor and (on the bulk path) the rebuilt indexes are committed together at the end."""
        fresh = not state.is_bootstrapped(self.store)
        rows = 0

        def fetch(snapshot: int | None, after: int) -> dict[str, Any]:
            return self.transport.post(BOOTSTRAP_PATH, {
                "protocol_version": PROTOCOL_VERSION, "schema_version": MASTER_SCHEMA_VERSION,
                "snapshot_cursor": snapshot, "after": after, "limit": self.snapshot_page})

        with _bulk_writes(self.store), \
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
                            apply.begin_clean_snapshot(self.store)
                        else:
                            apply.start_rebootstrap(self.store)
                        first = False
                    apply.load_snapshot_page(self.store, changes, clean=fresh)
                rows += len(changes)
                self._progress(rows)
                if upcoming is None:
                    break
                answer = upcoming.result()
            with self.store.transaction():
                if fresh:
                    apply.restore_indexes(self.store)
                else:
                    apply.finish_rebootstrap(self.store)
                state.put(self.store, state.CURSOR, str(snapshot))
                state.put(self.store, state.SCHEMA_VERSION, str(MASTER_SCHEMA_VERSION))
                state.put(self.store, state.BOOTSTRAPPED_AT, utcnow().isoformat())
        return rows + self.pull(after_bootstrap=True)

    def _progress(self, rows: int) -> None:
        if self.on_progress is not None:
            self.on_progress(rows)

    # ------------------------------------------------------------------ one round

    def sync_round(self) -> RoundReport:
        """Push then pull; records success or the error in `sync_state` for the status screens."""
        report = RoundReport()
        state.put(self.store, state.LAST_ATTEMPT_AT, utcnow().isoformat())
        try:
            was_bootstrapped = state.is_bootstrapped(self.store)
            report.push = self.push()
            report.pulled = self.pull()
            report.bootstrapped = not was_bootstrapped
        except SyncError as exc:
            with self.store.transaction():
                state.put(self.store, state.LAST_ERROR, f"{exc.message}（{exc.detail}）" if exc.detail else exc.message)
                state.put(self.store, state.LAST_ERROR_EN, f"{exc.message_en} ({exc.detail})" if exc.detail
                          else exc.message_en)
                state.put(self.store, state.UPGRADE_REQUIRED, "1" if type(exc).__name__ == "UpgradeRequired" else None)
            raise
        report.pending = outbox.pending_count(self.store)
        report.cursor = state.cursor(self.store)
        report.current = report.pending == 0
        with self.store.transaction():
            state.put(self.store, state.LAST_SUCCESS_AT, utcnow().isoformat())
            state.put(self.store, state.LAST_ERROR, None)
            state.put(self.store, state.LAST_ERROR_EN, None)
            state.put(self.store, state.UPGRADE_REQUIRED, None)
        return report


@contextmanager
def _bulk_writes(store: Store) -> Iterator[None]:
    """For the length of a bootstrap: `synchronous=NORMAL` (WAL: a power cut may lose the last pages
    but never corrupts; a bootstrap not marked finished starts over) and a 64 MB page cache; the
    sale path's settings come back afterwards, whatever happens."""
    conn = store.conn
    synchronous = int(conn.execute("PRAGMA synchronous").fetchone()[0])
    cache_size = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute(f"PRAGMA cache_size={cache_size}")


def quarantined(store: Store) -> list[dict[str, Any]]:
    """Events central refused, newest first, for the status command and the UI."""
    return [dict(r) for r in store.all("SELECT * FROM sync_quarantine ORDER BY seq DESC")]


def status_dict(store: Store) -> dict[str, Any]:
    """What `pos-terminal status --json` prints and the UI shows."""
    q = quarantined(store)
    return {
        "enrolled": store.get_setting("credential") is not None,
        "terminal_id": store.get_setting("terminal_id"),
        "store_id": store.get_setting("store_id"),
        "server_url": store.get_setting("server_url"),
        "pending": outbox.pending_count(store),
        "cursor": state.cursor(store),
        "bootstrapped_at": state.get(store, state.BOOTSTRAPPED_AT),
        "last_sync": state.get(store, state.LAST_SUCCESS_AT),
        "last_attempt": state.get(store, state.LAST_ATTEMPT_AT),
        "last_error": state.get(store, state.LAST_ERROR),
        "last_error_en": state.get(store, state.LAST_ERROR_EN),
        "upgrade_required": state.get(store, state.UPGRADE_REQUIRED) == "1",
        "quarantined": len(q),
        "quarantine": [{k: r[k] for k in ("event_id", "seq", "type", "kind", "code", "message", "message_en")}
                       for r in q],
    }


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
