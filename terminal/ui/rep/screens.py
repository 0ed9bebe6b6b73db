"""The rep app's screens: sign-in, Today, my customers, field order, visit, collection, order status.

Each screen shows what its area adapter (`app.tablet.<area>`) returns and calls it for every action;
none of them prices, checks credit or decides a status (those come from `terminal`'s field services).
Lists are drawn in Python from the adapters' snapshots (`rep/views.py`); layout lives in `rep/kv/`.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from terminal.ui import format as fmt
from terminal.ui import i18n
from terminal.ui.rep.views import (
    CollectionDone,
    CustomerCard,
    CustomerRow,
    DraftView,
    OrderSaved,
    OrderStatusRow,
    ProductPick,
    TodayView,
    VisitDone,
    VisitView,
)
from terminal.ui.screens.popups import PosPopup
from terminal.ui.widgets import PosButton

SEARCH_DELAY_S = 0.25


def _app() -> Any:
    return App.get_running_app()


def _row(**kwargs: Any) -> Any:
    return Factory.RowButton(**kwargs)


class CodeButton(PosButton):
    """A button standing for one code of a list (a visit step, a payment method, a unit of sale)."""

    code = StringProperty("")


class StepToggle(CodeButton):
    """A visit step: tapped when done (green)."""


class MethodToggle(CodeButton):
    """A collection's payment method."""


class UnitButton(CodeButton):
    """A unit of sale (piece, box) in the line dialog."""


class CategoryButton(CodeButton):
    category_id = NumericProperty(0)


class RepScreen(Screen):  # type: ignore[misc]
    """A rep screen: side by side on a landscape tablet, stacked on a portrait one (`wide`)."""

    wide = BooleanProperty(True)


# ---------------------------------------------------------------------------- sign-in


class RepSignInScreen(Screen):  # type: ignore[misc]
    """The tablet's own rep types a PIN; nobody else can sign in here (no user code to type)."""

    locked = BooleanProperty(False)
    hint = StringProperty("")
    rep_text = StringProperty("")
    rep_code = StringProperty("")

    def on_enter(self, *_args: Any) -> None:
        self.ids.pin.text = ""
        rep = _app().tablet.signin.rep()
        self.rep_code = rep.code if rep else ""
        self.rep_text = i18n.tr("rep_label", name=rep.name) if rep else ""
        self.hint = "" if rep else "rep_not_synced_hint"
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def refresh(self) -> None:
        self.on_enter()

    def refocus(self) -> None:
        self.ids.pin.focus = True

    def submit(self) -> None:
        app = _app()
        pin = self.ids.pin.text
        if not pin:
            self.ids.pin.focus = True
            return
        self.ids.pin.text = ""
        fn = app.tablet.signin.unlock if self.locked else app.tablet.signin.sign_in

        def ok(_rep: object) -> None:
            self.locked = False
            app.after_sign_in()

        app.call(fn, pin, on_ok=ok)


# ---------------------------------------------------------------------------- today


