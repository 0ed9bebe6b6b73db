"""The UI's one door to the terminal services: calls them and turns their results into `views`.

No business rules live here or in the screens: prices, discounts, permissions, totals, rounding
and refunds are all decided by `terminal.session`, `terminal.shift`, `terminal.checkout`,
`terminal.returns`, `terminal.members`, `terminal.printing` and `terminal.sync_client`. This
module only parses what a cashier typed into the types those services take (yuan text → integer
fen through `sync.money.parse_yuan`, quantities through `Decimal`), picks the manager approval
the service asked for, and builds the small snapshots the screens draw.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sync.events import Tender
from sync.master import Entity
from sync.money import parse_yuan
from terminal import returns as returns_service
from terminal import shift as shifts
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.customer_display import DISPLAY_ENV, DISPLAY_SETTING, CustomerDisplay, display_from_settings
from terminal.errors import ApprovalRequired, CartError, TerminalError
from terminal.members import Member, create_member, find_member
from terminal.receipt_numbers import own_receipt_no
from terminal.returns import RefundPreview
from terminal.session import Action, Approval, Session, audit
from terminal.store import Store, open_store
from terminal.store.sync_state import LAST_ERROR, LAST_ERROR_EN, LAST_SUCCESS_AT
from terminal.ui.format import local_time
from terminal.ui.views import (
    CartView,
    HeldView,
    LineView,
    MemberView,
    OthersShiftView,
    PaymentState,
    PaymentView,
    PrintOutcome,
    ProductHit,
    QuarantinedView,
    ReturnableLine,
    ReturnableSale,
    ReturnDone,
    SaleDone,
    ShiftReportView,
    StatusView,
    UserView,
)

NeedsApproval = ApprovalRequired
"""What a service raises when a manager's PIN is needed; the app asks for it and calls again."""

ManagerPin = tuple[str, str]
"""(manager code, PIN) typed into the approval dialog."""

SYNC_NOW_TIMEOUT_S = 90.0

SCALE_ENV = "POS_SCALE_PORT"
SCALE_SETTING = "scale_port"
SCALE_TIMEOUT_S = 3.0

