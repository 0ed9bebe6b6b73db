"""Shift screens: open with a float; close with a count by denomination, X and Z reports."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from terminal.ui import format as fmt
from terminal.ui import i18n
from terminal.ui.views import PrintOutcome

HELD_LISTED = 4
"""Held sales listed by name in the shift-close warning (the rest are counted)."""


class ShiftOpenScreen(Screen):  # type: ignore[misc]
    def on_enter(self, *_args: Any) -> None:
        self.ids.float_amount.text = ""
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def refocus(self) -> None:
        self.ids.float_amount.focus = True

    def submit(self) -> None:
        app = App.get_running_app()
        text = self.ids.float_amount.text.strip() or "0"
        app.call(lambda: app.till.shift.open_shift(fmt.parse_yuan(text)), on_ok=lambda _s: app.go("sale"))


class ShiftCloseScreen(Screen):  # type: ignore[misc]
    """Count the drawer by denomination; the shift area says what it expected."""

    counted_fen = NumericProperty(0)
    expected_fen = NumericProperty(0)
    report = ObjectProperty(None, allownone=True, rebind=True)
    last_z: Any = None
    """The Z report of the shift closed last on this screen (kept for the tests and a reprint)."""

    def on_enter(self, *_args: Any) -> None:
        grid = self.ids.denoms
        if not grid.children:
            for fen in App.get_running_app().till.shift.denominations():
                grid.add_widget(Factory.DenominationRow(fen=fen, when_counted=self.recount, when_entered=self.next_count))
        for row in grid.children:
            row.ids.count.text = ""
        self.load_report()
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def rows(self) -> list[Any]:
        """The denomination rows top to bottom (largest note first)."""
        return list(reversed(self.ids.denoms.children))

    def refocus(self) -> None:
        """A keyboard counts from the top: the first count has the keyboard when the screen opens."""
        app = App.get_running_app()
        rows = self.rows()
        if rows and not app.popup_open and app.manager.current == self.name \
                and not any(r.ids.count.focus for r in rows):
            rows[0].ids.count.focus = True

    def next_count(self, row: Any) -> None:
        """Enter in a count goes to the next denomination (it left the field and went nowhere)."""
        rows = self.rows()
        index = rows.index(row) if row in rows else -1
        if 0 <= index < len(rows) - 1:
            following = rows[index + 1]
            scroll = self.ids.denoms_scroll
            _, bottom = scroll.to_window(scroll.x, scroll.y)
            _, top = scroll.to_window(scroll.right, scroll.top)
            _, row_bottom = following.to_window(following.x, following.y)
            _, row_top = following.to_window(following.right, following.top)
            if row_bottom < bottom - 1 or row_top > top + 1:  # (a list that fits must not move)
                scroll.scroll_to(following, padding=0, animate=False)
            following.ids.count.focus = True

    def load_report(self) -> None:
        app = App.get_running_app()
        app.call(app.till.shift.shift_report, on_ok=self._show_report)

    def _show_report(self, report: Any) -> None:
        self.report = report
        self.expected_fen = report.expected_cash_fen
        self.recount()

    def denominations(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for row in self.ids.denoms.children:
            text = row.ids.count.text.strip()
            if text.isdigit() and int(text) > 0:
                counts[row.fen] = int(text)
        return counts

    def recount(self, *_args: Any) -> None:
        self.counted_fen = sum(fen * n for fen, n in self.denominations().items())

    def print_x(self) -> None:
        app = App.get_running_app()

        def printed(outcome: PrintOutcome) -> None:
            app.notify(i18n.tr("report_printed") if outcome.ok else i18n.tr("print_failed", error=outcome.error))

        def got(report: Any) -> None:
            app.print_job(lambda: app.till.devices.print_report(report), printed)

        app.call(app.till.shift.x_report, on_ok=got)

    def close_shift(self) -> None:
        """Close with the count (one transaction, synced later), print the Z report, sign out."""
        app = App.get_running_app()

        def printed(outcome: PrintOutcome) -> None:
            app.notify(i18n.tr("shift_closed") if outcome.ok else i18n.tr("print_failed", error=outcome.error))

        def closed(report: Any) -> None:
            self.last_z = report
            app.print_job(lambda: app.till.devices.print_report(report), printed)
            app.sign_out()

        def ask_to_close() -> None:
            app.confirm(self.close_question(),
                        lambda: app.call(app.till.shift.close_shift, self.denominations(), on_ok=closed),
                        title=i18n.tr("z_report"))

        held = app.till.sale.held_texts()
        if not held:
            ask_to_close()
            return
        # held sales (挂单) crossed shifts without a word: the cashier sees them before closing
        rows = held[:HELD_LISTED] + ([i18n.tr("held_more", n=len(held) - HELD_LISTED)] if len(held) > HELD_LISTED else [])
        app.confirm(i18n.tr("held_at_close", rows="\n".join(rows)),
                    lambda: Clock.schedule_once(lambda _dt: ask_to_close(), 0.1),
                    title=i18n.tr("held_at_close_title", n=len(held)))

    def close_question(self) -> str:
        """What closing means, with the count it will record (the question only repeated the button's
        label, so a cashier who had not counted closed the shift with ¥0.00 counted)."""
        expected = fmt.money(self.expected_fen)
        if not self.counted_fen:
            return i18n.tr("z_confirm_uncounted", expected=expected)
        return i18n.tr("z_confirm", counted=fmt.money(self.counted_fen), expected=expected,
                       difference=fmt.money(self.counted_fen - self.expected_fen))


class DenominationRow(BoxLayout):  # type: ignore[misc]
    """One denomination: its face value, the count typed by the cashier, the subtotal."""

    fen = NumericProperty(0)
    when_counted = ObjectProperty(None, allownone=True)
    when_entered = ObjectProperty(None, allownone=True)
    """Called with the row when Enter is pressed in its count (the screen moves to the next one)."""

    def entered(self) -> None:
        if self.when_entered is not None:
            self.when_entered(self)

    def subtotal(self, text: str) -> int:
        return self.fen * int(text) if text.strip().isdigit() else 0

    def changed(self) -> None:
        if self.when_counted is not None:
            self.when_counted()