class TodayScreen(RepScreen):
    """The day's route (set at central, by weekday), reminders, and the month's target."""

    weekday_text = StringProperty("")
    stop_count = NumericProperty(0)
    reminder_count = NumericProperty(0)
    target_month = StringProperty("")
    target_text = StringProperty("")
    target_note = StringProperty("")
    target_percent = NumericProperty(0)

    def on_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        _app().call(_app().tablet.today.today, on_ok=self.show)

    def show(self, today: TodayView) -> None:
        self.weekday_text = today.weekday_text
        self.stop_count = len(today.stops)
        self.reminder_count = len(today.reminders)
        box = self.ids.stops.box
        box.clear_widgets()
        for n, stop in enumerate(today.stops, start=1):
            box.add_widget(_row(key=stop.key, text_left=f"{n}. {stop.name}", text_sub=stop.address,
                                sub_color=(0.42, 0.45, 0.50, 1), hints=[0.7, 0, 0.3],
                                text_right=i18n.tr("visited") if stop.visited else "",
                                on_release=lambda row: _app().open_customer(row.key)))
        box = self.ids.reminders.box
        box.clear_widgets()
        for reminder in today.reminders:
            box.add_widget(_row(key=reminder.key, text_left=reminder.customer, text_sub=reminder.text,
                                hints=[1, 0, 0], on_release=lambda row: _app().open_customer(row.key)))
        target = today.target
        if target is None:
            self.target_month, self.target_text, self.target_percent = "", i18n.tr("target_none"), 0
            self.target_note = ""
            return
        self.target_month = target.month
        self.target_percent = min(100, target.percent)
        self.target_text = i18n.tr("target_progress", achieved=fmt.money(target.achieved_fen),
                                   target=fmt.money(target.target_fen), percent=target.percent)
        self.target_note = (i18n.tr("target_unsynced", amount=fmt.money(target.unsynced_fen))
                            if target.unsynced_fen else "")


# ---------------------------------------------------------------------------- customers


class CustomersScreen(RepScreen):
    """Search (name, pinyin initials, phone) on one side, the customer's card on the other."""

    card = ObjectProperty(None, allownone=True)
    empty = BooleanProperty(False)
    card_subtitle = StringProperty("")
    card_contact = StringProperty("")
    card_price = StringProperty("")
    card_credit = StringProperty("")
    card_available = StringProperty("")
    card_overdue = StringProperty("")
    card_orders = StringProperty("")
    card_visits = StringProperty("")
    _search_event: Any = None

    def on_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.search()
        if self.card is not None:
            self.show(self.card.key)

    def typed(self) -> None:
        if self._search_event is not None:
            self._search_event.cancel()
        self._search_event = Clock.schedule_once(lambda _dt: self.search(), SEARCH_DELAY_S)

    def search(self) -> None:
        _app().call(_app().tablet.customers.search, self.ids.query.text, on_ok=self.show_results)

    def show_results(self, rows: list[CustomerRow]) -> None:
        self.empty = not rows
        box = self.ids.results.box
        box.clear_widgets()
        for row in rows:
            sub = " · ".join(part for part in (row.type_name, row.phone,
                                               i18n.tr("pending_customer") if row.pending else "",
                                               i18n.tr("overdue_days", n=row.overdue_days) if row.overdue_days else "")
                             if part)
            box.add_widget(_row(key=row.key, text_left=row.name, text_sub=sub,
                                sub_color=(0.82, 0.22, 0.20, 1) if row.overdue_days else (0.42, 0.45, 0.50, 1),
                                text_right=fmt.money(row.available_fen), hints=[0.68, 0, 0.32],
                                selected=self.card is not None and self.card.key == row.key,
                                on_release=lambda widget: self.show(widget.key)))

    def show(self, key: str) -> None:
        _app().call(_app().tablet.customers.card, key, on_ok=self._show_card)

    def _show_card(self, card: CustomerCard) -> None:
        self.card = card
        for row in self.ids.results.box.children:
            row.selected = row.key == card.key
        self.card_subtitle = " · ".join(p for p in (card.code, card.type_name, card.status_text) if p)
        contact = " ".join(p for p in (card.contact_name, card.contact_phone) if p)
        self.card_contact = "\n".join((contact, *card.contacts)) if card.contacts else contact
        self.card_price = " · ".join(p for p in (card.price_list, card.discount_text, card.terms_text) if p)
        self.card_credit = i18n.tr("credit_line", limit=fmt.money(card.credit_limit_fen),
                                   used=fmt.money(card.credit_used_fen))
        self.card_available = fmt.money(card.available_fen)
        self.card_overdue = (i18n.tr("overdue_line", amount=fmt.money(card.overdue_fen), n=card.oldest_overdue_days)
                             if card.oldest_overdue_days else i18n.tr("none"))
        self.card_orders = "\n".join(
            f"{h.when}  {h.text}  {fmt.money(h.amount_fen) if h.amount_fen is not None else ''}".rstrip()
            for h in card.last_orders) or i18n.tr("none")
        self.card_visits = "\n".join(f"{h.when}  {h.text}".rstrip() for h in card.last_visits) or i18n.tr("none")
        self.ids.card_scroll.scroll_y = 1

    def go_with(self, tab: str) -> None:
        if self.card is not None:
            _app().with_customer(self.card.key, self.card.name, tab)

    def edit_customer(self) -> None:
        if self.card is None:
            return
        popup = Factory.CustomerFormPopup(creating=False, customer_key=self.card.key, when_saved=self.show)
        for field in ("contact_name", "contact_phone", "address", "notes"):
            popup.ids[field].text = getattr(self.card, field) or ""
        _app().open_popup(popup)

    def new_customer(self) -> None:
        popup = Factory.CustomerFormPopup(creating=True, when_saved=self._created)
        popup.ids.name.text = self.ids.query.text.strip()
        _app().open_popup(popup)

    def _created(self, key: str) -> None:
        self.search()
        self.show(key)


