"""Payment: tenders (cash with quick amounts and change, card / WeChat / Alipay with a reference),
split payments, points, then the done screen with change and the receipt's print status."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from terminal.ui import format as fmt
from terminal.ui import i18n
from terminal.ui.views import PaymentState, PrintOutcome, SaleDone

TENDERS: tuple[str, ...] = ("cash", "bank_card", "wechat", "alipay", "code", "store_credit", "voucher")
REFERENCE_TENDERS = frozenset({"bank_card", "wechat", "alipay", "code", "voucher"})
"""Tenders whose reference field is used: a card slip, a payment code, a voucher code."""
QUICK_BUTTONS = 4
SUB_GREY = (0.35, 0.38, 0.42, 1)


class PaymentScreen(Screen):  # type: ignore[misc]
    state = ObjectProperty(None, allownone=True, rebind=True)
    tender = StringProperty("cash")
    quick = ListProperty([])
    charging = BooleanProperty(False)
    """A 付款码 charge is out at the provider: nothing else may change the sale until it is known."""
    progress = StringProperty("")

    def on_enter(self, *_args: Any) -> None:
        app = App.get_running_app()
        self.tender = "cash"
        app.call(app.till.payment.payment_state, on_ok=self.show)
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def refocus(self) -> None:
        app = App.get_running_app()
        if app.popup_open or app.manager.current != self.name:
            return
        field = self.ids.reference if self.tender in REFERENCE_TENDERS else self.ids.amount
        field.focus = True

    def show(self, state: PaymentState) -> None:
        self.state = state
        self.ids.amount.text = ""  # blank = exactly what is still due (shown as the hint)
        self.ids.amount.hint_text = fmt.money(state.remaining_fen) if state.remaining_fen > 0 else ""
        self.ids.reference.text = ""
        self.quick = list(state.quick_cash_fen[:QUICK_BUTTONS])
        box = self.ids.payments
        box.clear_widgets()
        for index, payment in enumerate(state.payments):
            ref = payment.reference or (f"{payment.points}" if payment.points else "")
            ref = ref if len(ref) <= 8 else "…" + ref[-6:]
            given = ""
            if payment.tendered_fen and payment.tendered_fen != payment.amount_fen:
                # what the customer handed over, said as such, on its own line (it was a bare second
                # amount beside the first: "现金  ¥250.00  ¥200.50")
                given = i18n.tr("tendered", amount=fmt.money(payment.tendered_fen))
            box.add_widget(Factory.RowButton(
                key=index, text_left=i18n.tr(f"tender_{payment.tender}"), text_mid=ref, hints=[0.34, 0.33, 0.33],
                text_sub=given, sub_color=SUB_GREY, text_right=fmt.money(payment.amount_fen),
                on_release=self._remove_payment,
            ))
        # the field the reference or amount is typed into keeps the keyboard after each payment (a
        # scanner or keyboard typed into nothing once a payment was added)
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def scanned(self, code: str) -> None:
        """A customer's payment code scanned: it is the reference of the card / WeChat / Alipay tender."""
        if self.tender not in REFERENCE_TENDERS:
            App.get_running_app().notify(i18n.tr("need_reference"))
            return
        self.ids.reference.text = code
        self.add()

    def reference_hint(self, tender: str, *_deps: Any) -> str:
        """What the reference field asks for with this tender."""
        return i18n.tr({"code": "code_hint", "voucher": "voucher_hint"}.get(tender, "reference"))

    def choose(self, tender: str) -> None:
        self.tender = tender
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def add(self) -> None:
        app = App.get_running_app()
        if self.charging:
            return
        reference = self.ids.reference.text.strip()
        if self.paid_in_full() and not self.ids.amount.text.strip() and not reference:
            # Enter with nothing typed once the sale is paid means "done" (it said 错误 已付清): a
            # keyboard-only cashier completes the sale as the 完成 button does
            self.complete()
            return
        if self.tender in REFERENCE_TENDERS and not reference:
            app.notify(i18n.tr("need_reference"))
            self.ids.reference.focus = True
            return
        text, tender = self.ids.amount.text.strip(), self.tender
        amount = fmt.parse_yuan(text) if text else None
        payment = app.till.payment
        if tender == "code":
            app.call(payment.prepare_code, reference, amount, on_ok=self._send_code)
        elif tender == "store_credit":
            app.call(payment.pay_stored_value, amount, on_ok=self.show)
        elif tender == "voucher":
            app.call(payment.apply_voucher, reference, on_ok=self.show)
        else:
            app.call(lambda: payment.add_payment(tender, amount, reference), on_ok=self.show)

    def _send_code(self, prepared: Any) -> None:
        """The charge goes out on a worker thread; the screen shows its progress and takes the answer
        back on the UI thread (only a paid charge becomes a payment)."""
        app = App.get_running_app()
        self.charging = True
        self.progress = i18n.tr("charging")
        self.ids.reference.text = ""

        def heard(result: Any) -> None:
            message = result.message if i18n.get_language() == "zh_CN" else result.message_en
            Clock.schedule_once(lambda _dt: setattr(self, "progress", i18n.tr("charging_progress", message=message)))

        def done(result: Any) -> None:
            self.charging = False
            self.progress = ""
            app.call(app.till.payment.finish_code, prepared, result, on_ok=self._charged)

        def failed(exc: BaseException) -> None:
            self.charging = False
            self.progress = ""
            app.error(exc)

        app.in_background(lambda: app.till.payment.send_code(prepared, heard), done, failed)

    def _charged(self, state: PaymentState) -> None:
        App.get_running_app().notify(i18n.tr("charged", amount=fmt.money(state.payments[-1].amount_fen)))
        self.show(state)

    def quick_cash(self, fen: int) -> None:
        app = App.get_running_app()
        app.call(app.till.payment.add_payment, "cash", fen, "", on_ok=self.show)

    def redeem_points(self) -> None:
        app = App.get_running_app()
        app.ask(i18n.tr("points_to_redeem"),
                lambda v: app.call(lambda: app.till.payment.redeem_points(fmt.parse_whole(v)), on_ok=self.show))

    def _remove_payment(self, row: Any) -> None:
        if self.charging:
            return
        app = App.get_running_app()
        app.call(app.till.payment.remove_payment, row.key, on_ok=self.show)

    def back(self) -> None:
        if self.charging:
            return
        app = App.get_running_app()
        app.call(app.till.payment.leave_payment, on_ok=lambda _c: app.go("sale"))

    def paid_in_full(self) -> bool:
        """The payments cover what is due: the sale can be completed (the 完成 button is enabled)."""
        return bool(self.state and self.state.remaining_fen == 0 and self.state.payments)

    def complete(self) -> None:
        if self.charging:
            return
        app = App.get_running_app()

        def done(result: SaleDone) -> None:
            app.screen("done").result = result
            app.go("done")

        app.call(app.till.payment.complete_sale, on_ok=done)


