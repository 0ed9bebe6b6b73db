"""The terminal's local database: a real SQLite file every sale is committed to before anything else.

Why this shape: a sale, its payments and its outbox event must land together or not at all, so the
connection runs in autocommit mode and `Store.transaction()` issues one explicit
``BEGIN IMMEDIATE … COMMIT`` (the write lock is taken up front, so a commit never fails half-way
with SQLITE_BUSY after work was done). ``synchronous=FULL`` in WAL mode makes every COMMIT durable
across power loss. sqlite-utils sits on the same connection for convenient reads and for the
non-critical writes; its own write methods nest inside our transaction as savepoints.

WAL checkpoints (copying committed pages from the WAL into the database file, with an fsync of
the database file) are kept off the sale path. With SQLite's default, the COMMIT that takes the
WAL past 1,000 pages runs the checkpoint itself, so every ~40th sale waited for it. Here a
background thread with its own connection runs a PASSIVE checkpoint (it never blocks the till's
reads or writes) every `CHECKPOINT_EVERY_COMMITS` commits or `CHECKPOINT_AFTER_S` seconds, while
the receipt prints. Not after every commit: the first write after a complete checkpoint restarts
the WAL, and a restart costs that COMMIT a second fsync (of the new WAL header); so right after
its checkpoint the thread makes that first write itself (`wal_restarts` counter in `local_seq`),
and every sale's COMMIT is one fsync of frames written over the already allocated WAL file (no
file growth either). Measured on the development machine, raw sqlite3, 14 pages a commit: p99
1.5 ms when every commit restarted the WAL, 0.3 ms like this. The sale connection checkpoints
by itself only as a safety net, when the WAL grows past `WAL_AUTOCHECKPOINT_PAGES`.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from terminal.errors import RefusedByContract
from terminal.store import backup, data_folder
from terminal.store.audit_log import AuditLog
from terminal.store.errors import DataFolderError, StoreError
from terminal.store.field import FieldRecords
from terminal.store.held_carts import HeldCarts
from terminal.store.master import MasterData
from terminal.store.members import Members
from terminal.store.outbox import Outbox
from terminal.store.pin_failures import PinFailureLog
from terminal.store.prepaid import Prepaid
from terminal.store.provider_charges import ProviderCharges
from terminal.store.returns import Returns
from terminal.store.sales import RemoteSales, Sales
from terminal.store.shifts import Shifts
from terminal.store.sync_state import SyncState

DB_FILENAME = "terminal.db"
MIGRATIONS_PACKAGE = "terminal.store.migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
WAL_AUTOCHECKPOINT_PAGES = 4000
"""The sale connection checkpoints by itself only past ~16 MB of WAL (normally never)."""
JOURNAL_SIZE_LIMIT = 32 * 1024 * 1024
"""After a checkpoint empties the WAL, its file is cut back to this size."""
CHECKPOINT_EVERY_COMMITS = 100
"""Background checkpoint after this many commits (~6 MB of WAL for 20-line sales) ..."""
CHECKPOINT_AFTER_S = 60.0
"""... or at the first commit this long after the last one (a quiet till's file stays current)."""
WAL_RESTARTS_SEQ = "wal_restarts"
"""`local_seq` counter the checkpoint thread bumps to restart the WAL itself (see above)."""


class Migration:
    """One numbered SQL file; its number is the schema version it brings the database to."""

    def __init__(self, version: int, name: str, sql: str) -> None:
        self.version = version
        self.name = name
        self.sql = sql

    def __repr__(self) -> str:
        return f"Migration({self.version}, {self.name!r})"


def load_migrations() -> list[Migration]:
    """All `NNNN_*.sql` files of the migrations package, in order; numbers must be 1, 2, 3 … with no gap."""
    found: list[Migration] = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    if not found:
        raise StoreError("no terminal migrations found: the package was built without its .sql files")
    found.sort(key=lambda mig: mig.version)
    for expected, mig in enumerate(found, start=1):
        if mig.version != expected:
            raise StoreError(f"migration numbers must be consecutive from 0001: found {mig.name}")
    return found


class Store:
    """An open terminal database. Not shared between threads: each thread opens its own.

    The one door to the till's database: every SQL statement lives in `terminal/store/`. The
    repositories below own the tables (and the stored form of each record); services call them,
    and `transaction()` makes several calls one durable unit. `execute`/`one`/`all`/`scalar` are
    for the repositories (and tests that look at the rows), not for services.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.outbox = Outbox(self)
        self.sales = Sales(self)
        self.remote_sales = RemoteSales(self)
        self.returns = Returns(self)
        self.shifts = Shifts(self)
        self.members = Members(self)
        self.master = MasterData(self)
        self.sync_state = SyncState(self)
        self.held_carts = HeldCarts(self)
        self.audit_log = AuditLog(self)
        self.prepaid = Prepaid(self)
        self.provider_charges = ProviderCharges(self)
        self.field = FieldRecords(self)
        self.pin_failures = PinFailureLog(self)
        self._owner = threading.get_ident()
        self._depth = 0
        self._checkpointer: _Checkpointer | None = None
        self._commits_since_checkpoint = 0
        self._checkpoint_requested_at = time.monotonic()
        self.sales_since_backup = 0
        """Sales stored since the last backup (`terminal.store.backup`); `Sales.add` counts."""
        self._backups: backup.BackgroundBackups | None = None
        self._backup_policy: tuple[int, int] | None = None

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One atomic, durable unit of work: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error.

        A nested call runs in a SAVEPOINT of the outer transaction: its error undoes its own writes
        (and still propagates); nothing is durable until the outermost block commits, so services
        can be composed without ever committing half of a sale. An event the wire contract refuses
        (pydantic's ValidationError inside the block) comes out as `RefusedByContract`, with the
        contract's own plain words, not as a traceback.
        """
        if self.conn.in_transaction:
            self._depth += 1
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except ValidationError as exc:  # an event or record the wire contract refuses: say so plainly
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise RefusedByContract.of(exc) from exc
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self._committed()

    def _committed(self) -> None:
        """After a durable commit: every so often, have the WAL checkpointed in the background, and
        every `backup_every_sales` sales, the database backed up in the background."""
        if self.sales_since_backup:
            every, keep = self.backup_policy()
            if every and self.sales_since_backup >= every and self.path.name != ":memory:":
                if self._backups is None:
                    self._backups = backup.BackgroundBackups(self.path)
                self._backups.start(reason="sales", keep=keep)
                self.sales_since_backup = 0
        self._commits_since_checkpoint += 1
        if (self._commits_since_checkpoint >= CHECKPOINT_EVERY_COMMITS
                or time.monotonic() - self._checkpoint_requested_at >= CHECKPOINT_AFTER_S):
            self.request_checkpoint()

    def request_checkpoint(self) -> None:
        """Checkpoint the WAL on the background thread now (it runs while the caller goes on)."""
        if self.path.name == ":memory:":
            return
        if self._checkpointer is None:
            self._checkpointer = _Checkpointer(self.path)
        self._commits_since_checkpoint = 0
        self._checkpoint_requested_at = time.monotonic()
        self._checkpointer.poke()

    def backup_policy(self) -> tuple[int, int]:
        """(back up every N sales, keep K backups) from the settings, read once per open store."""
        if self._backup_policy is None:
            def number(key: str, default: int) -> int:
                try:
                    return max(0, int(self.get_setting(key) or default))
                except ValueError:
                    return default

            self._backup_policy = (number(backup.EVERY_SALES_SETTING, backup.DEFAULT_EVERY_SALES),
                                   number(backup.KEEP_SETTING, backup.DEFAULT_KEEP))
        return self._backup_policy

    def backup_now(self, reason: str) -> Path:
        """Back the database up now and wait (shift close, tests); raises `backup.BackupError`."""
        self.wait_backups()
        made = backup.backup_database(self.path, reason=reason, keep=self.backup_policy()[1])
        self.sales_since_backup = 0
        return made

    def wait_backups(self, timeout: float = 60.0) -> None:
        """Wait for a background backup under way (closing, tests)."""
        if self._backups is not None:
            self._backups.wait(timeout)

    @property
    def last_backup_error(self) -> str | None:
        """Why the last background backup failed (None when it did not, or none ran)."""
        return None if self._backups is None else self._backups.last_error

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def require_transaction(self, what: str) -> None:
        """Refuse to write `what` outside `transaction()` (it would commit on its own, unpaired)."""
        if not self.conn.in_transaction:
            raise StoreError(f"{what} must be called inside Store.transaction()")

    # ------------------------------------------------------------------ small helpers

    def execute(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, params).fetchall())

    @property
    def schema_version(self) -> int:
        return int(self.scalar("PRAGMA user_version"))

    def table_exists(self, name: str) -> bool:
        return self.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)) is not None

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM settings WHERE key=?", (key,))
        return default if value is None else str(value)

    def terminal_id(self) -> int:
        """This terminal's central id (set at enrolment); events cannot be made before that."""
        value = self.get_setting("terminal_id")
        if value is None:
            raise StoreError("终端尚未注册 (terminal not enrolled: no terminal_id setting)")
        return int(value)

    def store_id(self) -> int:
        """The store this terminal belongs to (0 before enrolment)."""
        return int(self.get_setting("store_id") or 0)

    def enrolled(self) -> bool:
        """True when the till has a server and a credential (it may still be offline)."""
        return bool(self.get_setting("server_url") and self.get_setting("credential"))

    def mark_enrolled(self) -> None:
        """Write the enrolment marker beside the database (`data_folder`): from now on a missing or
        empty database is refused instead of silently replaced by a new one."""
        data_folder.write_marker(self.path.parent, self.settings())

    def integrity_problems(self, limit: int = 5) -> list[str]:
        """SQLite's `PRAGMA quick_check` (every page and record readable and well formed, without
        the slower index cross-check of `integrity_check`): [] when the database is sound."""
        rows = [str(r[0]) for r in self.conn.execute(f"PRAGMA quick_check({int(limit)})").fetchall()]
        return [] if rows == ["ok"] else rows

    def settings(self) -> dict[str, str]:
        """Every setting at once (one query; the table holds a handful of rows)."""
        return {str(k): str(v) for k, v in self.conn.execute("SELECT key, value FROM settings").fetchall()}

    def set_setting(self, key: str, value: str | None) -> None:
        """Set (or with None, remove) one setting; joins the caller's transaction if there is one."""
        with self.transaction():
            if value is None:
                self.conn.execute("DELETE FROM settings WHERE key=?", (key,))
            else:
                self.conn.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (key, value),
                )

    def next_seq(self, name: str) -> int:
        """The next value of a named, gap-free local counter; only inside a transaction, so a
        rolled-back sale gives its number back."""
        self.require_transaction("next_seq")
        row = self.conn.execute(
            "INSERT INTO local_seq(name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
            (name,),
        ).fetchone()
        return int(row[0])

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """For the length of a bootstrap: `synchronous=NORMAL` (WAL: a power cut may lose the last pages
        but never corrupts; a bootstrap not marked finished starts over) and a 64 MB page cache; the
        sale path's settings come back afterwards, whatever happens."""
        conn = self.conn
        synchronous = int(conn.execute("PRAGMA synchronous").fetchone()[0])
        cache_size = int(conn.execute("PRAGMA cache_size").fetchone()[0])
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-65536")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.execute(f"PRAGMA cache_size={cache_size}")

    def change_token(self) -> tuple[int, int]:
        """Moves whenever the database may have changed: another connection's commit moves
        `PRAGMA data_version`, this connection's own writes move `total_changes` (caches key on it)."""
        return int(self.scalar("PRAGMA data_version")), self.conn.total_changes

    def wait_checkpointed(self, timeout: float = 5.0) -> bool:
        """Wait until a background checkpoint under way is done (benchmarks and tests: a till has
        seconds between two customers for it); True when none is running any more."""
        return self._checkpointer is None or self._checkpointer.wait_idle(timeout)

    def checkpoint_now(self, timeout: float = 10.0) -> bool:
        """Checkpoint everything committed so far and wait for it (tests, benchmarks, backups)."""
        self.request_checkpoint()
        return self.wait_checkpointed(timeout)

    def close(self) -> None:
        self.wait_backups()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Checkpointer:
    """A daemon thread that checkpoints the WAL (PASSIVE) when asked, on its own connection, then
    restarts the WAL with a one-row write so that no sale's COMMIT pays for the restart.

    `poke()` only flags the work; the checkpoint runs on this thread, which the sale path never
    waits for. Commits that arrive during a checkpoint are covered by the next round. Errors (busy,
    a file gone in a test) are ignored: the next request tries again, and the sale connection's
    own autocheckpoint remains as a safety net. The restart write gives up at once when the till
    is writing (timeout 0): the sale that holds the lock restarts the WAL itself, as SQLite would.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._due = threading.Event()
        self._idle = threading.Event()
        self._pending = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {path.name}", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        with self._lock:
            self._pending = True
            self._idle.clear()
        self._due.set()

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def stop(self) -> None:
        self._stopping = True
        self._due.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._due.wait()
                if self._stopping:
                    return
                self._due.clear()
                with self._lock:
                    self._pending = False
                try:
                    if conn is None:
                        conn = sqlite3.connect(str(self._path), isolation_level=None, timeout=0)
                        conn.execute("PRAGMA synchronous=FULL")
                    busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if not busy and frames > 0 and done == frames:  # all copied: the next write restarts
                        conn.execute("BEGIN IMMEDIATE")
                        conn.execute("INSERT INTO local_seq(name, value) VALUES (?, 1) "
                                     "ON CONFLICT(name) DO UPDATE SET value = value + 1", (WAL_RESTARTS_SEQ,))
                        conn.execute("COMMIT")
                except sqlite3.Error:
                    try:
                        if conn is not None and conn.in_transaction:
                            conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                    time.sleep(0.05)  # busy or unavailable: try again at the next request
                with self._lock:
                    if not self._pending:
                        self._idle.set()
        finally:
            if conn is not None:
                conn.close()


def connect(path: Path) -> sqlite3.Connection:
    """A connection configured for the sale path: autocommit (we BEGIN ourselves), WAL, FULL sync."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10.0, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    return conn


