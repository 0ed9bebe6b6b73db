"""The UI's one door to the terminal services: calls them and turns their results into `views`.

No business rules live here or in the screens: prices, discounts, permissions, totals, rounding
and refunds are all decided by `terminal.session`, `terminal.shift`, `terminal.checkout`,
`terminal.returns`, `terminal.members`, `terminal.printing` and `terminal.sync_client`. This
module only parses what a cashier typed into the types those services take (yuan text → integer
fen through `sync.money.parse_yuan`, quantities through `Decimal`), picks the manager approval
the service asked for, and builds the small snapshots the screens draw.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sync.master import Entity
from sync.money import parse_yuan
from terminal import shift as shifts
from terminal.catalog import Catalog
from terminal.errors import ApprovalRequired, CartError, TerminalError
from terminal.members import Member, create_member, find_member
from terminal.session import Action, Approval, Session
from terminal.store import Store, open_store
from terminal.ui.views import (
    MemberView,
    ShiftReportView,
    StatusView,
    UserView,
)

NeedsApproval = ApprovalRequired
"""What a service raises when a manager's PIN is needed; the app asks for it and calls again."""

ManagerPin = tuple[str, str]
"""(manager code, PIN) typed into the approval dialog."""


def parse_qty(text: str) -> Decimal:
    """A quantity as typed ("2", "0.355"); the checkout service decides whether it is allowed."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise CartError(f"数量无效：{text}", f"not a quantity: {text}", code="bad_qty") from None
    if not value.is_finite():
        raise CartError(f"数量无效：{text}", f"not a quantity: {text}", code="bad_qty")
    return value


def member_view(member: Member | None) -> MemberView | None:
    if member is None:
        return None
    return MemberView(id=member.id, card_no=member.card_no, name=member.name or "",
                      phone=member.masked_phone, level=member.level_name, points=member.points_balance)


class Backend:
    """Owns the open store and the services of one till; used only from the UI thread."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.store: Store = open_store(self.data_dir)
        self.session = Session(self.store)
        self.catalog = Catalog(self.store)

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ approvals

    def _approval(self, action: Action, pin: ManagerPin | None) -> Approval | None:
        if pin is None:
            return None
        return self.session.approve(action, pin[0], pin[1])

    # ------------------------------------------------------------------ sign-in

    def has_users(self) -> bool:
        if not self.store.table_exists("master"):
            return False
        return self.store.one("SELECT 1 FROM master WHERE entity=? LIMIT 1", (Entity.USER.value,)) is not None

    def current_user(self) -> UserView | None:
        user = getattr(self.session, "_user", None)
        if user is None:
            return None
        return UserView(id=user.id, code=user.code, name=user.name, role=user.role)

    def sign_in(self, code: str, pin: str) -> UserView:
        user = self.session.sign_in(code, pin)
        return UserView(id=user.id, code=user.code, name=user.name, role=user.role)

    def unlock(self, code: str, pin: str) -> UserView:
        user = self.session.unlock(code, pin)
        return UserView(id=user.id, code=user.code, name=user.name, role=user.role)

    def lock(self) -> None:
        self.session.lock()

    def sign_out(self) -> None:
        self.session.sign_out()

    # ------------------------------------------------------------------ shift

    def current_shift_id(self) -> str | None:
        shift = shifts.current_shift(self.store)
        return shift.id if shift else None

    def open_shift(self, float_text: str) -> str:
        return shifts.open_shift(self.store, self.session, parse_yuan(float_text)).id

    def _report_view(self, report: shifts.ShiftReport) -> ShiftReportView:
        return ShiftReportView(kind=report.kind, opening_float_fen=report.opening_float_fen,
                               expected_cash_fen=report.expected_cash_fen, sales_count=report.sales_count,
                               returns_count=report.returns_count, totals_by_tender=report.net_by_tender,
                               counted_cash_fen=report.counted_cash_fen)

    def shift_report(self) -> ShiftReportView:
        shift = shifts.require_open_shift(self.store)
        return self._report_view(shifts.shift_report(self.store, shift.id, "X"))

    def denominations(self) -> tuple[int, ...]:
        return shifts.DENOMINATIONS_FEN

    def print_x_report(self) -> ShiftReportView:
        shift = shifts.require_open_shift(self.store)
        report = shifts.shift_report(self.store, shift.id, "X")
        self._print_shift_report(report)
        return self._report_view(report)

    def close_shift(self, counts: dict[int, int]) -> ShiftReportView:
        report = shifts.close_shift(self.store, self.session, {int(k): v for k, v in counts.items()})
        self._print_shift_report(report)
        return self._report_view(report)

    def _print_shift_report(self, report: shifts.ShiftReport) -> None:
        raise TerminalError("打印服务尚未接入", "printing is not wired in this build", code="no_printing")

    # ------------------------------------------------------------------ members

    def find_member(self, text: str) -> MemberView | None:
        return member_view(find_member(self.store, self.catalog, text))

    def create_member(self, phone: str, name: str, card_no: str) -> MemberView:
        member = create_member(self.store, self.catalog, self.session, phone=phone or None,
                               name=name or None, card_no=card_no or None)
        view = member_view(member)
        assert view is not None
        return view

    # ------------------------------------------------------------------ status

    def status(self) -> StatusView:
        pending = int(self.store.scalar("SELECT count(*) FROM outbox WHERE status <> 'acked'"))
        terminal = self.store.get_setting("terminal_code") or self.store.get_setting("terminal_id") or ""
        return StatusView(online=False, pending=pending, quarantined=0, terminal_label=str(terminal))

    def unprinted_receipt(self) -> str | None:
        return None

    def quarantined_events(self) -> list[Any]:
        return []