class CustomerFormPopup(PosPopup):
    """New customer (pending at central, cash on delivery until head office sets credit) or an edit of
    the contact fields and notes (sent field by field)."""

    creating = BooleanProperty(False)
    customer_key = StringProperty("")
    """The customer edited (not `key`: a `key` property would fire the dialog's `on_key`)."""
    customer_type = StringProperty("direct")
    when_saved = ObjectProperty(None, allownone=True)

    def focus_first(self) -> None:
        (self.ids.name if self.creating else self.ids.contact_name).focus = True

    def save(self) -> None:
        app = _app()
        fields = {f: self.ids[f].text.strip() for f in ("contact_name", "contact_phone", "address", "notes")}

        def saved(key: str) -> None:
            self.dismiss()
            app.notify(i18n.tr("customer_saved"))
            if self.when_saved is not None:
                self.when_saved(key)

        if self.creating:
            app.call(app.tablet.customers.create, self.ids.name.text.strip(), self.customer_type, fields, on_ok=saved)
        else:
            app.call(app.tablet.customers.edit, self.customer_key, fields, on_ok=saved)


# ---------------------------------------------------------------------------- field order


class OrderScreen(RepScreen):
    """Pick products (search, category, barcode or camera), in pieces or boxes, gifts; the adapter
    prices the draft at the customer's prices and says whether it would be held, and why."""

    draft = ObjectProperty(None, allownone=True)
    has_camera = BooleanProperty(False)
    has_categories = BooleanProperty(False)
    warehouse_names = ListProperty([])
    warehouse_text = StringProperty("")
    category_id = NumericProperty(0)
    _warehouses: dict[str, int] = {}
    _search_event: Any = None
    _for_customer = ""

    def on_enter(self, *_args: Any) -> None:
        app = _app()
        orders = app.tablet.orders
        self.has_camera = orders.has_camera()
        if app.customer_key and app.customer_key != self._for_customer:
            self._for_customer = app.customer_key
            app.call(orders.start, app.customer_key, on_ok=self.show_draft)
            self.ids.delivery.text = orders.default_delivery_date()
            self.ids.remarks.text = ""
        elif app.customer_key:
            app.call(orders.draft, on_ok=self.show_draft)
        warehouses = orders.warehouses()
        self._warehouses = {name: wid for wid, name in warehouses}
        self.warehouse_names = [name for _wid, name in warehouses]
        if self.warehouse_text not in self._warehouses:
            self.warehouse_text = self.warehouse_names[0] if self.warehouse_names else ""
        self._show_categories(orders.categories())
        self.search()

    def refresh(self) -> None:
        if _app().customer_key:
            self.on_enter()

    def refocus(self) -> None:
        app = _app()
        if app.manager.current == self.name and not app.popup_open and app.customer_key:
            self.ids.search.focus = True

    def _show_categories(self, categories: list[tuple[int, str]]) -> None:
        self.has_categories = bool(categories)
        box = self.ids.categories
        box.clear_widgets()
        for cid, name in [(0, i18n.tr("all_categories")), *categories]:
            box.add_widget(CategoryButton(
                text=name, category_id=cid, kind="primary" if cid == self.category_id else "default",
                on_release=lambda b: self.pick_category(b.category_id)))

    def pick_category(self, category_id: int) -> None:
        self.category_id = category_id
        for button in self.ids.categories.children:
            button.kind = "primary" if button.category_id == category_id else "default"
        self.search()

    def typed(self) -> None:
        if self._search_event is not None:
            self._search_event.cancel()
        self._search_event = Clock.schedule_once(lambda _dt: self.search(), SEARCH_DELAY_S)

    def search(self) -> None:
        app = _app()
        if not app.customer_key:
            return
        app.call(app.tablet.orders.find_products, self.ids.search.text, self.category_id or None, on_ok=self.show_hits)

    def show_hits(self, picks: list[ProductPick]) -> None:
        box = self.ids.hits.box
        box.clear_widgets()
        for pick in picks:
            box.add_widget(_row(key=pick, text_left=pick.name, text_sub=pick.price_text,
                                sub_color=(0.12, 0.44, 0.85, 1), hints=[1, 0, 0],
                                on_release=lambda row: self.open_pick(row.key)))

    def scan_or_search(self) -> None:
        """Enter in the search field: a barcode or SKU adds the product's dialog at once."""
        app = _app()
        code = self.ids.search.text.strip()
        if not code:
            return

        def found(pick: ProductPick | None) -> None:
            if pick is None:
                self.search()
                return
            self.ids.search.text = ""
            self.open_pick(pick, unit_code=pick.scanned_unit)

        app.call(app.tablet.orders.scan, code, on_ok=found)

    def scan_with_camera(self) -> None:
        app = _app()

        def found(pick: ProductPick | None) -> None:
            if pick is None:
                app.notify(i18n.tr("camera_nothing"))
            else:
                self.open_pick(pick)

        app.call(app.tablet.orders.scan_camera, on_ok=found)

    def open_pick(self, pick: ProductPick, *, unit_code: str = "") -> None:
        popup = Factory.AddLinePopup(product_name=pick.name, price_text=pick.price_text, line_index=-1,
                                     when_done=self._add)
        popup.set_units(pick.units, unit_code or pick.units[0][0])
        popup.product_id = pick.product_id
        _app().open_popup(popup)

    def _add(self, popup: Any) -> None:
        app = _app()
        if popup.line_index >= 0:
            app.call(app.tablet.orders.change_line, popup.line_index, popup.unit_code, popup.ids.qty.text,
                     popup.is_gift, on_ok=self._changed(popup))
        else:
            app.call(app.tablet.orders.add_line, popup.product_id, popup.unit_code, popup.ids.qty.text,
                     popup.is_gift, on_ok=self._changed(popup))

    def _changed(self, popup: Any) -> Any:
        def done(draft: DraftView) -> None:
            popup.dismiss()
            self.show_draft(draft)

        return done

    def _remove(self, popup: Any) -> None:
        _app().call(_app().tablet.orders.remove_line, popup.line_index, on_ok=self._changed(popup))

    def show_draft(self, draft: DraftView) -> None:
        self.draft = draft
        box = self.ids.lines.box
        box.clear_widgets()
        for line in draft.lines:
            gift = i18n.tr("gift_tag") if line.is_gift else ""
            box.add_widget(_row(key=line.index, text_left=f"{gift}{line.name}", text_sub=line.note,
                                text_mid=f"{line.qty} {line.unit_name} × {fmt.money(line.unit_price_fen)}",
                                text_right=fmt.money(line.amount_fen), hints=[0.42, 0.36, 0.22],
                                on_release=lambda row: self.edit_line(row.key)))

    def edit_line(self, index: int) -> None:
        app = _app()

        def show(edit: Any) -> None:
            pick, unit_code, qty, gift = edit
            popup = Factory.AddLinePopup(product_name=pick.name, price_text=pick.price_text, line_index=index,
                                         is_gift=gift, when_done=self._add, when_removed=self._remove)
            popup.set_units(pick.units, unit_code)
            popup.product_id = pick.product_id
            popup.ids.qty.text = qty
            app.open_popup(popup)

        app.call(app.tablet.orders.line_for_edit, index, on_ok=show)

    def shift_date(self, days: int) -> None:
        try:
            day = date.fromisoformat(self.ids.delivery.text.strip())
        except ValueError:
            day = date.fromisoformat(_app().tablet.orders.default_delivery_date())
        self.ids.delivery.text = (day + timedelta(days=days)).isoformat()

    def warehouse_chosen(self, name: str) -> None:
        self.warehouse_text = name

    def clear_order(self) -> None:
        app = _app()
        app.confirm(i18n.tr("clear_order_question"),
                    lambda: app.call(app.tablet.orders.start, app.customer_key, on_ok=self.show_draft))

    def submit(self) -> None:
        app = _app()

        def saved(outcome: OrderSaved) -> None:
            self.ids.remarks.text = ""
            app.call(app.tablet.orders.start, app.customer_key, on_ok=self.show_draft)
            body = i18n.tr("order_saved_body", no=outcome.order_no, amount=fmt.money(outcome.total_fen))
            if outcome.held:
                body += "\n" + i18n.tr("order_held_body", reasons=outcome.hold_text)
            app.open_popup(Factory.OrderDonePopup(held=outcome.held, body=body, order_id=outcome.order_id,
                                                  can_print=app.tablet.orders.can_print()))

        app.call(app.tablet.orders.submit, self.ids.delivery.text.strip(),
                 self._warehouses.get(self.warehouse_text), self.ids.remarks.text.strip(), on_ok=saved)


