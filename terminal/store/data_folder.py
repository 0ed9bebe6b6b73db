"""The till's data folder: who may read it, and what it remembers outside its database.

Why a marker beside the database: SQLite creates an empty database when the file is missing, so a
till whose `terminal.db` was deleted (a cleaning script, a wrong `rm`, a restored disk image
without it) would open as a brand-new, unenrolled till and its unsynced sales would be gone
without a word. At enrolment the till writes `enrolled.json` next to the database; from then on a
missing (or empty) database with the marker present is refused with a message saying what
happened and what to do (`pos-terminal recover`), never silently replaced.

Owner-only: a till's folder holds the device credential, PIN hashes, members' phones and every
sale, so the folder is created 0700 and its files 0600 (an existing folder is tightened when
opened). SQLite gives its `-wal` and `-shm` files the database file's permissions, so creating the
database file 0600 before SQLite opens it is enough for those.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from terminal.store.errors import DataFolderError

MARKER_FILENAME = "enrolled.json"
FOLDER_MODE = 0o700
FILE_MODE = 0o600
RECOVER_HINT_ZH = "请运行 pos-terminal recover --data {dir} 从最近的备份恢复"
RECOVER_HINT_EN = "run `pos-terminal recover --data {dir}` to restore the newest backup"


def make_private_folder(directory: Path) -> None:
    """Create `directory` (and parents) owner-only; tighten an existing one we own to 0700."""
    directory.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    try:
        info = directory.stat()
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
            directory.chmod(FOLDER_MODE)
    except OSError:
        pass  # a folder we cannot tighten is still usable; the files inside are 0600 anyway


def make_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if missing, else tighten it to 0600 (before SQLite opens it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    except FileExistsError:
        try:
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(FILE_MODE)
        except OSError:
            pass
        return
    os.close(fd)


def write_private(path: Path, data: bytes) -> None:
    """Write a small file atomically (temp + fsync + rename), owner-only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, path)
    fsync_folder(path.parent)


def fsync_folder(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable (the folder's entry, not only the data)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def marker_path(directory: Path) -> Path:
    return directory / MARKER_FILENAME


def read_marker(directory: Path) -> dict[str, Any] | None:
    """What the till wrote when it was enrolled; None when it never was (no marker)."""
    path = marker_path(directory)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def write_marker(directory: Path, settings: dict[str, str]) -> None:
    """Remember, outside the database, that this folder's till is enrolled (and as what)."""
    keep = ("terminal_id", "terminal_code", "store_id", "store_code", "server_url", "terminal_kind")
    data = {k: settings[k] for k in keep if settings.get(k)}
    data["enrolled_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_private(marker_path(directory),
                  (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def retire_marker(directory: Path) -> Path | None:
    """Set the marker aside (`pos-terminal recover --start-empty`): the folder may start empty."""
    path = marker_path(directory)
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    retired = path.with_name(f"{MARKER_FILENAME}.retired-{stamp}")
    os.replace(path, retired)
    fsync_folder(directory)
    return retired


def database_missing(directory: Path, db_path: Path) -> DataFolderError:
    """The refusal when an enrolled till's database is gone."""
    marker = read_marker(directory) or {}
    who = marker.get("terminal_code") or marker.get("terminal_id") or "?"
    return DataFolderError(
        f"收银数据库不见了：本机（终端 {who}）已注册，但 {db_path} 不存在或是空的。"
        f"为防止未上传的销售丢失，收银程序不会新建空数据库。" + RECOVER_HINT_ZH.format(dir=directory),
        f"the till's database is missing: this till (terminal {who}) is enrolled, but {db_path} is gone "
        f"or empty. To keep unsynced sales from being lost, the till will not start with a new empty "
        f"database; " + RECOVER_HINT_EN.format(dir=directory),
        code="database_missing",
    )


def database_unreadable(directory: Path, db_path: Path, detail: str) -> DataFolderError:
    """The refusal when the database cannot be read or fails its integrity check."""
    return DataFolderError(
        f"收银数据库已损坏或无法读取（{db_path}：{detail}）。" + RECOVER_HINT_ZH.format(dir=directory),
        f"the till's database is damaged or unreadable ({db_path}: {detail}); "
        + RECOVER_HINT_EN.format(dir=directory),
        code="database_unreadable",
    )


def disk_full(directory: Path, detail: str) -> DataFolderError:
    """The refusal when the till cannot write its database because the disk is full."""
    return DataFolderError(
        f"磁盘已满：收银数据无法写入 {directory}（{detail}）。请删除该磁盘上不需要的文件"
        f"（不要删除 {directory} 里的文件），然后重新启动收银程序。",
        f"the disk is full: the till cannot write its data in {directory} ({detail}). Free some space "
        f"on that disk (do not delete anything in {directory}), then start the till again.",
        code="disk_full",
    )


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full") or the OS's ENOSPC."""
    import errno
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc).lower()
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


UNREADABLE_CODES = frozenset({10, 11, 14, 26})
"""SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_NOTADB (primary codes): the file itself
is the problem (as opposed to e.g. a lock, which waiting cures)."""


def is_unreadable(exc: BaseException) -> bool:
    import sqlite3

    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in UNREADABLE_CODES
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "disk i/o" in text or "unable to open" in text
