"""Shifts in the till's database: the open shift, opening and closing one, and the figures of a
shift summed from the sales, returns and audit lines committed in it (`terminal.shift` makes the
X/Z report of them)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sync.events import SaleCompleted

if TYPE_CHECKING:
    from terminal.store.db import Store


@dataclass(frozen=True)
class Shift:
    id: str
    store_id: int
    terminal_id: int
    cashier_id: int
    opened_at: datetime
    opening_float_fen: int
    status: str
    closed_at: datetime | None = None


@dataclass
class ShiftFigures:
    """What the till committed in one shift, summed by the database."""

    sales_count: int = 0
    sales_total_fen: int = 0
    discount_fen: int = 0
    rounding_fen: int = 0
    sales_by_tender: dict[str, int] = field(default_factory=dict)
    returns_count: int = 0
    returns_total_fen: int = 0
    refunds_by_tender: dict[str, int] = field(default_factory=dict)
    points_redeemed: int = 0
    points_redeemed_fen: int = 0
    cancelled_count: int = 0
    no_sale_count: int = 0
    voided_lines: int = 0
    """Lines voided (删除商品) while the shift was open (the audit log's `void_line`)."""


def _shift(r: sqlite3.Row) -> Shift:
    return Shift(
        id=r["id"], store_id=r["store_id"], terminal_id=r["terminal_id"],
        cashier_id=r["cashier_id"], opened_at=datetime.fromisoformat(r["opened_at"]),
        opening_float_fen=r["opening_float_fen"], status=r["status"],
        closed_at=datetime.fromisoformat(r["closed_at"]) if r["closed_at"] else None,
    )


class Shifts:
    """The `shifts` table of one open store (and the sums over a shift's records)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def current(self) -> Shift | None:
        """The open shift of this terminal, if any."""
        row = self._store.one("SELECT * FROM shifts WHERE status='open' ORDER BY opened_at DESC LIMIT 1")
        return None if row is None else _shift(row)

    def number_in_day(self, shift: Shift, day_start: datetime, day_end: datetime) -> int:
        """Which shift of this terminal's day (1, 2 …) `shift` is: the shifts opened from `day_start`
        (the store's local midnight, in UTC) up to and including it."""
        row = self._store.one(
            "SELECT count(*) FROM shifts WHERE terminal_id=? AND opened_at >= ? AND opened_at < ? AND opened_at <= ?",
            (shift.terminal_id, day_start.isoformat(), day_end.isoformat(), shift.opened_at.isoformat()))
        return int(row[0]) if row is not None else 1

    def get(self, shift_id: str) -> Shift | None:
        row = self._store.one("SELECT * FROM shifts WHERE id=?", (shift_id,))
        return None if row is None else _shift(row)

    def add_open(self, shift: Shift) -> None:
        """A new open shift (inside the caller's transaction, with its `shift.opened` event)."""
        self._store.require_transaction("Shifts.add_open")
        self._store.execute(
            "INSERT INTO shifts(id, store_id, terminal_id, cashier_id, opened_at, opening_float_fen, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'open')",
            (shift.id, shift.store_id, shift.terminal_id, shift.cashier_id, shift.opened_at.isoformat(),
             shift.opening_float_fen))

    def close(self, shift_id: str, *, closed_at: datetime, closed_by: int, counted_cash_fen: int,
              expected_cash_fen: int, denominations: dict[str, int]) -> None:
        """Close a shift with its drawer count (inside the caller's transaction, with `shift.closed`)."""
        self._store.require_transaction("Shifts.close")
        self._store.execute(
            "UPDATE shifts SET status='closed', closed_at=?, closed_by=?, counted_cash_fen=?, "
            "expected_cash_fen=?, denominations=? WHERE id=?",
            (closed_at.isoformat(), closed_by, counted_cash_fen, expected_cash_fen, json.dumps(denominations),
             shift_id))

    def add_closed_copy_for(self, sale: SaleCompleted) -> None:
        """A closed shift header for a copy of another till's sale (its `shift_id` must exist here),
        so the copy never counts in this till's shift figures."""
        self._store.execute(
            "INSERT OR IGNORE INTO shifts(id, store_id, terminal_id, cashier_id, opened_at, opening_float_fen, "
            "status, closed_at) VALUES (?,?,?,?,?,0,'closed',?)",
            (sale.shift_id, sale.store_id, sale.terminal_id, sale.cashier_id or 0, sale.sold_at.isoformat(),
             sale.sold_at.isoformat()))

    def figures(self, shift: Shift) -> ShiftFigures:
        """The sums of what was committed in `shift`: sales, tenders, returns, refunds, points, and
        (from the audit log, between its opening and closing) cancelled sales and no-sale openings."""
        store = self._store
        out = ShiftFigures()
        row = store.one(
            "SELECT count(*), coalesce(sum(total_fen),0), coalesce(sum(discount_fen),0), "
            "coalesce(sum(rounding_fen),0) FROM sales WHERE shift_id=?", (shift.id,))
        assert row is not None
        out.sales_count, out.sales_total_fen, out.discount_fen, out.rounding_fen = (
            int(row[0]), int(row[1]), int(row[2]), int(row[3]))
        row = store.one("SELECT count(*), coalesce(sum(total_fen),0) FROM returns WHERE shift_id=?", (shift.id,))
        assert row is not None
        out.returns_count, out.returns_total_fen = int(row[0]), int(row[1])
        for tender, amount in store.all(
                "SELECT p.tender, sum(p.amount_fen) FROM payments p JOIN sales s ON s.id=p.sale_id "
                "WHERE s.shift_id=? GROUP BY p.tender ORDER BY p.tender", (shift.id,)):
            out.sales_by_tender[str(tender)] = int(amount)
        # points pay inside the lines' discounts (value = Σ line + order discounts − discount), not money
        row = store.one(
            "SELECT coalesce(sum(s.points_redeemed), 0), coalesce(sum((SELECT sum(l.line_discount_fen + "
            "l.order_discount_fen) FROM sale_lines l WHERE l.sale_id = s.id) - s.discount_fen), 0) "
            "FROM sales s WHERE s.shift_id=? AND s.points_redeemed > 0", (shift.id,))
        if row is not None:
            out.points_redeemed, out.points_redeemed_fen = int(row[0]), int(row[1])
        for tender, amount in store.all(
                "SELECT f.tender, sum(f.amount_fen) FROM refunds f JOIN returns r ON r.id=f.return_id "
                "WHERE r.shift_id=? GROUP BY f.tender ORDER BY f.tender", (shift.id,)):
            out.refunds_by_tender[str(tender)] = int(amount)
        end = shift.closed_at.isoformat() if shift.closed_at else "9999"
        row = store.one(
            "SELECT coalesce(sum(action='cancel_sale'), 0), coalesce(sum(action='no_sale'), 0), "
            "coalesce(sum(action='void_line'), 0) FROM audit_log "
            "WHERE at >= ? AND at <= ? AND action IN ('cancel_sale', 'no_sale', 'void_line')",
            (shift.opened_at.isoformat(), end))
        if row is not None:
            out.cancelled_count, out.no_sale_count, out.voided_lines = int(row[0]), int(row[1]), int(row[2])
        return out