PRINTER_ENV = "POS_PRINTER_URL"
PRINTER_SETTING = "printer_url"
"""Where the receipt printer is configured: $POS_PRINTER_URL, else the terminal setting `printer_url`
(a `drivers.printer_url` URL such as tcp://192.168.1.50:9100 or usb://0x0416:0x5011)."""


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

    def __init__(self, data_dir: str | Path, *, display_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store: Store = open_store(self.data_dir)
        self.session = Session(self.store)
        self.catalog = Catalog(self.store)
        self.checkout = Checkout(self.store, self.session, self.catalog)
        self.sync_loop: Any = None
        self._rounds = 0
        self._rounds_done = threading.Condition()
        self.display: CustomerDisplay | None = None
        self._start_display(display_url)

    def close(self) -> None:
        if self.sync_loop is not None:
            self.sync_loop.stop(timeout=5)
        if self.display is not None:
            self.display.close()
        self.store.close()

    # ------------------------------------------------------------------ customer display

    def display_url(self) -> str | None:
        return os.environ.get(DISPLAY_ENV) or self.store.get_setting(DISPLAY_SETTING) or None

    def _display_language(self) -> tuple[Any, str]:
        """The customer's side speaks the store's receipt language (head office's setting)."""
        settings = self.catalog.store_settings()
        lang = "en" if (settings.receipt_language or "").lower().startswith("en") else "zh"
        return lang, settings.name

    def _start_display(self, url: str | None) -> None:
        url = url or self.display_url()
        if not url:
            return
        lang, store_name = self._display_language()
        self.display = display_from_settings(url, lang=lang, store_name=store_name)
        if self.display is not None:
            self.display.welcome()

    def _show_cart(self, cart: CartView) -> None:
        """Customer display after a cart change: the item just scanned (or the last line) and the total."""
        if self.display is None:
            return
        if not cart.lines:
            self.display.set_language(*self._display_language())  # master data may have changed
            self.display.welcome()
            return
        line = next((ln for ln in cart.lines if cart.current is not None and ln.index == cart.current),
                    cart.lines[-1])
        self.display.item(line.name, line.qty, line.amount_fen, cart.total_fen)

    def _show_payment(self, state: PaymentState) -> None:
        if self.display is not None:
            # what the customer handed over: the amounts taken plus the change given back
            self.display.payment(state.due_fen, state.paid_fen + state.change_fen, state.remaining_fen,
                                 state.change_fen)

    def display_welcome(self) -> None:
        """Idle (signed out, locked, shift screens): the welcome line."""
        if self.display is not None:
            self.display.welcome()

    # ------------------------------------------------------------------ approvals

    def _approval(self, action: Action, pin: ManagerPin | None) -> Approval | None:
        if pin is None:
            return None
        return self.session.approve(action, pin[0], pin[1])

    # ------------------------------------------------------------------ sign-in

    def has_users(self) -> bool:
        return self.store.master.has_any(Entity.USER.value)

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
        self.display_welcome()

    # ------------------------------------------------------------------ shift

    def current_shift_id(self) -> str | None:
        shift = shifts.current_shift(self.store)
        return shift.id if shift else None

    def open_shift(self, float_text: str) -> str:
        return shifts.open_shift(self.store, self.session, parse_yuan(float_text)).id

    def others_shift(self) -> OthersShiftView | None:
        """The open shift when another cashier opened it and did not close it (the app asks what to do)."""
        shift = shifts.others_shift(self.store, self.session)
        if shift is None:
            return None
        user = self.store.master.user(shift.cashier_id)
        name = (user.name or str(shift.cashier_id)) if user is not None else str(shift.cashier_id)
        return OthersShiftView(shift_id=shift.id, cashier=name, opened_text=local_time(shift.opened_at))

    def take_over_shift(self, approval: ManagerPin | None = None) -> None:
        """Sell on in another cashier's open shift: a manager approves (or is the one signed in)."""
        shifts.take_over_shift(self.store, self.session, self._approval(Action.TAKE_OVER_SHIFT, approval))

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

    def x_report(self) -> shifts.ShiftReport:
        """Figures for a mid-shift X report (printed by `print_report` on a worker thread)."""
        shift = shifts.require_open_shift(self.store)
        return shifts.shift_report(self.store, shift.id, "X")

    def close_shift(self, counts: dict[int, int]) -> shifts.ShiftReport:
        """Close the shift with the drawer count; returns the Z report to print."""
        report = shifts.close_shift(self.store, self.session, {int(k): v for k, v in counts.items()})
        self.display_welcome()
        if self.sync_loop is not None:
            self.sync_loop.trigger()
        return report

    # ------------------------------------------------------------------ cart

    def cart(self, current: int | None = None) -> CartView:
        view = self._cart(current)
        self._show_cart(view)
        return view

    def _cart(self, current: int | None = None) -> CartView:
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
        # pieces count one by one, a weighed line counts once (0.512 kg is one item)
        count = sum((ln.qty if ln.qty == ln.qty.to_integral_value() else Decimal(1) for ln in priced.lines),
                    Decimal(0))
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
        return [self.product_hit(hit.product_id) for hit in self.catalog.search(text)]

    def product_hit(self, product_id: int) -> ProductHit:
        """A product's name and its base unit's price (e.g. what a weighed item costs a kilo)."""
        product = self.catalog.product(product_id)
        unit = product.base_unit
        return ProductHit(product_id=product.id, sku=product.sku, name=product.name, unit=unit.code,
                          unit_name=unit.name or unit.code, price_fen=unit.price_fen)

    def add_product(self, product_id: int, unit_code: str) -> CartView:
        return self.cart(self.checkout.add_product(product_id, unit_code))

    def weighed_product(self, code: str) -> int:
        """The product a code names (for a weighed item scanned without a scale label)."""
        return self.catalog.lookup(code).product.id

    def add_weighed(self, product_id: int, kg_text: str) -> CartView:
        return self.cart(self.checkout.add_weighed(product_id, parse_qty(kg_text)))

    def scale_port(self) -> str | None:
        return os.environ.get(SCALE_ENV) or self.store.get_setting(SCALE_SETTING) or None

    def read_scale(self) -> str:
        """A stable weight from the serial scale (worker thread; seconds at most), as kg text."""
        port = self.scale_port()
        if not port:
            raise TerminalError("未配置电子秤", "no scale configured", code="no_scale")
        from drivers.scale import SerialScale

        scale = SerialScale(port)
        try:
            return f"{scale.read_weight(timeout=SCALE_TIMEOUT_S):f}"
        finally:
            scale.close()

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
        return [HeldView(id=h.id, time_text=local_time(h.held_at), label=h.label, line_count=h.line_count,
                         total_fen=h.total_fen)
                for h in self.checkout.held_carts()]

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
        state = self._payment_state()
        self._show_payment(state)
        return state

    def _payment_state(self) -> PaymentState:
        co = self.checkout
        payments = [PaymentView(tender=p.tender.value, amount_fen=p.amount_fen, reference=p.reference or "",
                                tendered_fen=p.tendered_fen) for p in co.payments]
        priced = co.priced if not co.is_empty else None
        if priced is not None and priced.points_redeemed:
            payments.insert(0, PaymentView(tender=Tender.POINTS.value, amount_fen=priced.points_value_fen,
                                           points=priced.points_redeemed))
        return PaymentState(due_fen=co.total_fen, paid_fen=co.paid_fen, remaining_fen=co.remaining_fen,
                            change_fen=co.change_fen, rounding_fen=priced.rounding_fen if priced else 0,
                            payments=tuple(payments), points_available=co.max_redeemable_points,
                            quick_cash_fen=tuple(co.quick_cash_amounts()))

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
        state = self._payment_state()
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

    def complete_sale(self) -> SaleDone:
        """Commit the sale (one transaction, outbox included), then print; then open the drawer for cash.

        The commit happens first: a printer fault only means the receipt must be reprinted.
        """
        paid = self._payment_state()
        done = self.checkout.complete()
        if self.display is not None:  # paid and change stay up until the next customer's first item
            self.display.payment(paid.due_fen, paid.paid_fen + paid.change_fen, 0, done.change_fen)
        if self.sync_loop is not None:
            self.sync_loop.trigger()
        return SaleDone(sale_id=done.sale_id, receipt_no=done.receipt_no, total_fen=done.payload.total_fen,
                        change_fen=done.change_fen, cash=done.cash_fen > 0)

    # ------------------------------------------------------------------ returns

    def find_sale(self, text: str) -> ReturnableSale:
        found = returns_service.find_sale(self.store, text)
        sale = found.sale
        lines = tuple(
            ReturnableLine(line_no=ln.line_no, name=ln.name + ("（赠品）" if ln.is_gift else ""),
                           unit=self._unit_name(ln.product_id, ln.unit_code), qty_sold=f"{ln.qty_sold:f}",
                           qty_returnable=f"{ln.qty_left:f}", amount_fen=ln.amount_fen - ln.refunded_fen)
            for ln in found.lines)
        return ReturnableSale(sale_id=sale.sale_id, receipt_no=sale.receipt_no, sold_at_text=local_time(sale.sold_at),
                              total_fen=sale.total_fen, tenders=tuple(p.tender.value for p in sale.payments),
                              lines=lines)

    def preview_return(self, receipt_no: str, quantities: dict[int, str], refund_to: str) -> RefundPreview:
        """The refund the chosen lines would give (money per tender, points), nothing written."""
        lines = {line_no: parse_qty(text) for line_no, text in quantities.items()}
        return returns_service.preview_return(self.store, receipt_no, lines, refund_to=refund_to)

    def make_return(self, receipt_no: str, quantities: dict[int, str], refund_to: str, reason: str,
                    approval: ManagerPin | None = None) -> ReturnDone:
        lines = {line_no: parse_qty(text) for line_no, text in quantities.items()}
        done = returns_service.return_sale(self.store, self.session, receipt_no, lines, refund_to=refund_to,
                                           reason=reason or None,
                                           approval=self._approval(Action.REFUND, approval))
        return ReturnDone(return_id=done.return_id, receipt_no=done.receipt_no, total_fen=done.payload.total_fen,
                          cash=done.cash_fen > 0,
                          refunds=tuple((r.tender.value, r.amount_fen) for r in done.payload.refunds))

    # ------------------------------------------------------------------ printing (worker threads)
    #
    # A printer may take seconds to answer (or time out), so printing runs on a worker thread. The
    # store is not shared between threads: each job opens its own connection to the same file.

    def scanner_port(self) -> str | None:
        from terminal.ui.scanner import SCANNER_ENV, SCANNER_SETTING

        return os.environ.get(SCANNER_ENV) or self.store.get_setting(SCANNER_SETTING) or None

    def printer_url(self) -> str | None:
        return os.environ.get(PRINTER_ENV) or self.store.get_setting(PRINTER_SETTING) or None

    def _printer(self) -> Any:
        url = self.printer_url()
        if not url:
            raise TerminalError("未配置小票打印机（设置 printer_url）",
                                "no receipt printer configured (setting printer_url)", code="no_printer")
        from drivers.printer import open_printer

        return open_printer(url)

    @contextmanager
    def _worker_store(self) -> Iterator[Store]:
        store = open_store(self.data_dir, migrate_schema=False)
        try:
            yield store
        finally:
            store.close()

    def print_sale(self, sale_id: str) -> PrintOutcome:
        """Print (or reprint, marked) a committed sale; the drawer opens on its first print with cash."""
        from terminal import printing  # drivers + python-escpos: loaded when first needed

        try:
            printer = self._printer()
        except TerminalError as exc:
            return PrintOutcome(ok=False, error=exc.message_en if _english() else exc.message)
        from drivers.printer import PrinterCashDrawer

        with self._worker_store() as store:
            first = store.sales.print_count(sale_id) == 0
            cash = store.sales.took_cash(sale_id)
            result = printing.print_sale(store, printer, sale_id, catalog=Catalog(store),
                                         drawer=PrinterCashDrawer(printer))
        return PrintOutcome(ok=result.ok, error=result.error or "", drawer_opened=result.ok and first and cash,
                            reprint=result.reprint)

    def reprint(self, receipt_no: str | None) -> str:
        """The sale id of `receipt_no` (None: the last sale), checked on the UI thread before printing."""
        from terminal import printing  # drivers + python-escpos: loaded when first needed

        if receipt_no:  # the number as on the receipt, or its digits alone (this till's: own_receipt_no)
            sale_id = self.store.sales.id_by_receipt(own_receipt_no(self.store, receipt_no))
        else:
            sale_id = printing.last_sale_id(self.store)
        if sale_id is None:
            raise TerminalError(f"没有小票 {receipt_no or ''}".strip(), f"no receipt {receipt_no or ''}".strip(),
                                code="no_receipt")
        return str(sale_id)

    def receipt_no_of(self, sale_id: str) -> str:
        return self.store.sales.receipt_no(sale_id) or ""

    def print_return(self, return_id: str) -> PrintOutcome:
        from terminal import printing  # drivers + python-escpos: loaded when first needed

        try:
            printer = self._printer()
        except TerminalError as exc:
            return PrintOutcome(ok=False, error=exc.message_en if _english() else exc.message)
        with self._worker_store() as store:
            cash = store.returns.refunded_cash(return_id)
            result = printing.print_return(store, printer, return_id, catalog=Catalog(store))
        return PrintOutcome(ok=result.ok, error=result.error or "", drawer_opened=result.ok and cash)

    def print_report(self, report: shifts.ShiftReport) -> PrintOutcome:
        from terminal import printing  # drivers + python-escpos: loaded when first needed

        try:
            printer = self._printer()
        except TerminalError as exc:
            return PrintOutcome(ok=False, error=exc.message_en if _english() else exc.message)
        with self._worker_store() as store:
            result = printing.print_shift_report(store, printer, report, catalog=Catalog(store))
        return PrintOutcome(ok=result.ok, error=result.error or "")

    def pulse_drawer(self) -> PrintOutcome:
        from drivers.errors import DeviceError

        try:
            printer = self._printer()
            printer.open_drawer()
        except TerminalError as exc:
            return PrintOutcome(ok=False, error=exc.message_en if _english() else exc.message)
        except DeviceError as exc:
            return PrintOutcome(ok=False, error=(exc.message_en if _english() else exc.message) or str(exc))
        return PrintOutcome(ok=True, drawer_opened=True)

    def no_sale(self, approval: ManagerPin | None = None) -> None:
        """Record a drawer opening without a sale (needs a manager); the app then pulses the drawer."""
        shifts.record_no_sale(self.store, self.session, "开钱箱", self._approval(Action.NO_SALE, approval))

    # ------------------------------------------------------------------ status and sync

    def start_background_sync(self, on_change: Callable[[], None]) -> bool:
        """Start the sync loop when this terminal is enrolled; `on_change` runs on the sync thread."""
        if self.store.get_setting("credential") is None or self.sync_loop is not None:
            return False
        from terminal.sync_client.loop import SyncLoop

        def changed(status: Any) -> None:
            with self._rounds_done:
                if not status.syncing:
                    self._rounds += 1
                self._rounds_done.notify_all()
            on_change()

        self.sync_loop = SyncLoop(self.data_dir, on_change=changed).start()
        return True

    def status(self) -> StatusView:
        """Figures for the status bar: cheap reads of the outbox and the sync bookkeeping."""
        english = _english()
        loop = self.sync_loop.status if self.sync_loop is not None else None
        quarantined = self.store.outbox.quarantined_count()
        error = ""
        if loop is not None and loop.last_error:
            error = (loop.last_error_en if english else loop.last_error) or ""
        else:
            error = self.store.sync_state.get(LAST_ERROR_EN if english else LAST_ERROR) or ""
        last = loop.last_success if loop is not None and loop.last_success else None
        if last is None:
            last = _parse_time(self.store.sync_state.get(LAST_SUCCESS_AT))
        terminal = self.store.get_setting("terminal_code") or self.store.get_setting("terminal_id") or ""
        return StatusView(online=bool(loop.online) if loop is not None else False,
                          pending=self.store.outbox.pending_count(), quarantined=quarantined,
                          last_sync_text=local_time(last) if last else "", error=error,
                          terminal_label=str(terminal))

    def sync_now(self) -> None:
        """One sync round now (runs on a worker thread, with its own database connection)."""
        if self.store.get_setting("credential") is None:
            raise TerminalError("终端尚未注册，请先运行 pos-terminal enroll",
                                "this terminal is not enrolled: run pos-terminal enroll first", code="not_enrolled")
        from terminal.sync_client.loop import SyncLoop

        if self.sync_loop is not None:
            # ask the background loop for a round (never two rounds at once) and wait for one that
            # started after the tap to finish
            with self._rounds_done:
                target = self._rounds + (2 if self.sync_loop.status.syncing else 1)
                self.sync_loop.trigger()
                self._rounds_done.wait_for(lambda: self._rounds >= target, timeout=SYNC_NOW_TIMEOUT_S)
            status = self.sync_loop.status
        else:
            store = open_store(self.data_dir)
            try:
                status = SyncLoop(self.data_dir).run_once(store)
            finally:
                store.close()
        if not status.online:
            raise TerminalError(status.last_error or "同步失败", status.last_error_en or "sync failed",
                                code="sync_failed")

    def quarantined_events(self, approval: ManagerPin | None = None) -> list[QuarantinedView]:
        """The events central refused; a manager's PIN opens the list (audited)."""
        approved_by = self.session.authorise(Action.VIEW_QUARANTINE,
                                             self._approval(Action.VIEW_QUARANTINE, approval))
        audit(self.store, "view_quarantine", cashier_id=self.session.user.id if self.session.signed_in else None,
              approved_by=approved_by)
        english = _english()
        return [QuarantinedView(event_id=str(r["event_id"]), type=f"#{r['seq']} {r['type']} ({r['kind']})",
                                reason=str((r["message_en"] if english else r["message"]) or r["code"] or ""))
                for r in self.store.outbox.quarantined()]

    def unprinted_receipt(self) -> str | None:
        """The latest sale whose receipt never printed (e.g. the app was killed after the pay button)."""
        from terminal import printing  # drivers + python-escpos: loaded when first needed

        if not self.printer_url():
            return None
        pending = printing.unprinted_sales(self.store)
        return pending[-1][1] if pending else None


def _english() -> bool:
    from terminal.ui.i18n import get_language

    return get_language() == "en"


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
