"""Posting stock movements: the only way stock changes.

Every movement is appended to the ledger and the on-hand row of its warehouse and product is
moved by the same amount in the same transaction (the caller's). On-hand rows are upserted in
primary-key order (warehouse, product), so two transactions touching the same products lock them
in the same order and cannot deadlock. Stock may go negative (two tills sold the last item while
offline): that is reported as a warning, never refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from central import references
from central.bulk import insert_tuples, json_rows, pg_execute, recordset_sql
from central.db import utcnow
from central.errors import Invalid, not_found
from central.inventory.models import MOVEMENT_KINDS, StockMovement, StockOnHand


class Movement(NamedTuple):
    """A movement to post (signed `qty_m`: thousandths of the base unit, + in, − out).

    A NamedTuple (immutable; `_replace` for a variant): a push makes thousands of them a batch,
    and a frozen dataclass took ~3 µs each to build."""

    warehouse_id: int
    product_id: int
    kind: str
    qty_m: int
    source_type: str
    source_id: str
    occurred_at: datetime
    source_line: int | None = None
    unit_cost_fen: int | None = None
    batch_no: str | None = None
    expiry_date: date | None = None
    user_id: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class NegativeStock:
    """A warning: this warehouse's on-hand of this product is below zero after the posting."""

    warehouse_id: int
    product_id: int
    qty_m: int


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING for on-hand rows, built once per dialect.

    One atomic statement per posting: it creates missing rows at 0 and adds the deltas, taking
    each row lock itself, so the read-modify-write race of "select, add, update" cannot lose an
    update. Rows are given in primary-key order, which is the order they are locked in.
    """
    table: Table = StockOnHand.__table__  # type: ignore[assignment]
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.warehouse_id, table.c.product_id],
        set_={"qty_m": table.c.qty_m + stmt.excluded.qty_m, "updated_at": stmt.excluded.updated_at},
    ).returning(table.c.warehouse_id, table.c.product_id, table.c.qty_m)


_LEDGER_COLUMNS = ("warehouse_id", "product_id", "kind", "qty_m", "balance_after_m", "unit_cost_fen", "batch_no",
                   "expiry_date", "source_type", "source_id", "source_line", "occurred_at", "recorded_at", "user_id",
                   "note")


def post_movements(session: Session, movements: Sequence[Movement],
                   *, recorded_at: datetime | None = None) -> list[NegativeStock]:
    """Append `movements` to the ledger and move on-hand with them; returns negative-stock warnings.

    Runs inside the caller's transaction and never commits.
    """
    if not movements:
        return []
    now = recorded_at or utcnow()
    for m in movements:
        if m.kind not in MOVEMENT_KINDS:
            raise Invalid(f"未知的库存变动类型 {m.kind}", f"unknown movement kind {m.kind}",
                          code="movement_kind", field="kind")
    _require_references(session, movements)
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for m in movements:
        totals[(m.warehouse_id, m.product_id)] += m.qty_m
    keys = sorted(totals)  # primary-key order: no deadlocks between concurrent postings
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # one statement text for any number of rows (see central.bulk)
        result: Any = pg_execute(session, recordset_sql(
            cast(Table, StockOnHand.__table__), ("warehouse_id", "product_id", "qty_m", "updated_at"),
            "ON CONFLICT (warehouse_id, product_id) DO UPDATE SET qty_m = stock_on_hand.qty_m + excluded.qty_m, "
            "updated_at = excluded.updated_at RETURNING warehouse_id, product_id, qty_m"),
            [json_rows([{"warehouse_id": w, "product_id": p, "qty_m": totals[(w, p)], "updated_at": now}
                        for w, p in keys])])
    else:
        result = session.execute(_upsert_statement(dialect), [
            {"warehouse_id": w, "product_id": p, "qty_m": totals[(w, p)], "updated_at": now} for w, p in keys])
    after = {(int(w), int(p)): int(q) for w, p, q in result}
    # Running balance per key, so each ledger row says what it left behind.
    running = {key: after[key] - totals[key] for key in totals}
    rows = []
    for m in movements:
        key = (m.warehouse_id, m.product_id)
        running[key] += m.qty_m
        rows.append((m.warehouse_id, m.product_id, m.kind, m.qty_m, running[key], m.unit_cost_fen, m.batch_no,
                     m.expiry_date, m.source_type, m.source_id, m.source_line, m.occurred_at, now, m.user_id, m.note))
    insert_tuples(session, cast(Table, StockMovement.__table__), _LEDGER_COLUMNS, rows)  # COPY on PostgreSQL
    return [NegativeStock(k[0], k[1], q) for k, q in sorted(after.items()) if q < 0]


def _require_references(session: Session, movements: Sequence[Movement]) -> None:
    """Every warehouse, product and user the movements name exists (the ledger has no FOREIGN KEY
    per row: see central/references.py); one query per kind this session has not seen yet."""
    for name, zh, en, field, ids in (
            ("warehouses", "仓库", "warehouse", "warehouse_id", (m.warehouse_id for m in movements)),
            ("products", "商品", "product", "product_id", (m.product_id for m in movements)),
            ("users", "用户", "user", "user_id", (m.user_id for m in movements))):
        unknown = references.missing(session, name, ids)
        if unknown:
            raise not_found(zh, en, field, unknown[0])


def on_hand(session: Session, warehouse_id: int, product_id: int) -> int:
    """Current quantity (thousandths of the base unit); 0 when the product never moved here."""
    value = session.scalar(select(StockOnHand.qty_m).where(
        StockOnHand.warehouse_id == warehouse_id, StockOnHand.product_id == product_id))
    return int(value or 0)
