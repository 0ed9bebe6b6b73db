"""The sale screen: the scan field always has focus; the cart on the left, totals and actions on the right."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.screenmanager import Screen

from terminal.ui import format as fmt
from terminal.ui import i18n
from terminal.ui.adapters.approval import ManagerPin
from terminal.ui.views import CartView, LineView, ResumedView

REFOCUS_DELAY_S = 0.15


class SaleScreen(Screen):  # type: ignore[misc]
    """Shows the sale area's cart; every button is one call of the till's areas, then a redraw."""

    cart = ObjectProperty(CartView(), rebind=True)
    selected = NumericProperty(0)
    """Key of the selected row: cart index + 1 for an editable line, 0 for none."""

    # ------------------------------------------------------------------ focus

    def on_enter(self, *_args: Any) -> None:
        self.refresh()
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def refocus(self) -> None:
        app = App.get_running_app()
        if app.manager.current == self.name and not app.popup_open:
            self.ids.scan.focus = True

    def scan_focus_changed(self, focused: bool) -> None:
        if not focused:
            Clock.schedule_once(lambda _dt: self.refocus(), REFOCUS_DELAY_S)

    # ------------------------------------------------------------------ cart

    def refresh(self) -> None:
        app = App.get_running_app()
        app.call(app.till.sale.cart, on_ok=self.show_cart)

    def show_cart(self, cart: CartView) -> None:
        self.cart = cart
        keys = [self._key(line) for line in cart.lines if line.index is not None]
        if cart.current is not None:
            self.selected = cart.current + 1
        if self.selected not in keys:
            self.selected = max(keys) if keys else 0
        box = self.ids.lines
        box.clear_widgets()
        for line in cart.lines:
            box.add_widget(Factory.RowButton(
                key=self._key(line), selected=self._key(line) == self.selected,
                text_left=f"{line.line_no}. {line.name}", text_sub=self._promo_text(line),
                text_mid=f"{line.qty} {line.unit} × {fmt.money(line.unit_price_fen)}",
                text_right=fmt.money(line.amount_fen), on_release=self._line_tapped,
            ))
        Clock.schedule_once(lambda _dt: self._scroll_to_selected(), 0)

    def _scroll_to_selected(self) -> None:
        scroll, box = self.ids.scroll, self.ids.lines
        if box.height <= scroll.height:
            scroll.scroll_y = 1
            return
        row = next((c for c in box.children if c.key == self.selected), None)
        if row is not None:
            scroll.scroll_to(row, padding=10, animate=False)

    @staticmethod
    def _key(line: LineView) -> int:
        return line.index + 1 if line.index is not None else -line.line_no

    @staticmethod
    def _promo_text(line: LineView) -> str:
        parts: list[str] = []
        if line.is_gift:
            parts.append(i18n.tr("gift"))
        if line.discount_fen and not line.is_gift:
            parts.append(f"-{fmt.money(line.discount_fen)}")
        if line.promotions:
            parts.append(i18n.tr("labelled", label=i18n.tr("promo"), value="、".join(line.promotions)))
        return "  ".join(parts)

    def _line_tapped(self, row: Any) -> None:
        if row.key <= 0:  # a gift line follows its promotion; it cannot be edited
            return
        self.selected = row.key
        for child in self.ids.lines.children:
            child.selected = child.key == self.selected

    def scan_submit(self, text: str) -> None:
        self.ids.scan.text = ""
        code = text.strip()
        if not code:
            return
        app = App.get_running_app()

        def not_a_code(exc: Exception) -> bool:
            """Typed words that are no barcode or SKU: search by name / pinyin instead; a weighed
            item without a scale label: weigh it."""
            if getattr(exc, "code", "") == "no_product" and not code.isdigit():
                self.search(code)
                return True
            if getattr(exc, "code", "") == "needs_weight":
                app.call(app.till.sale.weighed_product, code, on_ok=self.weigh)
                return True
            return False

        app.call(app.till.sale.scan, code, on_ok=self.show_cart, on_error=not_a_code)
        self.refocus()

    def scanned(self, code: str) -> None:
        self.scan_submit(code)

    def search(self, initial: str = "") -> None:
        app = App.get_running_app()
        popup = Factory.SearchPopup(when_picked=self._add_product)
        popup.ids.query.text = initial
        app.open_popup(popup)

    def _add_product(self, hit: Any) -> None:
        app = App.get_running_app()

        def weighed(exc: Exception) -> bool:
            if getattr(exc, "code", "") == "needs_weight":
                self.weigh(hit.product_id)
                return True
            return False

        app.call(app.till.sale.add_product, hit.product_id, hit.unit, on_ok=self.show_cart, on_error=weighed)

    def weigh(self, product_id: int) -> None:
        """Read the scale (on a worker thread) or, without one, ask the cashier for the weight."""
        app = App.get_running_app()

        def added(cart: CartView) -> None:
            app.toast = ""
            self.show_cart(cart)

        def typed(kg: str) -> None:
            app.call(lambda: app.till.sale.add_weighed(product_id, fmt.parse_qty(kg)), on_ok=added)

        def ask(_exc: BaseException | None = None) -> None:
            if _exc is not None:
                app.notify(i18n.error_text(_exc))
            # which item and what it costs a kilo (the prompt said only "称重商品：输入重量")
            hit = app.till.sale.product_hit(product_id)
            app.ask(i18n.tr("enter_weight_of", name=hit.name, price=fmt.money(hit.price_fen), unit=hit.unit_name),
                    typed)

        if not app.till.devices.scale_port():
            ask()
            return
        app.notify(i18n.tr("weighing"))
        app.in_background(app.till.devices.read_scale, typed, ask)

    # ------------------------------------------------------------------ line edits

    def _need_line(self) -> int | None:
        """The cart index of the selected line, or None (and a hint) when nothing is selected."""
        if self.selected <= 0:
            App.get_running_app().notify(i18n.tr("select_line_first"))
            return None
        return int(self.selected) - 1

    def _line(self, index: int) -> LineView | None:
        return next((ln for ln in self.cart.lines if ln.index == index), None)

    def edit_qty(self) -> None:
        index = self._need_line()
        if index is None:
            return
        app = App.get_running_app()
        line = self._line(index)
        app.ask(i18n.tr("enter_qty"),
                lambda v: app.call(lambda: app.till.sale.set_qty(index, fmt.parse_qty(v)), on_ok=self.show_cart),
                initial=line.qty if line else "")

    def edit_price(self) -> None:
        index = self._need_line()
        if index is None:
            return
        app = App.get_running_app()

        def set_price(text: str, approval: ManagerPin | None = None) -> CartView:
            result: CartView = app.till.sale.set_price(index, fmt.parse_yuan(text), approval)
            return result

        app.ask(i18n.tr("enter_price"), lambda v: app.call(set_price, v, on_ok=self.show_cart))

    def line_discount(self) -> None:
        index = self._need_line()
        if index is None:
            return
        app = App.get_running_app()

        def discount(text: str, approval: ManagerPin | None = None) -> CartView:
            result: CartView = app.till.sale.line_discount(index, fmt.parse_yuan(text), approval)
            return result

        app.ask(i18n.tr("enter_line_discount"), lambda v: app.call(discount, v, on_ok=self.show_cart))

    def order_discount(self) -> None:
        app = App.get_running_app()

        def discount(text: str, approval: ManagerPin | None = None) -> CartView:
            result: CartView = app.till.sale.order_discount(fmt.parse_yuan(text), approval)
            return result

        app.ask(i18n.tr("enter_order_discount"), lambda v: app.call(discount, v, on_ok=self.show_cart))

    def void_line(self) -> None:
        index = self._need_line()
        if index is None:
            return
        app = App.get_running_app()
        line = self._line(index)
        what = (f"{line.name}  {line.qty} {line.unit}  {fmt.money(line.amount_fen)}" if line else str(index + 1))

        def void(approval: ManagerPin | None = None) -> CartView:
            result: CartView = app.till.sale.void_line(index, approval)
            return result

        # always asked (a stray tap removed the line at once); a manager's PIN follows where the store asks
        app.confirm(i18n.tr("void_confirm", what=what), lambda: app.call(void, on_ok=self.show_cart),
                    title=i18n.tr("void_line"))

    # ------------------------------------------------------------------ whole sale

    def hold(self) -> None:
        app = App.get_running_app()
        app.call(app.till.sale.hold, on_ok=self.show_cart)

    def resume(self) -> None:
        app = App.get_running_app()
        popup = Factory.HeldPopup(when_picked=lambda held: app.call(app.till.sale.resume, held.id,
                                                                on_ok=self._resumed))
        popup.show(app.till.sale.held())
        app.open_popup(popup)

    def _resumed(self, resumed: ResumedView) -> None:
        """The held sale is back at today's prices; what changed while it was held is said at once."""
        self.show_cart(resumed.cart)
        if not resumed.changes:
            return
        app = App.get_running_app()
        rows = [i18n.tr("price_changed_line", name=name, old=fmt.money(old), new=fmt.money(new))
                for name, old, new in resumed.changes]
        body = "\n".join([*rows, i18n.tr("price_changed_total", old=fmt.money(resumed.old_total_fen),
                                           new=fmt.money(resumed.new_total_fen))])
        app.message(body, title=i18n.tr("price_changed_title"))

    def cancel_sale(self) -> None:
        app = App.get_running_app()
        if not self.cart.lines:
            return
        app.confirm(i18n.tr("cancel_sale_confirm"),
                    lambda: app.call(app.till.sale.cancel_sale, on_ok=self.show_cart))

    def member(self) -> None:
        app = App.get_running_app()
        popup = Factory.MemberPopup(when_changed=self.show_cart)
        popup.show_member(self.cart.member)
        app.open_popup(popup)

    def pay(self) -> None:
        app = App.get_running_app()
        if not self.cart.lines:
            app.notify(i18n.tr("empty_cart"))
            return
        app.call(app.till.payment.start_payment, on_ok=lambda _p: app.go("payment"))

    def no_sale(self) -> None:
        """Open the drawer without a sale: recorded (manager approval), then the pulse is sent."""
        app = App.get_running_app()

        def pulsed(outcome: Any) -> None:
            app.notify(i18n.tr("drawer_opened") if outcome.ok else i18n.tr("print_failed", error=outcome.error))

        app.call(app.till.devices.no_sale, on_ok=lambda _r: app.print_job(app.till.devices.pulse_drawer, pulsed))

    def reprint(self) -> None:
        app = App.get_running_app()
        app.ask(i18n.tr("reprint_hint"), lambda no: app.reprint(no.strip() or None), numeric=False)
