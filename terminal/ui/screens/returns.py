"""Returns: find the original sale (receipt QR or number), choose lines and quantities, refund."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from terminal.errors import TerminalError
from terminal.ui import format as fmt
from terminal.ui import i18n
from terminal.ui.adapters.approval import ManagerPin
from terminal.ui.views import PrintOutcome, ReturnableSale, ReturnDone


class ReturnsScreen(Screen):  # type: ignore[misc]
    sale = ObjectProperty(None, allownone=True, rebind=True)
    refund_mode = StringProperty("original")
    chosen = NumericProperty(0)
    refunded_fen = NumericProperty(-1)
    """The last refund's amount (-1: none yet on this screen)."""
    preview_fen = NumericProperty(-1)
    """What the chosen lines would refund (-1: nothing valid chosen)."""
    preview_text = StringProperty("")
    """The preview's split: money per tender, points; or why the choice cannot be refunded."""

    def on_enter(self, *_args: Any) -> None:
        self.sale = None
        self.ids.find.text = ""
        self.ids.lines.clear_widgets()
        self.chosen = 0
        self.refunded_fen = -1
        self.preview_fen = -1
        self.preview_text = ""
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def refocus(self) -> None:
        app = App.get_running_app()
        if not app.popup_open and app.manager.current == self.name and self.sale is None:
            self.ids.find.focus = True

    def scanned(self, code: str) -> None:
        self.ids.find.text = code
        self.find(code)

    def find(self, text: str) -> None:
        if not text.strip():
            return
        app = App.get_running_app()
        app.call(app.till.returns.find_sale, text.strip(), on_ok=self.show)

    def show(self, sale: ReturnableSale) -> None:
        self.sale = sale
        box = self.ids.lines
        box.clear_widgets()
        for line in sale.lines:
            row = Factory.ReturnLineRow(line_no=line.line_no, title=f"{line.line_no}. {line.name}",
                                        detail=f"{i18n.tr('sold_qty')} {line.qty_sold} {line.unit}  ·  "
                                               f"{i18n.tr('returnable')} {line.qty_returnable}  ·  "
                                               f"{fmt.money(line.amount_fen)}",
                                        returnable=line.qty_returnable, when_changed=self.update_preview)
            box.add_widget(row)
        self.update_preview()

    def quantities(self) -> dict[int, str]:
        chosen: dict[int, str] = {}
        for row in self.ids.lines.children:
            text = row.ids.qty.text.strip()
            if text and text not in {"0", "0.0", "0.000"}:
                chosen[row.line_no] = text
        return chosen

    def on_refund_mode(self, *_args: Any) -> None:
        self.update_preview()

    def update_preview(self, *_args: Any) -> None:
        """How many lines are chosen and what the refund would be, before the confirm button: the
        returns service computes it (the same computation the return runs); nothing is written."""
        chosen = self.quantities() if self.sale is not None else {}
        self.chosen = len(chosen)
        self.preview_fen = -1
        if self.sale is None:
            self.preview_text = ""
            return
        if not chosen:
            self.preview_text = i18n.tr("preview_none")
            return
        app = App.get_running_app()
        try:
            quantities = {line_no: fmt.parse_qty(text) for line_no, text in chosen.items()}
            preview = app.till.returns.preview_return(self.sale.receipt_no, quantities, self.refund_mode)
        except (TerminalError, ValueError) as exc:  # e.g. more than is left: said here, not in a dialog
            self.preview_text = i18n.error_text(exc)
            return
        self.preview_fen = preview.total_fen
        parts = [f"{i18n.tr('tender_' + r.tender.value)} {fmt.money(r.amount_fen)}" for r in preview.refunds]
        if preview.points_reversed:
            parts.append(i18n.tr("preview_points_back", points=preview.points_reversed))
        if preview.points_refunded:
            parts.append(i18n.tr("preview_points_returned", points=preview.points_refunded))
        # one phrase a line: the narrow panel wrapped "扣回积分 / 26，退回积分 0" in the middle
        self.preview_text = "\n".join(parts)

    def refund(self) -> None:
        app = App.get_running_app()
        if self.sale is None:
            return
        chosen = self.quantities()
        if not chosen:
            self.explain_nothing_chosen()
            return

        def printed(outcome: PrintOutcome) -> None:
            if outcome.ok:
                app.notify(i18n.tr("return_printed") + ("  ·  " + i18n.tr("drawer_opened")
                                                         if outcome.drawer_opened else ""))
            else:
                app.notify(i18n.tr("print_failed", error=outcome.error))

        def done(result: ReturnDone) -> None:
            app.message(self.refund_message(result), title=i18n.tr("returns_title"))
            self.on_enter()
            self.refunded_fen = result.total_fen
            app.print_job(lambda: app.till.devices.print_return(result.return_id), printed)

        receipt_no, refund_to, reason = self.sale.receipt_no, self.refund_mode, self.ids.reason.text.strip()

        def make_return(approval: ManagerPin | None = None) -> ReturnDone:
            quantities = {line_no: fmt.parse_qty(text) for line_no, text in chosen.items()}
            result: ReturnDone = app.till.returns.make_return(receipt_no, quantities, refund_to, reason, approval)
            return result

        app.call(make_return, on_ok=done)

    def explain_nothing_chosen(self) -> None:
        """确认退款 tapped while it is grey: say what to do in a dialog (it was grey text in the bar)."""
        app = App.get_running_app()
        if self.sale is None:
            body = i18n.tr("refund_needs_sale")
        elif self.chosen and self.preview_fen < 0:
            body = self.preview_text  # the choice cannot be refunded: the preview says why
        else:
            body = i18n.tr("nothing_to_return_body")
        app.message(body, title=i18n.tr("nothing_to_return"))

    @staticmethod
    def refund_message(result: ReturnDone) -> str:
        """The refund, then where each part goes: back to the WeChat / card … it came from, and the
        cash the cashier hands over (the message gave the total only: ¥1.33 of which ¥0.73 was cash)."""
        lines = [i18n.tr("refund_done", no=result.receipt_no, amount=fmt.money(result.total_fen))]
        keys = {"store_credit": "refund_to_stored_value", "voucher": "refund_voucher_back"}
        others = [i18n.tr(keys.get(tender, "refund_back_to"), tender=i18n.tr(f"tender_{tender}"),
                          amount=fmt.money(fen))
                  for tender, fen in result.refunds if tender != "cash" and fen]
        if others:
            lines.append("  ·  ".join(others))
        cash = sum(fen for tender, fen in result.refunds if tender == "cash")
        if cash:
            lines.append(i18n.tr("refund_hand_cash", amount=fmt.money(cash)))
        return "\n".join(lines)


class ReturnLineRow(BoxLayout):  # type: ignore[misc]
    """One original line with a quantity field (0 = keep)."""

    line_no = NumericProperty(0)
    title = StringProperty("")
    detail = StringProperty("")
    returnable = StringProperty("0")
    when_changed = ObjectProperty(None, allownone=True)

    def changed(self) -> None:
        if self.when_changed is not None:
            self.when_changed()

    def all_of_it(self) -> None:
        self.ids.qty.text = self.returnable