class AddLinePopup(PosPopup):
    """Quantity (keypad), unit (piece or box) and gift for a product; also edits or removes a line."""

    product_name = StringProperty("")
    price_text = StringProperty("")
    unit_code = StringProperty("")
    is_gift = BooleanProperty(False)
    line_index = NumericProperty(-1)
    product_id = NumericProperty(0)
    when_done = ObjectProperty(None, allownone=True)
    when_removed = ObjectProperty(None, allownone=True)

    def set_units(self, units: tuple[tuple[str, str, int], ...], chosen: str) -> None:
        box = self.ids.units
        box.clear_widgets()
        self.unit_code = chosen
        for code, name, factor in units:
            label = name if factor == 1 else i18n.tr("unit_of", unit=name, n=factor)
            box.add_widget(UnitButton(text=label, code=code, font_size="17sp", height=box.height,
                                      kind="primary" if code == chosen else "default",
                                      on_release=lambda b, c=code: self._choose(c)))

    def _choose(self, code: str) -> None:
        self.unit_code = code
        for button in self.ids.units.children:
            button.kind = "primary" if button.code == code else "default"

    def focus_first(self) -> None:
        self.ids.qty.focus = True
        self.ids.qty.select_all()

    def on_key(self, key: int) -> bool:
        if key in (13, 271):
            self.done()
            return True
        return False

    def done(self) -> None:
        if self.when_done is not None:
            self.when_done(self)

    def remove(self) -> None:
        if self.when_removed is not None:
            self.when_removed(self)


