"""Bulk row writes for the hot paths (push ingest): one statement per table, not one per row.

`insert_tuples` (rows as tuples in a column order) and `insert_rows` (rows as dicts) write many
rows of one table in the caller's transaction. On PostgreSQL they use `COPY … FROM STDIN` through
the session's own psycopg connection (the fastest way in: no SQL to parse per row, no per-row
parameter processing by SQLAlchemy); elsewhere (SQLite) a plain Core `INSERT` executemany. Values
are what the column types accept (JSON columns: lists/dicts, or `JsonText` already serialised).
`insert_returning_ids` does the same for rows whose new ids the caller needs (ids drawn from the
sequence first). `copy_unless_conflict` is the COPY for rows that are nearly always new, with the caller's
`INSERT … ON CONFLICT` statement (`recordset_sql`) as the fallback when a unique key refuses them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, ColumnElement, Date, DateTime, Table, any_, bindparam, insert
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session


def _time_columns(table: Table) -> frozenset[str]:
    cached = table.info.get("_bulk_time_columns")
    if cached is None:
        cached = frozenset(c.name for c in table.columns if isinstance(c.type, Date | DateTime)
                           or isinstance(getattr(c.type, "impl", None), Date | DateTime))
        table.info["_bulk_time_columns"] = cached
    return cached


def _json_columns(table: Table) -> frozenset[str]:
    cached = table.info.get("_bulk_json_columns")
    if cached is None:
        cached = frozenset(c.name for c in table.columns if isinstance(c.type, JSON))
        table.info["_bulk_json_columns"] = cached
    return cached


class JsonText(str):
    """JSON already serialised (e.g. the canonical text a payload hash was checked over): written to
    a JSON column as is by `insert_tuples`, not encoded again as a JSON string."""


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, JsonText):
        return value
    if not value and isinstance(value, list):
        return "[]"  # most lists of ids (promotions of a line) are empty
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row of `rows` into `table` (no RETURNING, no ON CONFLICT): one statement."""
    if not rows:
        return
    columns = tuple(rows[0])
    insert_tuples(session, table, columns, [tuple(row[c] for c in columns) for row in rows])


def insert_tuples(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """`insert_rows` for rows given as tuples in `columns` order (the hot paths: no dict per row).

    JSON columns take lists/dicts (serialised here for COPY)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    json_at = [i for i, c in enumerate(columns) if c in _json_columns(table)]
    # times as ISO text, each distinct value formatted once (a batch's rows share a few: its receipt
    # time, a sale's time on all its lines): psycopg's datetime dumper costs ~1 µs a value
    time_at = [i for i, c in enumerate(columns) if c in _time_columns(table)]
    texts: dict[Any, str] = {}
    raw: Any = connection.connection.dbapi_connection  # the psycopg connection of this transaction
    assert raw is not None
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table.name}" ({names}) FROM STDIN'
    import psycopg

    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            if json_at or time_at:
                for row in rows:
                    values = list(row)
                    for i in json_at:
                        values[i] = _dumps(values[i])
                    for i in time_at:
                        value = values[i]
                        if value is not None:
                            text = texts.get(value)
                            if text is None:
                                text = texts[value] = value.isoformat()
                            values[i] = text
                    copy.write_row(values)
            else:
                for row in rows:
                    copy.write_row(row)
    except psycopg.IntegrityError as exc:
        # the same exception a Core INSERT raises, so callers handle both paths alike
        raise IntegrityError(sql, None, exc) from exc
    except psycopg.DataError as exc:  # a value a column cannot hold (NUL, too long, too large)
        raise DataError(sql, None, exc) from exc


def insert_returning_ids(session: Session, table: Table, columns: Sequence[str],
                         rows: Sequence[Sequence[Any]]) -> list[int]:
    """INSERT `rows` (tuples in `columns` order) into `table` and return their new ids, in order.

    On PostgreSQL the ids are taken from the table's sequence first (one `nextval` query for all of
    them) and the rows written by COPY with their ids: an `INSERT … VALUES … RETURNING` of thousands
    of rows is a statement psycopg parses in Python placeholder by placeholder (SQLAlchemy's
    "insertmanyvalues"), which cost a products import more than all of its checks. Elsewhere
    (SQLite) a Core INSERT … RETURNING, sorted by parameter order."""
    if not rows:
        return []
    if session.connection().dialect.name != "postgresql":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.scalars(stmt, [dict(zip(columns, row, strict=True)) for row in rows]))
    ids = [int(i) for (i,) in pg_execute(
        session, "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [f'"{table.name}"', len(rows)])]
    insert_tuples(session, table, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)])
    return ids


def copy_unless_conflict(session: Session, table: Table, columns: Sequence[str],
                         rows: Sequence[Sequence[Any]]) -> bool:
    """PostgreSQL: COPY `rows` inside a savepoint; True when they all went in, False (nothing
    written) when the database refused them for a unique or other integrity violation.

    For inserts that are nearly always all new (a push batch into the event log): COPY costs the
    database a third of `INSERT … SELECT FROM json_to_recordset(…) ON CONFLICT DO NOTHING` and
    Python less too; the caller takes its ON CONFLICT path only after a refusal. The database's
    own unique constraint decides either way (never check-then-insert)."""
    savepoint = session.begin_nested()
    try:
        insert_tuples(session, table, columns, rows)
    except IntegrityError:
        savepoint.rollback()
        return False
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.commit()
    return True


def _pg_type(column: ColumnElement[Any]) -> str:
    from sqlalchemy.dialects import postgresql

    return str(column.type.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]


def recordset_sql(table: Table, columns: Sequence[str], suffix: str = "") -> str:
    """`INSERT INTO table (columns) SELECT … FROM json_to_recordset(%s::json) … <suffix>` (PostgreSQL).

    The rows travel as one JSON text parameter (an array of objects, see `json_rows`): one
    statement text whatever the number of rows, so the driver parses and the server plans it once,
    and no per-row parameter work in Python (psycopg's array adaptation costs ~100 µs a value).
    Rows go in in array order (`WITH ORDINALITY`), which is the order their row locks are taken."""
    key = ("_bulk_recordset", tuple(columns), suffix)
    sql = table.info.get(key)
    if sql is None:
        names = ", ".join(f'"{c}"' for c in columns)
        types = ", ".join(f'"{c}" {_pg_type(table.c[c])}' for c in columns)
        sql = (f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM ROWS FROM '
               f"(json_to_recordset(%s::json) AS ({types})) WITH ORDINALITY AS r({names}, _ord) "
               f"ORDER BY _ord {suffix}").strip()
        table.info[key] = sql
    return str(sql)


def json_rows(rows: Sequence[Any]) -> str:
    """Rows as the JSON text `recordset_sql` takes (times as ISO text, which PostgreSQL reads);
    orjson writes times, dates and strings as the standard library would, ~10x faster."""
    return orjson.dumps(rows, default=_iso).decode()


def _iso(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def pg_execute(session: Session, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` on the session's own psycopg connection (its transaction) and fetch what it
    returns; integrity errors come out as SQLAlchemy's `IntegrityError`, as from a Core statement."""
    import psycopg

    raw: Any = session.connection().connection.dbapi_connection
    try:
        with raw.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description is not None else []
    except psycopg.IntegrityError as exc:
        raise IntegrityError(sql, None, exc) from exc
    except psycopg.DataError as exc:
        raise DataError(sql, None, exc) from exc


def in_list(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """`column IN (:name…)`; on PostgreSQL `column = ANY(:name)` with the list as one array, so
    the statement text does not change with the number of values (parsed and planned once)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
