"""Shifts: open with a float, X report mid-shift, close with a count by denomination (Z report).

A sale always belongs to the shift it was rung up in; the shift's figures here are what this
terminal knows, and the same figures travel in `shift.closed` for central to compare.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from sync.events import DrawerOpened, ShiftClosed, ShiftOpened, Tender, utcnow, uuid7
from terminal.errors import ShiftError
from terminal.session import Action, Approval, Session, audit
from terminal.store import Store
from terminal.store.outbox import append_event

DENOMINATIONS_FEN: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1)
"""Notes and coins of the renminbi, in fen (100 yuan … 1 fen)."""


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
class ShiftReport:
    """X (mid-shift) or Z (close) report figures; printed through the drivers' shift layout."""

    kind: str
    """"X" or "Z"."""
    shift_id: str
    cashier_id: int
    opened_at: datetime
    printed_at: datetime
    opening_float_fen: int
    sales_count: int = 0
    sales_total_fen: int = 0
    returns_count: int = 0
    returns_total_fen: int = 0
    discount_fen: int = 0
    rounding_fen: int = 0
    sales_by_tender: dict[str, int] = field(default_factory=dict)
    refunds_by_tender: dict[str, int] = field(default_factory=dict)
    expected_cash_fen: int = 0
    counted_cash_fen: int | None = None
    denominations: dict[str, int] = field(default_factory=dict)
    closed_at: datetime | None = None
    points_redeemed: int = 0
    points_redeemed_fen: int = 0
    cancelled_count: int = 0
    no_sale_count: int = 0

    @property
    def net_fen(self) -> int:
        return self.sales_total_fen - self.returns_total_fen

    @property
    def net_by_tender(self) -> dict[str, int]:
        keys = set(self.sales_by_tender) | set(self.refunds_by_tender)
        return {k: self.sales_by_tender.get(k, 0) - self.refunds_by_tender.get(k, 0) for k in sorted(keys)}

    @property
    def difference_fen(self) -> int | None:
        """Counted minus expected cash (negative: the drawer is short)."""
        return None if self.counted_cash_fen is None else self.counted_cash_fen - self.expected_cash_fen


def _shift(r: sqlite3.Row) -> Shift:
    return Shift(
        id=r["id"], store_id=r["store_id"], terminal_id=r["terminal_id"],
        cashier_id=r["cashier_id"], opened_at=datetime.fromisoformat(r["opened_at"]),
        opening_float_fen=r["opening_float_fen"], status=r["status"],
        closed_at=datetime.fromisoformat(r["closed_at"]) if r["closed_at"] else None,
    )


def current_shift(store: Store) -> Shift | None:
    """The open shift of this terminal, if any."""
    row = store.one("SELECT * FROM shifts WHERE status='open' ORDER BY opened_at DESC LIMIT 1")
    return None if row is None else _shift(row)


def get_shift(store: Store, shift_id: str) -> Shift:
    row = store.one("SELECT * FROM shifts WHERE id=?", (shift_id,))
    if row is None:
        raise ShiftError("班次不存在", f"no such shift {shift_id}", code="no_shift")
    return _shift(row)


def require_open_shift(store: Store) -> Shift:
    shift = current_shift(store)
    if shift is None:
        raise ShiftError("请先开班", "open a shift first", code="no_open_shift")
    return shift


def others_shift(store: Store, session: Session) -> Shift | None:
    """The open shift when another cashier opened it and the signed-in one has not taken it over.

    Chinese shops hand over between cashiers (交接班): the one leaving counts the drawer and closes
    the shift, the next opens their own. When that was skipped, the next cashier either closes the
    shift (counting the drawer) or, with a manager's approval, sells on in it (`take_over_shift`)."""
    shift = current_shift(store)
    return shift if shift is not None and _not_theirs(shift, session) else None


def _not_theirs(shift: Shift, session: Session) -> bool:
    return shift.cashier_id != session.user.id and session.taken_over_shift != shift.id


