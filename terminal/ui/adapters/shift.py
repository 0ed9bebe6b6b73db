"""Shift area: open with a float, another cashier's open shift (交接班), X report, close with the
drawer counted."""

from __future__ import annotations

from terminal import shift as shifts
from terminal.session import Action, Session
from terminal.store import Store
from terminal.ui.adapters.approval import ManagerPin, approval_for
from terminal.ui.adapters.display import CustomerScreen
from terminal.ui.adapters.sync_status import SyncArea
from terminal.ui.format import local_time
from terminal.ui.views import OthersShiftView, ShiftReportView


def report_view(report: shifts.ShiftReport) -> ShiftReportView:
    return ShiftReportView(kind=report.kind, opening_float_fen=report.opening_float_fen,
                           expected_cash_fen=report.expected_cash_fen, sales_count=report.sales_count,
                           returns_count=report.returns_count, totals_by_tender=report.net_by_tender,
                           counted_cash_fen=report.counted_cash_fen)


class ShiftArea:
    def __init__(self, store: Store, session: Session, screen: CustomerScreen, sync: SyncArea) -> None:
        self._store = store
        self._session = session
        self._screen = screen
        self._sync = sync

    def current_shift_id(self) -> str | None:
        shift = shifts.current_shift(self._store)
        return shift.id if shift else None

    def open_shift(self, float_fen: int) -> str:
        return shifts.open_shift(self._store, self._session, float_fen).id

    def others_shift(self) -> OthersShiftView | None:
        """The open shift when another cashier opened it and did not close it (the app asks what to do)."""
        shift = shifts.others_shift(self._store, self._session)
        if shift is None:
            return None
        return OthersShiftView(shift_id=shift.id, cashier=self._session.user_name(shift.cashier_id),
                               opened_text=local_time(shift.opened_at))

    def take_over_shift(self, approval: ManagerPin | None = None) -> None:
        """Sell on in another cashier's open shift: a manager approves (or is the one signed in)."""
        shifts.take_over_shift(self._store, self._session,
                               approval_for(self._session, Action.TAKE_OVER_SHIFT, approval))

    def denominations(self) -> tuple[int, ...]:
        return shifts.DENOMINATIONS_FEN

    def x_report(self) -> shifts.ShiftReport:
        """Figures for a mid-shift X report (printed by the devices area on a worker thread)."""
        shift = shifts.require_open_shift(self._store)
        return shifts.shift_report(self._store, shift.id, "X")

    def shift_report(self) -> ShiftReportView:
        return report_view(self.x_report())

    def close_shift(self, counts: dict[int, int]) -> shifts.ShiftReport:
        """Close the shift with the drawer count; returns the Z report to print."""
        report = shifts.close_shift(self._store, self._session, {int(k): v for k, v in counts.items()})
        self._screen.welcome()
        self._sync.trigger()
        return report
