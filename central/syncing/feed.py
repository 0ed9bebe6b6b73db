"""The change feed: SQLAlchemy session hooks turn every change of a master-data model into feed
rows (upserts and tombstones) in the same transaction, with a monotonically increasing sequence.

How it works: a domain registers, per master-data model, which feed entities a changed row
touches (`track`), per entity a loader that builds the current wire form and scope of some
ids (`register_entity`), and which other entities' scope follows an entity's rows (`depend`).
`after_flush` collects the touched (entity, id) keys; `before_commit` loads their current state
and writes the feed rows. Writers take the `feed` counter's row lock
just before commit, so feed rows commit in `seq` order (a reader never skips a row).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import String, and_, any_, delete, event, func, literal_column, select, update
from sqlalchemy.orm import Session

from central.db import utcnow
from central.syncing.models import SyncCounter, SyncFeed

Scope = tuple[int, int]
"""(store_id or 0 for every store, rep user id or 0 for everyone in the store scope, or `TILLS_ONLY`)."""
EVERYWHERE: Scope = (0, 0)
TILLS_ONLY = -1
"""`scope_rep` of rows only cashier tills see (never a rep's tablet): the PIN hashes of the people who
may sign in at a till. `(store, TILLS_ONLY)`: that store's tills; `(0, TILLS_ONLY)`: every till."""

Loader = Callable[[Session, Sequence[str]], dict[str, tuple[dict[str, Any], list[Scope]]]]
"""ids → {id: (wire dict, scopes)} for the ids that exist; missing ids are deleted."""

KeysOf = Callable[[Any], Iterable[tuple[str, str]]]
"""A changed model instance → the (entity, id) feed keys it touches."""

Dependents = Callable[[Session, Sequence[str]], Iterable[tuple[str, str]]]
"""Changed ids of an entity → the (entity, id) keys whose scope follows them."""

_loaders: dict[str, Loader] = {}
_tracked: dict[type, KeysOf] = {}
_dependents: dict[str, list[Dependents]] = {}
_TOUCHED = "sync_feed_touched"


@dataclass(frozen=True)
class FeedRow:
    seq: int
    entity: str
    entity_id: str
    op: str
    data: str | None


def register_entity(entity: str, loader: Loader) -> None:
    """Declare a feed entity and how to load its current wire form and scopes."""
    _loaders[entity] = loader


def depend(entity: str, dependents: Dependents) -> None:
    """Rewrite other entities' feed rows whenever rows of `entity` change: for rows whose scope is
    borrowed from it (a price list made for one customer goes where that customer's rep goes)."""
    known = _dependents.setdefault(entity, [])
    if dependents not in known:
        known.append(dependents)


def _with_dependents(session: Session, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    found = set(keys)
    todo = found
    while todo:
        by_entity: dict[str, list[str]] = {}
        for entity, entity_id in todo:
            if entity in _dependents:
                by_entity.setdefault(entity, []).append(entity_id)
        more: set[tuple[str, str]] = set()
        for entity, ids in by_entity.items():
            for dependents in _dependents[entity]:
                more.update(dependents(session, sorted(ids)))
        todo = more - found
        found |= todo
    return found


def track(model: type, keys_of: KeysOf) -> None:
    """Emit feed changes whenever an instance of `model` is inserted, updated or deleted."""
    _tracked[model] = keys_of


def touch(session: Session, entity: str, ids: Iterable[Any]) -> None:
    """Mark ids of an entity changed by hand (bulk SQL the hooks cannot see)."""
    bucket: set[tuple[str, str]] = session.info.setdefault(_TOUCHED, set())
    bucket.update((entity, str(i)) for i in ids)


def _tracked_keys(obj: Any) -> Iterable[tuple[str, str]]:
    for cls in type(obj).__mro__:
        keys_of = _tracked.get(cls)
        if keys_of is not None:
            return keys_of(obj)
    return ()


_installed = False


def _install_domains() -> None:
    """Register the real master-data entities on first use (lazily: they import every domain)."""
    global _installed
    _installed = True
    from central.syncing import entities

    entities.install()


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    if not _installed:
        _install_domains()
    bucket: set[tuple[str, str]] | None = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        keys = list(_tracked_keys(obj))
        if keys:
            if bucket is None:
                bucket = session.info.setdefault(_TOUCHED, set())
            bucket.update(keys)


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    session.flush()  # pending changes reach after_flush (and its key collection) first
    if not session.info.get(_TOUCHED):
        return
    keys: set[tuple[str, str]] = session.info.pop(_TOUCHED, set())
    while True:
        write_changes(session, keys)
        session.flush()
        more = session.info.pop(_TOUCHED, set()) - keys
        if not more:
            return
        keys = more


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def allocate(session: Session, n: int, name: str = "feed") -> int:
    """Reserve `n` sequence numbers; returns the last one. Holds the counter's row lock until
    commit, which orders concurrent writers' commits by sequence."""
    last = session.execute(
        update(SyncCounter).where(SyncCounter.name == name).values(value=SyncCounter.value + n)
        .returning(SyncCounter.value)
    ).scalar_one_or_none()
    if last is None:
        insert_ignore(session, SyncCounter.__table__, [{"name": name, "value": 0}], ["name"])
        return allocate(session, n, name)
    return int(last)


def insert_ignore(session: Session, table: Any, rows: list[dict[str, Any]], keys: list[str],
                  returning: Any = None) -> Any:
    """`INSERT … ON CONFLICT (keys) DO NOTHING [RETURNING …]` on PostgreSQL and SQLite alike."""
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        stmt = pg_insert(table).values(rows).on_conflict_do_nothing(index_elements=keys)
    else:
        from sqlalchemy.dialects.sqlite import insert as lite_insert
        stmt = lite_insert(table).values(rows).on_conflict_do_nothing(index_elements=keys)
    if returning is not None:
        stmt = stmt.returning(returning)
    return session.execute(stmt)


def counter(session: Session, name: str = "feed") -> int:
    value = session.execute(select(SyncCounter.value).where(SyncCounter.name == name)).scalar()
    return int(value or 0)


_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS)


def _dumps(data: dict[str, Any]) -> str:
    """Compact JSON with sorted keys, non-ASCII kept (the same text `json.dumps(..., sort_keys=True,
    ensure_ascii=False, separators=(",", ":"), default=str)` gives, made by orjson several times faster)."""
    try:
        return orjson.dumps(data, default=str, option=_ORJSON_OPTIONS).decode()
    except (orjson.JSONEncodeError, TypeError):  # e.g. an int beyond 64 bits: the standard library copes
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def write_changes(session: Session, keys: Iterable[tuple[str, str]]) -> int:
    """Bring the feed rows of `keys` up to date with the database; returns rows written."""
    if not _installed:
        _install_domains()
    if _dependents:
        keys = _with_dependents(session, keys)
    by_entity: dict[str, list[str]] = {}
    for entity, entity_id in sorted(keys, key=lambda k: (k[0], len(k[1]), k[1])):
        by_entity.setdefault(entity, []).append(entity_id)
    # 1. current state, computed before taking the counter lock (keeps the lock short)
    wanted: dict[tuple[str, str], dict[Scope, str]] = {}
    for entity, ids in by_entity.items():
        loader = _loaders.get(entity)
        if loader is None:
            raise LookupError(f"feed entity {entity!r} has no registered loader")
        for chunk_start in range(0, len(ids), CHUNK):
            chunk = ids[chunk_start:chunk_start + CHUNK]
            found = loader(session, chunk)
            for entity_id in chunk:
                data, scope_list = found.get(entity_id, ({}, []))
                text = _dumps(data) if scope_list else ""
                wanted[(entity, entity_id)] = dict.fromkeys(scope_list, text)
    if not wanted:
        return 0
    # 2. what the feed holds now; decide the writes (unchanged rows are not rewritten)
    existing: dict[tuple[str, str], dict[Scope, tuple[str, str | None]]] = {}
    for entity, ids in by_entity.items():
        for chunk_start in range(0, len(ids), CHUNK):
            chunk = ids[chunk_start:chunk_start + CHUNK]
            rows = rows_by_keys(session, (SyncFeed.entity_id, SyncFeed.scope_store, SyncFeed.scope_rep, SyncFeed.op,
                                          SyncFeed.data), SyncFeed.entity_id, chunk, SyncFeed.entity == entity)
            for entity_id, scope_store, scope_rep, op, data in rows:
                existing.setdefault((entity, entity_id), {})[(scope_store, scope_rep)] = (op, data)
    writes: list[tuple[str, str, Scope, str, str | None]] = []
    for key, scopes in wanted.items():
        have = existing.get(key, {})
        # tombstones first: a row leaving a scope is deleted there before it appears elsewhere
        for scope, (op, _data) in sorted(have.items()):
            if op == "upsert" and scope not in scopes:
                writes.append((key[0], key[1], scope, "delete", None))
        for scope, new_text in sorted(scopes.items()):
            old = have.get(scope)
            if old is None or old[0] != "upsert" or old[1] != new_text:
                writes.append((key[0], key[1], scope, "upsert", new_text))
    if not writes:
        return 0
    last = allocate(session, len(writes))
    first = last - len(writes) + 1
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    for offset, (entity, entity_id, scope, op, row_text) in enumerate(writes):
        row = {"entity": entity, "entity_id": entity_id, "scope_store": scope[0], "scope_rep": scope[1],
               "seq": first + offset, "op": op, "data": row_text, "changed_at": now}
        if scope in existing.get((entity, entity_id), {}):
            changed_rows.append(row)
        else:
            new_rows.append(row)
    if changed_rows:
        # bulk UPDATE by primary key; the new seqs are fresh, so the unique index never collides
        _write_rows(session, changed_rows, existing=True)
    if new_rows:
        _write_rows(session, new_rows, existing=False)
    return len(writes)


_FEED_COLUMNS = ("entity", "entity_id", "scope_store", "scope_rep", "seq", "op", "data", "changed_at")
_COPY_MIN = 500
"""From this many rows on, PostgreSQL gets them by COPY (a bulk import's 200,000 rows in a second or
two, where a statement per row took most of a minute)."""


def _write_rows(session: Session, rows: list[dict[str, Any]], *, existing: bool) -> None:
    """Insert (or update by primary key) feed rows; many rows on PostgreSQL go by COPY."""
    if not _is_postgresql(session) or len(rows) < _COPY_MIN:
        if existing:
            session.execute(update(SyncFeed), rows)
        else:
            session.execute(SyncFeed.__table__.insert(), rows)  # type: ignore[attr-defined]
        return
    table = SyncFeed.__tablename__
    columns = ", ".join(_FEED_COLUMNS)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        target = table
        if existing:
            target = "sync_feed_incoming"
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {target} (LIKE {table} INCLUDING DEFAULTS) "
                        "ON COMMIT DELETE ROWS")
            cur.execute(f"TRUNCATE {target}")
        with cur.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in _FEED_COLUMNS))
        if existing:
            # by primary key; the new seqs are fresh, so the unique index never collides
            cur.execute(f"UPDATE {table} AS f SET seq = u.seq, op = u.op, data = u.data, changed_at = u.changed_at "
                        f"FROM {target} AS u WHERE f.entity = u.entity AND f.entity_id = u.entity_id "
                        "AND f.scope_store = u.scope_store AND f.scope_rep = u.scope_rep")
            cur.execute(f"TRUNCATE {target}")


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