def require_own_shift(store: Store, session: Session) -> Shift:
    """The open shift the signed-in cashier may sell and refund in (see `others_shift`)."""
    shift = require_open_shift(store)
    if _not_theirs(shift, session):
        raise ShiftError("这个班次是其他收银员开的，还没有交班：请先交班，或请店长授权接班",
                         "another cashier opened this shift and has not closed it: close it first, "
                         "or have a manager approve taking it over", code="others_shift")
    return shift


def take_over_shift(store: Store, session: Session, approval: Approval | None = None) -> Shift:
    """Sell on in another cashier's open shift: a manager approves (or is the one signed in);
    recorded in the audit log. Until the cashier signs out."""
    shift = require_open_shift(store)
    if shift.cashier_id == session.user.id:
        return shift
    approved_by = session.require(Action.TAKE_OVER_SHIFT, approval)
    audit(store, "shift_take_over", cashier_id=session.user.id, approved_by=approved_by,
          detail={"shift_id": shift.id, "opened_by": shift.cashier_id})
    session.taken_over_shift = shift.id
    return shift


def open_shift(store: Store, session: Session, opening_float_fen: int) -> Shift:
    """Open a shift for the signed-in cashier with the cash float put in the drawer."""
    user = session.user
    if not isinstance(opening_float_fen, int) or isinstance(opening_float_fen, bool) or opening_float_fen < 0:
        raise ShiftError("备用金必须是非负金额", "the opening float must be a non-negative amount in fen",
                         code="bad_float")
    with store.transaction():
        if current_shift(store) is not None:
            raise ShiftError("已有未结班次，请先结班", "a shift is already open; close it first",
                             code="shift_open")
        shift_id = uuid7()
        now = utcnow()
        store_id = int(store.get_setting("store_id") or 0)
        terminal_id = int(store.get_setting("terminal_id") or 0)
        store.execute(
            "INSERT INTO shifts(id, store_id, terminal_id, cashier_id, opened_at, opening_float_fen, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'open')",
            (shift_id, store_id, terminal_id, user.id, now.isoformat(), opening_float_fen),
        )
        append_event(store, ShiftOpened(
            shift_id=shift_id, store_id=store_id, terminal_id=terminal_id, cashier_id=user.id,
            opened_at=now, opening_float_fen=opening_float_fen,
        ), occurred_at=now)
    return get_shift(store, shift_id)


def shift_report(store: Store, shift_id: str, kind: str = "X") -> ShiftReport:
    """The figures of a shift from the sales and returns this terminal committed in it."""
    shift = get_shift(store, shift_id)
    report = ShiftReport(
        kind=kind, shift_id=shift.id, cashier_id=shift.cashier_id, opened_at=shift.opened_at,
        printed_at=utcnow(), opening_float_fen=shift.opening_float_fen, closed_at=shift.closed_at,
    )
    row = store.one(
        "SELECT count(*), coalesce(sum(total_fen),0), coalesce(sum(discount_fen),0), "
        "coalesce(sum(rounding_fen),0) FROM sales WHERE shift_id=?", (shift_id,),
    )
    assert row is not None
    report.sales_count, report.sales_total_fen, report.discount_fen, report.rounding_fen = (
        int(row[0]), int(row[1]), int(row[2]), int(row[3]))
    row = store.one("SELECT count(*), coalesce(sum(total_fen),0) FROM returns WHERE shift_id=?", (shift_id,))
    assert row is not None
    report.returns_count, report.returns_total_fen = int(row[0]), int(row[1])
    for tender, amount in store.all(
        "SELECT p.tender, sum(p.amount_fen) FROM payments p JOIN sales s ON s.id=p.sale_id "
        "WHERE s.shift_id=? GROUP BY p.tender ORDER BY p.tender", (shift_id,),
    ):
        report.sales_by_tender[str(tender)] = int(amount)
    # points pay inside the lines' discounts (value = Σ line + order discounts − discount), not money
    row = store.one(
        "SELECT coalesce(sum(s.points_redeemed), 0), coalesce(sum((SELECT sum(l.line_discount_fen + "
        "l.order_discount_fen) FROM sale_lines l WHERE l.sale_id = s.id) - s.discount_fen), 0) "
        "FROM sales s WHERE s.shift_id=? AND s.points_redeemed > 0", (shift_id,))
    if row is not None:
        report.points_redeemed, report.points_redeemed_fen = int(row[0]), int(row[1])
    report.cancelled_count, report.no_sale_count = _audit_counts(store, shift)
    for tender, amount in store.all(
        "SELECT f.tender, sum(f.amount_fen) FROM refunds f JOIN returns r ON r.id=f.return_id "
        "WHERE r.shift_id=? GROUP BY f.tender ORDER BY f.tender", (shift_id,),
    ):
        report.refunds_by_tender[str(tender)] = int(amount)
    cash = Tender.CASH.value
    report.expected_cash_fen = (
        shift.opening_float_fen + report.sales_by_tender.get(cash, 0) - report.refunds_by_tender.get(cash, 0)
    )
    return report