class OrderDonePopup(PosPopup):
    """The saved order (held for approval with its reasons, or sent); prints the confirmation."""

    held = BooleanProperty(False)
    body = StringProperty("")
    order_id = StringProperty("")
    can_print = BooleanProperty(False)

    def print_it(self) -> None:
        app = _app()
        app.print_job(lambda: app.tablet.orders.print_confirmation(self.order_id),
                      lambda outcome: app.notify(i18n.tr("printed") if outcome.ok
                                                 else i18n.tr("print_failed", error=outcome.error)))


# ---------------------------------------------------------------------------- visit


class VisitScreen(RepScreen):
    """Check in, notes, the customer type's steps, photos (camera or file), follow-up, check out."""

    visit = ObjectProperty(None, allownone=True)
    has_camera = BooleanProperty(False)
    missing_text = StringProperty("")

    def on_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = _app()
        self.has_camera = app.tablet.visits.has_camera()
        if app.customer_key:
            app.call(app.tablet.visits.current, app.customer_key, on_ok=self.show)

    def show(self, visit: VisitView | None) -> None:
        changed = (visit is None) != (self.visit is None) or (visit and self.visit and visit.visit_id != self.visit.visit_id)
        self.visit = visit
        if changed:
            self.ids.notes.text = visit.notes if visit else ""
            self.ids.follow_up.text = ""
            self.ids.follow_up_date.text = ""
        box = self.ids.steps
        box.clear_widgets()
        for step in visit.steps if visit else ():
            mark = " *" if step.required else ""
            box.add_widget(StepToggle(
                code=step.code, text=("✓ " if step.done else "") + step.name + mark,
                kind="success" if step.done else "default",
                on_release=lambda b, s=step: self.toggle_step(s.code, not s.done)))
        missing = [s.name for s in (visit.steps if visit else ()) if s.required and not s.done]
        self.missing_text = i18n.tr("steps_missing", steps="、".join(missing)) if missing else ""
        self._show_thumbs(visit.photos if visit else 0)

    def _show_thumbs(self, count: int) -> None:
        box = self.ids.thumbs
        box.clear_widgets()
        for path in _app().tablet.visits.photo_paths()[-6:] if count else ():
            box.add_widget(Factory.Image(source=str(path), size_hint_x=None, width=box.height, fit_mode="cover"))

    def check_in(self) -> None:
        app = _app()
        app.call(app.tablet.visits.check_in, app.customer_key, on_ok=self.show)

    def notes_focus(self, focused: bool) -> None:
        if not focused and self.visit is not None:
            _app().call(_app().tablet.visits.save_notes, self.ids.notes.text)

    def toggle_step(self, code: str, done: bool) -> None:
        _app().call(_app().tablet.visits.set_step, code, done, on_ok=self.show)

    def take_photo(self) -> None:
        _app().call(_app().tablet.visits.take_photo, on_ok=self.show)

    def pick_photo(self) -> None:
        _app().open_popup(Factory.PhotoFilePopup(start_path=str(_app().tablet.visits.photo_folder()),
                                                 when_chosen=self.add_photo_file))

    def add_photo_file(self, path: str) -> None:
        _app().call(_app().tablet.visits.add_photo_file, path, on_ok=self.show)

    def check_out(self) -> None:
        app = _app()

        def done(result: VisitDone) -> None:
            self.visit = None
            self.ids.notes.text = ""
            self.ids.follow_up.text = ""
            self.ids.follow_up_date.text = ""
            self.show(None)
            app.message(i18n.tr("visit_done_body", missing=result.missing_steps) if result.missing_steps
                        else i18n.tr("visit_done_ok"), title=i18n.tr("visit_done_title"))

        app.call(app.tablet.visits.check_out, self.ids.notes.text, self.ids.follow_up.text.strip(),
                 self.ids.follow_up_date.text.strip(), on_ok=done)