def migrate(store: Store, migrations: list[Migration] | None = None) -> list[str]:
    """Bring the database to the newest schema; each file runs in its own transaction with the
    ``user_version`` bump, so a crash mid-upgrade leaves the previous version intact."""
    migrations = load_migrations() if migrations is None else migrations
    current = store.schema_version
    newest = migrations[-1].version if migrations else 0
    if current > newest:
        raise StoreError(
            f"数据库版本 {current} 比本程序支持的 {newest} 更新，请升级收银程序 "
            f"(database schema {current} is newer than this program's {newest})"
        )
    applied: list[str] = []
    pending = [mig for mig in migrations if mig.version > current]
    if not pending:
        return applied
    # Foreign keys off while the schema changes (a table rebuild drops and renames tables that
    # others reference: https://sqlite.org/lang_altertable.html), checked before each commit.
    store.conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for mig in pending:
            with store.transaction():
                for statement in _split_sql(mig.sql):
                    store.conn.execute(statement)
                problems = store.all("PRAGMA foreign_key_check")
                if problems:
                    raise StoreError(f"foreign key check failed in migration {mig.name}: "
                                     f"{[tuple(p) for p in problems]}")
                store.conn.execute(f"PRAGMA user_version = {mig.version}")
            applied.append(mig.name)
    finally:
        store.conn.execute("PRAGMA foreign_keys=ON")
    return applied


