"""Rolling backups of the till's database, and restoring the newest good one (`pos-terminal recover`).

Why: the database holds the sales central has not seen yet. A disk that fails under it, or a file
damaged by a power cut on cheap storage, would lose them. So the till copies its database into
`backups/` beside it, with SQLite's online backup API (a consistent snapshot taken through a
read transaction: in WAL mode it never blocks the till's own writes), at every shift close
(synchronously: the cashier is leaving anyway) and every `backup_every_sales` sales (on a
background thread, so no sale waits for it), keeping the newest `backup_keep` copies.

A copy is written as `<name>.partial`, quick-checked, fsynced, then renamed: a crash mid-backup
never leaves a half file under a backup's name, and older copies are pruned only after a new one
is complete. Every file is owner-only (0600) like the database.

Restoring brings back the till as it was at the backup: events that central acknowledged after the
backup are pending again in the restored outbox and will be pushed again; central records each
event id once (`INSERT … ON CONFLICT DO NOTHING`), so a repeat changes nothing there. Local
counters (receipt numbers …) are moved forward by `NUMBER_GAP` so a number the till issued after
the backup (and central may already hold) is never issued twice.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from terminal.store import data_folder

if TYPE_CHECKING:
    from terminal.store.db import Store

log = logging.getLogger(__name__)

BACKUP_DIRNAME = "backups"
EVERY_SALES_SETTING = "backup_every_sales"
DEFAULT_EVERY_SALES = 50
"""A background backup after this many sales (0 turns it off; shift closes still back up)."""
KEEP_SETTING = "backup_keep"
DEFAULT_KEEP = 10
"""How many backups are kept (the oldest are deleted once a new one is complete)."""
NUMBER_GAP = 10_000
"""How far a restore moves every local counter on (receipt, return, top-up numbers …): more than
the sales a till makes between two backups, so no number is ever issued twice."""
KEEP_COUNTERS_AS_THEY_ARE = frozenset({"wal_restarts"})
_NAME = re.compile(r"^terminal-(\d{8}T\d{12}Z)-([a-z-]+)\.db$")


class BackupError(RuntimeError):
    """A backup could not be made (disk full, source unreadable); older backups are untouched."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime
    reason: str


def backup_folder(db_path: Path) -> Path:
    return db_path.parent / BACKUP_DIRNAME


