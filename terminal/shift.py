"""Shifts: open with a float, X report mid-shift, close with a count by denomination (Z report).

A sale always belongs to the shift it was rung up in; the shift's figures here are what this
terminal knows, and the same figures travel in `shift.closed` for central to compare.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sync.events import DrawerOpened, ShiftClosed, ShiftOpened, Tender, utcnow, uuid7
from terminal.errors import ShiftError
from terminal.session import Action, Approval, Session, audit
from terminal.store import Store
from terminal.store.backup import BackupError
from terminal.store.shifts import Shift

DENOMINATIONS_FEN: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1)
"""Notes and coins of the renminbi, in fen (100 yuan … 1 fen)."""


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
    voided_lines: int = 0
    """Lines removed from sales (删除商品) in the shift: loss prevention reads them on the X/Z report."""
    topups_count: int = 0
    topups_fen: int = 0
    """Stored value (储值) topped up in the shift: money taken, not sales."""
    topup_bonus_fen: int = 0
    voucher_sales_count: int = 0
    voucher_sales_fen: int = 0
    """Pre-sold vouchers (代金券销售) sold in the shift: money taken, not sales."""
    prepaid_by_tender: dict[str, int] = field(default_factory=dict)
    """How the top-ups and voucher sales were paid (their cash is in the drawer too)."""

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


def current_shift(store: Store) -> Shift | None:
    """The open shift of this terminal, if any."""
    return store.shifts.current()


def get_shift(store: Store, shift_id: str) -> Shift:
    shift = store.shifts.get(shift_id)
    if shift is None:
        raise ShiftError("班次不存在", f"no such shift {shift_id}", code="no_shift")
    return shift


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
        store_id = store.store_id()
        terminal_id = int(store.get_setting("terminal_id") or 0)
        store.shifts.add_open(Shift(id=shift_id, store_id=store_id, terminal_id=terminal_id, cashier_id=user.id,
                                    opened_at=now, opening_float_fen=opening_float_fen, status="open"))
        store.outbox.append(ShiftOpened(
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
    figures = store.shifts.figures(shift)
    report.sales_count, report.sales_total_fen = figures.sales_count, figures.sales_total_fen
    report.discount_fen, report.rounding_fen = figures.discount_fen, figures.rounding_fen
    report.returns_count, report.returns_total_fen = figures.returns_count, figures.returns_total_fen
    report.sales_by_tender, report.refunds_by_tender = figures.sales_by_tender, figures.refunds_by_tender
    report.points_redeemed, report.points_redeemed_fen = figures.points_redeemed, figures.points_redeemed_fen
    report.cancelled_count, report.no_sale_count = figures.cancelled_count, figures.no_sale_count
    report.voided_lines = figures.voided_lines
    prepaid = store.prepaid.shift_takings(shift.id)
    report.topups_count, report.topups_fen = prepaid["topups_count"], prepaid["topups_fen"]
    report.topup_bonus_fen = prepaid["bonus_fen"]
    report.voucher_sales_count, report.voucher_sales_fen = prepaid["voucher_sales_count"], prepaid["voucher_sales_fen"]
    report.prepaid_by_tender = prepaid["by_tender"]
    cash = Tender.CASH.value
    report.expected_cash_fen = (
        shift.opening_float_fen + report.sales_by_tender.get(cash, 0) - report.refunds_by_tender.get(cash, 0)
        + report.prepaid_by_tender.get(cash, 0)
    )
    return report


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
        store.shifts.close(shift.id, closed_at=now, closed_by=user.id, counted_cash_fen=counted,
                           expected_cash_fen=report.expected_cash_fen, denominations=clean)
        store.outbox.append(ShiftClosed(
            shift_id=shift.id, store_id=shift.store_id, terminal_id=shift.terminal_id,
            cashier_id=shift.cashier_id, closed_at=now, counted_cash_fen=counted, denominations=clean,
            expected_cash_fen=report.expected_cash_fen, sales_count=report.sales_count,
            returns_count=report.returns_count, totals_by_tender=report.net_by_tender,
        ), occurred_at=now)
    report.counted_cash_fen = counted
    report.denominations = clean
    report.closed_at = now
    _back_up_at_shift_close(store)
    return report


def _back_up_at_shift_close(store: Store) -> None:
    """A backup of the whole day's data as the drawer is counted (`terminal.store.backup`). The
    shift is closed either way: a failed backup is logged and the sales stay in the database."""
    try:
        store.backup_now("shift")
    except BackupError as exc:
        logging.getLogger(__name__).warning("backup at shift close failed: %s", exc)


def record_no_sale(store: Store, session: Session, reason: str, approval: Approval | None = None) -> None:
    """Record a drawer opened without a sale (needs a manager); the caller then pulses the drawer."""
    user = session.user
    approved_by = session.require(Action.NO_SALE, approval)
    reason = (reason or "").strip() or "开钱箱"
    with store.transaction():
        shift = current_shift(store)
        now = utcnow()
        audit(store, "no_sale", cashier_id=user.id, approved_by=approved_by, detail={"reason": reason})
        store.outbox.append(DrawerOpened(
            store_id=store.store_id(), terminal_id=int(store.get_setting("terminal_id") or 0),
            shift_id=shift.id if shift else None, cashier_id=user.id, approved_by=approved_by,
            opened_at=now, reason=reason[:200],
        ), occurred_at=now)
