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

from sync.events import Tender
from sync.master import Entity
from sync.money import parse_yuan
from terminal import shift as shifts
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.errors import ApprovalRequired, CartError, TerminalError
from terminal.members import Member, create_member, find_member
from terminal.session import Action, Approval, Session
from terminal.store import Store, open_store
from terminal.ui.format import local_time
from terminal.ui.views import (
    CartView,
    HeldView,
    LineView,
    MemberView,
    PaymentState,
    PaymentView,
    ProductHit,
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
        self.checkout = Checkout(self.store, self.session, self.catalog)

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

    # ------------------------------------------------------------------ cart

    def cart(self, current: int | None = None) -> CartView:
        co = self.checkout
        held = len(co.held_carts())
        if co.is_empty:
            return CartView(member=member_view(co.member), held_count=held)
        priced = co.priced
        names = {a.promotion_id: a.name for a in priced.applied}
        lines = tuple(
            LineView(line_no=ln.line_no, index=ln.cart_index, name=ln.name, sku=ln.sku,
                     unit=self._unit_name(ln.product_id, ln.unit_code), qty=str(ln.qty),
                     unit_price_fen=ln.unit_price_fen, list_amount_fen=ln.list_amount_fen,
                     discount_fen=ln.line_discount_fen, amount_fen=ln.list_amount_fen - ln.line_discount_fen,
                     promotions=tuple(names.get(pid, str(pid)) for pid in ln.promotion_ids), is_gift=ln.is_gift)
            for ln in priced.lines)
        count = sum((ln.qty for ln in priced.lines), Decimal(0))
        return CartView(lines=lines, subtotal_fen=priced.subtotal_fen, discount_fen=priced.discount_fen,
                        rounding_fen=priced.rounding_fen, total_fen=priced.total_fen,
                        points_earned=priced.points_earned, item_count=f"{count.normalize():f}",
                        member=member_view(co.member), held_count=held, current=current)

    def _unit_name(self, product_id: int, unit_code: str) -> str:
        try:
            unit = self.catalog.product(product_id).unit(unit_code)
        except Exception:  # a unit the catalog no longer has: show its code
            return unit_code
        return unit.name or unit_code

    def scan(self, code: str) -> CartView:
        return self.cart(self.checkout.scan(code))

    def search(self, text: str) -> list[ProductHit]:
        hits: list[ProductHit] = []
        for hit in self.catalog.search(text):
            product = self.catalog.product(hit.product_id)
            unit = product.base_unit
            hits.append(ProductHit(product_id=hit.product_id, sku=hit.sku, name=hit.name,
                                   unit=unit.code, unit_name=unit.name or unit.code, price_fen=unit.price_fen))
        return hits

    def add_product(self, product_id: int, unit_code: str) -> CartView:
        return self.cart(self.checkout.add_product(product_id, unit_code))

    def set_qty(self, index: int, text: str) -> CartView:
        self.checkout.set_qty(index, parse_qty(text))
        return self.cart()

    def set_price(self, index: int, text: str, approval: ManagerPin | None = None) -> CartView:
        self.checkout.override_price(index, parse_yuan(text), self._approval(Action.PRICE_OVERRIDE, approval))
        return self.cart()

    def line_discount(self, index: int, text: str, approval: ManagerPin | None = None) -> CartView:
        self.checkout.discount_line(index, amount_fen=parse_yuan(text),
                                    approval=self._approval(Action.DISCOUNT, approval))
        return self.cart()

    def order_discount(self, text: str, approval: ManagerPin | None = None) -> CartView:
        self.checkout.discount_order(amount_fen=parse_yuan(text), approval=self._approval(Action.DISCOUNT, approval))
        return self.cart()

    def void_line(self, index: int) -> CartView:
        self.checkout.void_line(index)
        return self.cart()

    def hold(self) -> CartView:
        self.checkout.hold()
        return self.cart()

    def held(self) -> list[HeldView]:
        return [HeldView(id=h.id, time_text=f"{local_time(h.held_at)}  {h.label}", line_count=h.line_count,
                         total_fen=0) for h in self.checkout.held_carts()]

    def resume(self, held_id: str) -> CartView:
        self.checkout.resume(held_id)
        return self.cart()

    def cancel_sale(self) -> CartView:
        self.checkout.cancel()
        return self.cart()

    # ------------------------------------------------------------------ members

    def find_member(self, text: str) -> MemberView | None:
        return member_view(find_member(self.store, self.catalog, text))

    def attach_member(self, member_id: str) -> CartView:
        self.checkout.set_member(member_id)
        return self.cart()

    def detach_member(self) -> CartView:
        self.checkout.clear_member()
        return self.cart()

    def create_member(self, phone: str, name: str, card_no: str) -> MemberView:
        member = create_member(self.store, self.catalog, self.session, phone=phone or None,
                               name=name or None, card_no=card_no or None)
        view = member_view(member)
        assert view is not None
        return view

    # ------------------------------------------------------------------ payment

    def payment_state(self) -> PaymentState:
        co = self.checkout
        payments = [PaymentView(tender=p.tender.value, amount_fen=p.amount_fen, reference=p.reference or "",
                                tendered_fen=p.tendered_fen) for p in co.payments]
        priced = co.priced if not co.is_empty else None
        if priced is not None and priced.points_redeemed:
            payments.insert(0, PaymentView(tender=Tender.POINTS.value, amount_fen=priced.points_value_fen,
                                           points=priced.points_redeemed))
        return PaymentState(due_fen=co.total_fen, paid_fen=co.paid_fen, remaining_fen=co.remaining_fen,
                            change_fen=co.change_fen, rounding_fen=priced.rounding_fen if priced else 0,
                            payments=tuple(payments), points_available=co.max_redeemable_points)

    def start_payment(self) -> PaymentState:
        if self.checkout.is_empty:
            raise CartError("购物车是空的", "the cart is empty", code="empty_cart")
        return self.payment_state()

    def add_payment(self, tender: str, amount_text: str, reference: str) -> PaymentState:
        amount = parse_yuan(amount_text) if amount_text.strip() else None
        if tender == Tender.CASH.value:
            self.checkout.add_payment(Tender.CASH, tendered_fen=amount)
        else:
            self.checkout.add_payment(tender, amount, reference=reference)
        return self.payment_state()

    def remove_payment(self, row: int) -> PaymentState:
        state = self.payment_state()
        shown = state.payments[row]
        if shown.tender == Tender.POINTS.value:
            self.checkout.redeem_points(0)
        else:
            offset = 1 if state.payments and state.payments[0].tender == Tender.POINTS.value else 0
            self.checkout.remove_payment(row - offset)
        return self.payment_state()

    def redeem_points(self, text: str) -> PaymentState:
        points = parse_qty(text)
        if points != points.to_integral_value() or points < 0:
            raise CartError("积分必须是非负整数", "points are a whole non-negative number", code="bad_points")
        self.checkout.redeem_points(int(points))
        return self.payment_state()

    def leave_payment(self) -> CartView:
        self.checkout.clear_payments()
        return self.cart()

    # ------------------------------------------------------------------ status

    def status(self) -> StatusView:
        pending = int(self.store.scalar("SELECT count(*) FROM outbox WHERE status <> 'acked'"))
        terminal = self.store.get_setting("terminal_code") or self.store.get_setting("terminal_id") or ""
        return StatusView(online=False, pending=pending, quarantined=0, terminal_label=str(terminal))

    def unprinted_receipt(self) -> str | None:
        return None

    def quarantined_events(self) -> list[Any]:
        return []
