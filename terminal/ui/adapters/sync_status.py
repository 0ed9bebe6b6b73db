"""Sync area: the background sync loop, the status bar's figures, "sync now", and the events
central refused (shown to a manager)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from terminal.errors import TerminalError
from terminal.quarantine import refused_events
from terminal.session import Action, Session
from terminal.store import Store, open_store
from terminal.sync_client.client import stored_status
from terminal.ui.adapters.approval import ManagerPin, approval_for
from terminal.ui.format import local_time
from terminal.ui.i18n import get_language
from terminal.ui.views import QuarantinedView, StatusView

SYNC_NOW_TIMEOUT_S = 90.0


class SyncArea:
    def __init__(self, data_dir: Path, store: Store, session: Session) -> None:
        self._data_dir = data_dir
        self._store = store
        self._session = session
        self.loop: Any = None
        """The background `SyncLoop` once started (an enrolled till)."""
        self._rounds = 0
        self._rounds_done = threading.Condition()

    def start_background_sync(self, on_change: Callable[[], None]) -> bool:
        """Start the sync loop when this terminal is enrolled; `on_change` runs on the sync thread."""
        if self._store.get_setting("credential") is None or self.loop is not None:
            return False
        from terminal.sync_client.loop import SyncLoop

        def changed(status: Any) -> None:
            with self._rounds_done:
                if not status.syncing:
                    self._rounds += 1
                self._rounds_done.notify_all()
            on_change()

        self.loop = SyncLoop(self._data_dir, on_change=changed).start()
        return True

    def trigger(self) -> None:
        """Push soon (after a sale, a shift close)."""
        if self.loop is not None:
            self.loop.trigger()

    def status(self) -> StatusView:
        """Figures for the status bar: the loop's last round, else what the database remembers."""
        english = get_language() == "en"
        loop = self.loop.status if self.loop is not None else None
        stored = stored_status(self._store)
        if loop is not None and loop.last_error:
            error = (loop.last_error_en if english else loop.last_error) or ""
        else:
            error = (stored.last_error_en if english else stored.last_error) or ""
        last = loop.last_success if loop is not None and loop.last_success else stored.last_success_at
        terminal = self._store.get_setting("terminal_code") or self._store.get_setting("terminal_id") or ""
        return StatusView(online=bool(loop.online) if loop is not None else False, pending=stored.pending,
                          quarantined=stored.quarantined, last_sync_text=local_time(last) if last else "",
                          error=error, terminal_label=str(terminal))

    def sync_now(self) -> None:
        """One sync round now (runs on a worker thread, with its own database connection)."""
        if self._store.get_setting("credential") is None:
            raise TerminalError("终端尚未注册，请先运行 pos-terminal enroll",
                                "this terminal is not enrolled: run pos-terminal enroll first", code="not_enrolled")
        from terminal.sync_client.loop import SyncLoop

        if self.loop is not None:
            # ask the background loop for a round (never two rounds at once) and wait for one that
            # started after the tap to finish
            with self._rounds_done:
                target = self._rounds + (2 if self.loop.status.syncing else 1)
                self.loop.trigger()
                self._rounds_done.wait_for(lambda: self._rounds >= target, timeout=SYNC_NOW_TIMEOUT_S)
            status = self.loop.status
        else:
            store = open_store(self._data_dir)
            try:
                status = SyncLoop(self._data_dir).run_once(store)
            finally:
                store.close()
        if not status.online:
            raise TerminalError(status.last_error or "同步失败", status.last_error_en or "sync failed",
                                code="sync_failed")

    def quarantined_events(self, approval: ManagerPin | None = None) -> list[QuarantinedView]:
        """The events central refused; a manager's PIN opens the list (audited)."""
        english = get_language() == "en"
        events = refused_events(self._store, self._session,
                                approval_for(self._session, Action.VIEW_QUARANTINE, approval))
        return [QuarantinedView(event_id=e.event_id, type=f"#{e.seq} {e.type} ({e.kind})",
                                reason=str((e.message_en if english else e.message) or e.code or ""))
                for e in events]

    def close(self) -> None:
        if self.loop is not None:
            self.loop.stop(timeout=5)
