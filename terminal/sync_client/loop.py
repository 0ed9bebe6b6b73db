"""The background sync loop: a thread that syncs every few seconds and publishes a `SyncStatus`.

The UI reads `SyncLoop.status` (a frozen snapshot, safe from any thread) or subscribes with
`on_change`; the callback runs on the sync thread, so a Kivy UI should hop back with
`Clock.schedule_once`. `trigger()` asks for a round now (e.g. right after a sale). While central
is unreachable the wait grows (with jitter) up to `max_interval`; selling is never blocked.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sync.events import utcnow
from terminal.store import Store, open_store
from terminal.sync_client.client import SyncClient
from terminal.sync_client.transport import SyncError, UpgradeRequired


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows. Messages are plain words, zh-CN with an English twin."""

    online: bool = False
    pending: int = 0
    """Events not yet acknowledged by central."""
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_en: str | None = None
    quarantined: int = 0
    upgrade_required: bool = False
    syncing: bool = False

    @property
    def summary(self) -> str:
        """One line for the status bar (zh-CN)."""
        state = "在线" if self.online else "离线"
        text = f"{state} · 待上传 {self.pending} 笔"
        if self.quarantined:
            text += f" · 被拒 {self.quarantined} 笔"
        if self.last_error:
            text += f" · {self.last_error}"
        return text

    @property
    def summary_en(self) -> str:
        state = "online" if self.online else "offline"
        text = f"{state} · {self.pending} waiting"
        if self.quarantined:
            text += f" · {self.quarantined} refused"
        if self.last_error_en:
            text += f" · {self.last_error_en}"
        return text


class SyncLoop:
    """Runs `SyncClient.sync_round` on its own thread with its own database connection."""

    def __init__(self, data_dir: str | Path, *, interval: float = 10.0, max_interval: float = 120.0,
                 on_change: Callable[[SyncStatus], None] | None = None, timeout: float = 10.0) -> None:
        self.data_dir = Path(data_dir)
        self.interval = interval
        self.max_interval = max_interval
        self.on_change = on_change
        self.timeout = timeout
        self._status = SyncStatus()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _publish(self, status: SyncStatus) -> None:
        with self._lock:
            self._status = status
        if self.on_change is not None:
            try:
                self.on_change(status)
            except Exception:  # a UI callback must never kill the sync thread
                pass

    def start(self) -> SyncLoop:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pos-sync", daemon=True)
            self._thread.start()
        return self

    def trigger(self) -> None:
        """Sync as soon as possible (after a sale, or when the user taps "sync now")."""
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        store = open_store(self.data_dir)
        failures = 0
        try:
            while not self._stop.is_set():
                self.run_once(store)
                failures = 0 if self.status.online else failures + 1
                wait = min(self.max_interval, self.interval * (2 ** min(failures, 6)))
                wait = random.uniform(wait / 2, wait) if failures else wait
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            store.close()

    def run_once(self, store: Store) -> SyncStatus:
        """One round on `store`; publishes and returns the new status."""
        self._publish(replace(self.status, syncing=True))
        try:
            client = SyncClient.from_settings(store, timeout=self.timeout, retries=1)
            try:
                client.sync_round()
            finally:
                client.transport.close()
            status = SyncStatus(online=True, pending=store.outbox.pending_count(), last_success=utcnow(),
                                quarantined=store.outbox.quarantined_count())
        except SyncError as exc:
            status = SyncStatus(
                online=False, pending=store.outbox.pending_count(), last_success=self.status.last_success,
                last_error=exc.message, last_error_en=exc.message_en, quarantined=store.outbox.quarantined_count(),
                upgrade_required=isinstance(exc, UpgradeRequired))
        except Exception as exc:  # keep the loop alive whatever happens; say it in plain words
            status = SyncStatus(
                online=False, pending=store.outbox.pending_count(), last_success=self.status.last_success,
                last_error=f"同步出错：{type(exc).__name__}", last_error_en=f"sync error: {exc}",
                quarantined=store.outbox.quarantined_count())
        self._publish(status)
        return status