CHUNK = 2000
"""Ids per loader call and per lookup of existing feed rows."""


def rows_by_keys(session: Session, columns: Sequence[Any], key: Any, values: Sequence[Any],
                 *criteria: Any) -> list[tuple[Any, ...]]:
    """The rows (tuples of `columns`) whose `key` is one of `values` and that meet `criteria`, in no
    particular order, read through Core (no ORM row wrapping).

    On PostgreSQL the keys are written into the statement as one constant array,
    `key = ANY('{…}'::bigint[])`: the planner sees the actual keys (an index scan; at worst a hashed
    filter), and psycopg has no thousand placeholders to parse. A bound array or a long `IN` list
    was planned, on freshly bulk-loaded tables without statistics, as a scan with a linear filter:
    2,000 keys × 220,000 rows took a minute per chunk. Elsewhere a plain `IN`."""
    if not values:
        return []
    conn = session.connection()
    if not _is_postgresql(session):
        stmt = select(*columns).where(key.in_(list(values)), *criteria)
    else:
        stmt = select(*columns).where(key == any_(_pg_array(key, values)), *criteria)
    return [tuple(r) for r in conn.execute(stmt).all()]


def _pg_array(key: Any, values: Sequence[Any]) -> Any:
    """A constant PostgreSQL array of `values` in the type of column `key` (ints are formatted as
    ints; strings are quoted as array elements, then as an SQL literal: nothing is spliced raw)."""
    if isinstance(key.type, String):
        elements = ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
        return literal_column("'{" + elements.replace("'", "''") + "}'::text[]")
    return literal_column("'{" + ",".join(str(int(v)) for v in values) + "}'::bigint[]")