class PhotoFilePopup(PosPopup):
    """A photo picked from the tablet's files (the gallery)."""

    start_path = StringProperty(str(Path.home()))
    when_chosen = ObjectProperty(None, allownone=True)

    def use(self, path: str) -> None:
        self.dismiss()
        if self.when_chosen is not None:
            self.when_chosen(path)


# ---------------------------------------------------------------------------- collection


class CollectionScreen(RepScreen):
    """A payment from the customer: amount (keypad), method, transfer reference; receipt printed."""

    method = StringProperty("cash")
    balance_text = StringProperty("")
    overdue_text = StringProperty("")

    def on_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = _app()
        box = self.ids.methods
        box.clear_widgets()
        for code, name in app.tablet.collections.methods():
            box.add_widget(MethodToggle(code=code, text=name,
                                                kind="primary" if code == self.method else "default",
                                                on_release=lambda b: self.choose(b.code)))
        if app.customer_key:
            app.call(app.tablet.customers.card, app.customer_key, on_ok=self._show_balance)

    def _show_balance(self, card: CustomerCard) -> None:
        self.balance_text = fmt.money(card.credit_used_fen)
        self.overdue_text = (i18n.tr("overdue_line", amount=fmt.money(card.overdue_fen), n=card.oldest_overdue_days)
                             if card.oldest_overdue_days else "")

    def choose(self, code: str) -> None:
        self.method = code
        for button in self.ids.methods.children:
            button.kind = "primary" if button.code == code else "default"

    def refocus(self) -> None:
        app = _app()
        if app.manager.current == self.name and not app.popup_open and app.customer_key:
            self.ids.amount.focus = True

    def record(self) -> None:
        app = _app()

        def done(result: CollectionDone) -> None:
            self.ids.amount.text = ""
            self.ids.reference.text = ""
            body = i18n.tr("collection_done_body", no=result.receipt_no, amount=fmt.money(result.amount_fen),
                           method=result.method_text)
            app.open_popup(Factory.CollectionDonePopup(body=body, collection_id=result.collection_id,
                                                       can_print=app.tablet.orders.can_print()))
            self.refresh()

        app.call(app.tablet.collections.record, app.customer_key, self.ids.amount.text, self.method,
                 self.ids.reference.text.strip(), on_ok=done)