def list_backups(db_path: Path) -> list[Backup]:
    """The complete backups beside `db_path`, newest first."""
    folder = backup_folder(db_path)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            taken = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
            found.append(Backup(entry, taken, m.group(2)))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_database(db_path: Path, *, reason: str, keep: int = DEFAULT_KEEP) -> Path:
    """Copy the database at `db_path` into its backup folder now; prune to the newest `keep`."""
    folder = backup_folder(db_path)
    try:
        data_folder.make_private_folder(folder)
        for stale in folder.glob("*.partial"):  # left by a crash mid-backup
            stale.unlink(missing_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        final = folder / f"terminal-{stamp}-{reason}.db"
        partial = folder / f"{final.name}.partial"
        data_folder.make_private_file(partial)
        source = sqlite3.connect(str(db_path), timeout=10.0)
        try:
            target = sqlite3.connect(str(partial))
            try:
                source.backup(target)  # one step: a consistent snapshot of the committed database
                target.execute("PRAGMA journal_mode=DELETE")  # a standalone file, no -wal beside it
                problems = [str(r[0]) for r in target.execute("PRAGMA quick_check(3)").fetchall()]
                if problems != ["ok"]:
                    raise BackupError(f"the copy failed its quick check: {problems}")
            finally:
                target.close()
        finally:
            source.close()
        _fsync_file(partial)
        os.replace(partial, final)
        data_folder.fsync_folder(folder)
    except (sqlite3.Error, OSError) as exc:
        for leftover in folder.glob("*.partial"):
            leftover.unlink(missing_ok=True)
        raise BackupError(str(exc)) from exc
    except BackupError:
        for leftover in folder.glob("*.partial"):
            leftover.unlink(missing_ok=True)
        raise
    for old in list_backups(db_path)[max(1, keep):]:
        old.path.unlink(missing_ok=True)
    return final


def check_backup(path: Path) -> str | None:
    """Why `path` cannot be restored (unreadable, fails the quick check, never enrolled), or None."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check(3)").fetchall()]
            if problems != ["ok"]:
                return "; ".join(problems)
            if not conn.execute("SELECT value FROM settings WHERE key='terminal_id'").fetchone():
                return "not an enrolled till's database (no terminal_id)"
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None


@dataclass
class Restored:
    """What `restore_newest` did: which backup, where the damaged files went, what was skipped."""

    backup: Backup
    set_aside: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def restore_newest(db_path: Path) -> Restored:
    """Put the newest backup that passes its check in place of the database at `db_path`.

    The current database files (if any) are moved into `damaged-<time>/`, never deleted (someone
    may still get sales out of them). Raises `BackupError` when no backup is good.
    """
    skipped: list[tuple[Path, str]] = []
    chosen: Backup | None = None
    for candidate in list_backups(db_path):
        problem = check_backup(candidate.path)
        if problem is None:
            chosen = candidate
            break
        skipped.append((candidate.path, problem))
    if chosen is None:
        raise BackupError("no usable backup" + (f" (checked {len(skipped)})" if skipped else ""))
    directory = db_path.parent
    set_aside = _set_aside(db_path)
    partial = directory / f"{db_path.name}.restoring"
    data_folder.make_private_file(partial)
    with open(chosen.path, "rb") as src, open(partial, "wb") as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(partial, db_path)
    data_folder.fsync_folder(directory)
    return Restored(chosen, set_aside, skipped)


def _set_aside(db_path: Path) -> list[Path]:
    """Move the database's files (if any) into `damaged-<time>/` beside it; their new paths."""
    directory = db_path.parent
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = directory / f"damaged-{stamp}"
    moved: list[Path] = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = directory / f"{db_path.name}{suffix}"
        if path.exists():
            data_folder.make_private_folder(aside)
            os.replace(path, aside / path.name)
            moved.append(aside / path.name)
    data_folder.fsync_folder(directory)
    return moved


def set_aside_database(db_path: Path) -> Path | None:
    """`recover --start-empty`: the database's files go into `damaged-<time>/`; that folder."""
    moved = _set_aside(db_path)
    return moved[0].parent if moved else None


def move_counters_on(store: Store, gap: int = NUMBER_GAP) -> dict[str, int]:
    """After a restore: every local counter (receipt numbers …) moves `gap` on; returns the new values."""
    moved = {}
    with store.transaction():
        for row in store.all("SELECT name FROM local_seq"):
            name = str(row[0])
            if name in KEEP_COUNTERS_AS_THEY_ARE:
                continue
            moved[name] = int(store.scalar("UPDATE local_seq SET value = value + ? WHERE name = ? RETURNING value",
                                           (gap, name)))
    return moved


class BackgroundBackups:
    """Backups on a daemon thread, one at a time; `wait()` joins it (closing, tests).

    A request that comes while a backup is running is not dropped: the thread makes one more
    backup when it is done, so the newest copy always covers the sale that asked for it."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again: tuple[str, int] | None = None
        self.last_error: str | None = None
        self.last_path: Path | None = None

    def start(self, *, reason: str, keep: int) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = (reason, keep)
                return
            self._thread = threading.Thread(target=self._run, args=(reason, keep), daemon=True,
                                            name=f"backup {self._db_path.name}")
            self._thread.start()

    def _run(self, reason: str, keep: int) -> None:
        while True:
            try:
                self.last_path = backup_database(self._db_path, reason=reason, keep=keep)
                self.last_error = None
            except BackupError as exc:
                self.last_error = str(exc)
                log.warning("backup of %s failed: %s", self._db_path, exc)
            with self._lock:
                if self._again is None:
                    return
                (reason, keep), self._again = self._again, None

    def wait(self, timeout: float = 60.0) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