def _split_sql(sql: str) -> list[str]:
    """Split a migration file into statements (sqlite3.complete_statement keeps triggers whole)."""
    statements: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        raise StoreError(f"incomplete SQL statement at the end of a migration: {buf[:80]!r}")
    return statements


def open_store(data_dir: str | Path, *, migrate_schema: bool = True, check_integrity: bool = False) -> Store:
    """Open (creating if needed) the terminal database in `data_dir` and upgrade its schema.

    Refuses with a `DataFolderError` (what happened, what to do, zh + en) instead of a traceback or
    a silent new database: an enrolled folder (marker present, `data_folder`) whose database is
    missing or empty, a file SQLite cannot read, a full disk, and with `check_integrity` (the app's
    start, `pos-terminal recover`) a database that fails SQLite's quick check.
    """
    directory = Path(data_dir)
    try:
        data_folder.make_private_folder(directory)
    except OSError as exc:
        if data_folder.is_disk_full(exc):
            raise data_folder.disk_full(directory, str(exc)) from exc
        raise
    path = directory / DB_FILENAME
    enrolled_before = data_folder.read_marker(directory) is not None
    if enrolled_before and (not path.exists() or path.stat().st_size == 0):
        raise data_folder.database_missing(directory, path)  # (an enrolled database is never 0 bytes)
    try:
        data_folder.make_private_file(path)
        conn = connect(path)
    except (sqlite3.DatabaseError, OSError) as exc:
        error = _data_folder_error(directory, path, exc)
        if error is None:
            raise
        raise error from exc
    store = Store(path, conn)
    try:
        if enrolled_before and store.schema_version == 0:
            raise data_folder.database_missing(directory, path)
        if check_integrity:
            problems = store.integrity_problems()
            if problems:
                raise data_folder.database_unreadable(directory, path, "; ".join(problems)[:300])
        if migrate_schema:
            migrate(store)
            store.master.restore_dropped_indexes()
            if not enrolled_before and store.enrolled():
                store.mark_enrolled()  # a till enrolled before markers existed gets one now
    except (sqlite3.DatabaseError, OSError) as exc:
        store.close()
        error = _data_folder_error(directory, path, exc)
        if error is None:
            raise
        raise error from exc
    except BaseException:
        store.close()
        raise
    return store


def _data_folder_error(directory: Path, path: Path, exc: BaseException) -> DataFolderError | None:
    """The plain-words refusal for an error opening the database; None for others (a lock, a bug),
    which are raised as they are."""
    if data_folder.is_disk_full(exc):
        return data_folder.disk_full(directory, str(exc))
    if data_folder.is_unreadable(exc) or isinstance(exc, OSError):
        return data_folder.database_unreadable(directory, path, str(exc))
    return None


START_SETTING = "last_started_at"


def check_at_start(data_dir: str | Path) -> None:
    """What the app checks before it opens the till: the database is there (or the folder was
    never enrolled), SQLite's quick check passes, and one small write commits (a full disk shows
    here, with a clear message, not in the middle of the first sale). Raises `DataFolderError`."""
    store = open_store(data_dir, check_integrity=True)
    try:
        store.set_setting(START_SETTING, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    except sqlite3.DatabaseError as exc:
        error = _data_folder_error(store.path.parent, store.path, exc)
        if error is None:
            raise
        raise error from exc
    finally:
        store.close()