def _audit_counts(store: Store, shift: Shift) -> tuple[int, int]:
    """Cancelled sales and no-sale drawer openings during the shift (from the audit log)."""
    end = shift.closed_at.isoformat() if shift.closed_at else "9999"
    row = store.one(
        "SELECT coalesce(sum(action='cancel_sale'), 0), coalesce(sum(action='no_sale'), 0) FROM audit_log "
        "WHERE at >= ? AND at <= ? AND action IN ('cancel_sale', 'no_sale')", (shift.opened_at.isoformat(), end))
    return (int(row[0]), int(row[1])) if row else (0, 0)


def count_denominations(denominations: dict[int | str, int]) -> tuple[int, dict[str, int]]:
    """Total of a cash count by denomination (fen value → pieces); rejects unknown notes/coins."""
    total = 0
    clean: dict[str, int] = {}
    for value, pieces in denominations.items():
        try:
            fen = int(value)
        except (TypeError, ValueError):
            fen = -1
        if fen not in DENOMINATIONS_FEN:
            raise ShiftError(f"无效面额：{value}", f"unknown denomination: {value}", code="bad_denomination")
        if not isinstance(pieces, int) or isinstance(pieces, bool) or pieces < 0:
            raise ShiftError("张数必须是非负整数", "counts must be whole non-negative numbers", code="bad_count")
        if pieces:
            clean[str(fen)] = clean.get(str(fen), 0) + pieces
            total += fen * pieces
    return total, clean


def close_shift(store: Store, session: Session, denominations: dict[int | str, int]) -> ShiftReport:
    """Close the open shift with the drawer counted by denomination; returns the Z report."""
    user = session.user
    counted, clean = count_denominations(denominations)
    with store.transaction():
        shift = require_open_shift(store)
        report = shift_report(store, shift.id, "Z")
        now = utcnow()
        store.execute(
            "UPDATE shifts SET status='closed', closed_at=?, closed_by=?, counted_cash_fen=?, "
            "expected_cash_fen=?, denominations=? WHERE id=?",
            (now.isoformat(), user.id, counted, report.expected_cash_fen,
             json.dumps(clean), shift.id),
        )
        append_event(store, ShiftClosed(
            shift_id=shift.id, store_id=shift.store_id, terminal_id=shift.terminal_id,
            cashier_id=shift.cashier_id, closed_at=now, counted_cash_fen=counted, denominations=clean,
            expected_cash_fen=report.expected_cash_fen, sales_count=report.sales_count,
            returns_count=report.returns_count, totals_by_tender=report.net_by_tender,
        ), occurred_at=now)
    report.counted_cash_fen = counted
    report.denominations = clean
    report.closed_at = now
    return report


def record_no_sale(store: Store, session: Session, reason: str, approval: Approval | None = None) -> None:
    """Record a drawer opened without a sale (needs a manager); the caller then pulses the drawer."""
    user = session.user
    approved_by = session.require(Action.NO_SALE, approval)
    reason = (reason or "").strip() or "开钱箱"
    with store.transaction():
        shift = current_shift(store)
        now = utcnow()
        audit(store, "no_sale", cashier_id=user.id, approved_by=approved_by, detail={"reason": reason})
        append_event(store, DrawerOpened(
            store_id=int(store.get_setting("store_id") or 0), terminal_id=int(store.get_setting("terminal_id") or 0),
            shift_id=shift.id if shift else None, cashier_id=user.id, approved_by=approved_by,
            opened_at=now, reason=reason[:200],
        ), occurred_at=now)