class DoneScreen(Screen):  # type: ignore[misc]
    """After the commit: change to give, the receipt number, whether the receipt printed."""

    result = ObjectProperty(None, allownone=True, rebind=True)
    outcome = ObjectProperty(None, allownone=True, rebind=True)

    def on_enter(self, *_args: Any) -> None:
        self.ids.scan.text = ""
        self.outcome = None
        app = App.get_running_app()
        if self.result is not None:
            sale_id = self.result.sale_id
            app.print_job(lambda: app.till.devices.print_sale(sale_id), self._printed)
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def _printed(self, outcome: PrintOutcome) -> None:
        self.outcome = outcome

    def refocus(self) -> None:
        app = App.get_running_app()
        if not app.popup_open and app.manager.current == self.name:
            self.ids.scan.focus = True

    def scanned(self, code: str) -> None:
        self.scan_submit(code)

    def scan_submit(self, text: str) -> None:
        """Scanning the next customer's first item starts the next sale at once."""
        self.ids.scan.text = ""
        app = App.get_running_app()
        app.go("sale")
        if text.strip():
            app.screen("sale").scan_submit(text)

    def reprint(self) -> None:
        if self.result is not None:
            App.get_running_app().reprint(self.result.receipt_no)

    def next_sale(self) -> None:
        App.get_running_app().go("sale")

    def status_text(self, outcome: PrintOutcome | None, *_deps: Any) -> str:
        if outcome is None:
            return i18n.tr("printing") if self.result is not None else ""
        parts = [i18n.tr("printed_ok") if outcome.ok else i18n.tr("print_failed", error=outcome.error)]
        if outcome.drawer_opened:
            parts.append(i18n.tr("drawer_opened"))
        return "  ·  ".join(parts)