def rebuild(session: Session, entity: str, ids: Iterable[Any]) -> int:
    """Write feed rows for many ids at once (after bulk loads the hooks cannot see)."""
    return write_changes(session, [(entity, str(i)) for i in ids])


def scope_filter(store_id: int | None, rep_id: int | None) -> Any:
    """Rows a terminal may see: business-wide rows, its store's rows; rep rows only its rep's; till-only
    rows only a cashier till's (a terminal without a rep)."""
    stores = [0] if store_id is None else [0, store_id]
    reps = [0, TILLS_ONLY] if rep_id is None else [0, rep_id]
    return and_(SyncFeed.scope_store.in_(stores), SyncFeed.scope_rep.in_(reps))


def changes_after(session: Session, cursor: int, *, store_id: int | None, rep_id: int | None,
                  limit: int, live_only: bool = False, upto: int | None = None) -> list[FeedRow]:
    """Feed rows after `cursor` in a terminal's scope, in seq order."""
    q = select(SyncFeed.seq, SyncFeed.entity, SyncFeed.entity_id, SyncFeed.op, SyncFeed.data).where(
        SyncFeed.seq > cursor, scope_filter(store_id, rep_id))
    if live_only:
        q = q.where(SyncFeed.op == "upsert")
    if upto is not None:
        q = q.where(SyncFeed.seq <= upto)
    rows = session.execute(q.order_by(SyncFeed.seq).limit(limit)).all()
    return [FeedRow(r.seq, r.entity, r.entity_id, r.op, r.data) for r in rows]


def purge_tombstones(session: Session, below_seq: int) -> int:
    """Delete tombstones older than `below_seq` and raise the horizon: terminals whose cursor is
    below it re-bootstrap (they might have missed a deletion)."""
    result = session.execute(
        delete(SyncFeed).where(SyncFeed.op == "delete", SyncFeed.seq < below_seq)
    )
    # a cursor c has seen every seq ≤ c: cursors ≥ below_seq − 1 missed none of the purged tombstones
    horizon = counter(session, "horizon")
    if below_seq - 1 > horizon:
        allocate(session, below_seq - 1 - horizon, "horizon")
    return int(getattr(result, "rowcount", 0) or 0)


def max_seq(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(SyncFeed.seq), 0))).scalar_one())


__all__ = [
    "EVERYWHERE", "TILLS_ONLY", "FeedRow", "Loader", "Scope", "allocate", "changes_after", "counter", "max_seq",
    "purge_tombstones", "rebuild", "register_entity", "scope_filter", "touch", "track", "write_changes",
]