class CollectionDonePopup(PosPopup):
    body = StringProperty("")
    collection_id = StringProperty("")
    can_print = BooleanProperty(False)

    def print_it(self) -> None:
        app = _app()
        app.print_job(lambda: app.tablet.collections.print_receipt(self.collection_id),
                      lambda outcome: app.notify(i18n.tr("printed") if outcome.ok
                                                 else i18n.tr("print_failed", error=outcome.error)))


# ---------------------------------------------------------------------------- order status


class OrdersScreen(RepScreen):
    """Orders and how far they got (submitted → held/approved → partly delivered → delivered), as
    pulled from central, with this tablet's orders not yet sent on top."""

    count = NumericProperty(0)
    only_customer = BooleanProperty(True)

    def on_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = _app()
        key = app.customer_key if self.only_customer else ""
        app.call(app.tablet.orders.statuses, key or None, on_ok=self.show)

    def toggle_customer(self) -> None:
        self.only_customer = not self.only_customer
        self.refresh()

    def show(self, rows: list[OrderStatusRow]) -> None:
        self.count = len(rows)
        box = self.ids.orders.box
        box.clear_widgets()
        for row in rows:
            colour = {"held": (0.85, 0.45, 0.05, 1), "rejected": (0.82, 0.22, 0.20, 1),
                      "delivered": (0.10, 0.55, 0.28, 1)}.get("held" if row.held else row.status,
                                                              (0.42, 0.45, 0.50, 1))
            box.add_widget(_row(key=row.order_id, text_left=f"{row.order_no}  {row.customer}",
                                text_mid=f"{row.when}  {row.status_text}", text_right=fmt.money(row.total_fen),
                                text_sub=row.detail, sub_color=colour, hints=[0.45, 0.35, 0.2]))


SCREENS: tuple[tuple[Any, str], ...] = (
    (RepSignInScreen, "signin"),
    (TodayScreen, "today"),
    (CustomersScreen, "customers"),
    (OrderScreen, "order"),
    (VisitScreen, "visit"),
    (CollectionScreen, "collection"),
    (OrdersScreen, "orders"),
)
