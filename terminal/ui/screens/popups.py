"""Dialogs: manager approval, one-value entry, the numeric keypad, message, confirm, product search,
member, held sales, quarantined events. Each calls back into the screen that opened it; none holds business rules."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView
from kivy.uix.textinput import TextInput

from terminal.ui import format as fmt
from terminal.ui import i18n
from terminal.ui import keypad as pad
from terminal.ui.views import HeldView, MemberView, ProductHit, QuarantinedView

SEARCH_DELAY_S = 0.25


ENTER_KEYS = (13, 271)  # Enter, keypad Enter
ESCAPE_KEY = 27


class PosPopup(ModalView):  # type: ignore[misc]
    """A modal dialog whose first text field gets the keyboard when it opens; keys pressed while it
    is the top dialog go to `on_key` first."""

    def open(self, *args: Any, **kwargs: Any) -> None:
        """Keys reach the dialog from the moment it is opened (on_open comes only after the opening
        animation: an Enter or Esc pressed at once was lost)."""
        super().open(*args, **kwargs)
        Window.bind(on_key_down=self._key_down)
        self.opening()

    def opening(self) -> None:
        """Right when the dialog opens, before its animation (subclasses)."""

    def on_open(self) -> None:
        Clock.schedule_once(lambda _dt: self.focus_first(), 0)

    def on_dismiss(self) -> None:
        Window.unbind(on_key_down=self._key_down)

    def _key_down(self, _window: Any, key: int, *_args: Any) -> bool:
        top = next((c for c in Window.children if isinstance(c, ModalView)), None)
        return top is self and self.on_key(key)

    def on_key(self, key: int) -> bool:
        """A key pressed while this is the top dialog; True when handled (then nothing else sees it)."""
        return False

    def focus_first(self) -> None:
        """Subclasses with a text field override this."""

    def take_keyboard(self) -> None:
        """No text field behind this dialog keeps the keyboard: a scan made while a message is up
        must not ring an item up behind it, unseen (it did, under the "未找到商品" error)."""
        app = App.get_running_app()
        roots = [app.root, *[c for c in Window.children if isinstance(c, ModalView) and c is not self]]
        for root in roots:
            for widget in root.walk(restrict=True):
                if isinstance(widget, TextInput) and widget.focus:
                    widget.focus = False


class MessagePopup(PosPopup):
    """A message (an error, a refund done …); Enter or Esc closes it, as 确定 does."""

    title_text = StringProperty("")
    body = StringProperty("")

    def opening(self) -> None:
        self.take_keyboard()

    def on_key(self, key: int) -> bool:
        if key in ENTER_KEYS or key == ESCAPE_KEY:
            self.dismiss()
            return True
        return False


class ConfirmPopup(PosPopup):
    """A yes/no question; Esc = 否. (Enter does not answer it: a scanner's Enter could cancel a sale.)"""

    title_text = StringProperty("")
    body = StringProperty("")
    when_yes = ObjectProperty(None, allownone=True)

    def opening(self) -> None:
        self.take_keyboard()

    def on_key(self, key: int) -> bool:
        if key == ESCAPE_KEY:
            self.dismiss()
            return True
        return False

    def yes(self) -> None:
        self.dismiss()
        if self.when_yes is not None:
            self.when_yes()


class OthersShiftPopup(PosPopup):
    """Signed in on another cashier's open shift: 清点交班, 接班收银 (a manager approves), or sign out.
    No Esc: the cashier must choose."""

    body = StringProperty("")
    when_chosen = ObjectProperty(None, allownone=True)

    def opening(self) -> None:
        self.take_keyboard()

    def choose(self, choice: str) -> None:
        self.dismiss()
        if self.when_chosen is not None:
            self.when_chosen(choice)


class EntryPopup(PosPopup):
    """Ask for one value (with a keypad when numeric)."""

    prompt = StringProperty("")
    numeric = BooleanProperty(True)
    when_value = ObjectProperty(None, allownone=True)

    def focus_first(self) -> None:
        self.ids.entry.focus = True
        self.ids.entry.select_all()

    def submit(self) -> None:
        value = self.ids.entry.text
        self.dismiss()
        if self.when_value is not None:
            self.when_value(value)


class KeypadPopup(PosPopup):
    """The big on-screen keypad for a numeric field (0-9, 00, ., ←, 清除, 取消, 确定).

    Starts with the field's value, selected (the first digit replaces it); 确定 writes the value into
    `target` (its on_text handlers run as if typed) and closes. Its value field keeps the keyboard
    focus, so a keyboard (or a wedge scanner) still types into it, Enter = 确定. A serial scan goes
    past it to the screen or dialog below (`passes_scans`)."""

    title_text = StringProperty("")
    target = ObjectProperty(None, allownone=True)
    allow_dot = BooleanProperty(True)
    decimals = NumericProperty(2)
    leading_zeros = BooleanProperty(False)
    fresh = BooleanProperty(True)
    """The value is still the one loaded from the field (selected): the next digit starts anew."""
    passes_scans = True

    def on_open(self) -> None:
        display = self.ids.display
        display.text = self.target.text if self.target is not None else ""
        self.fresh = True
        super().on_open()

    def focus_first(self) -> None:
        display = self.ids.display
        display.focus = True
        if self.fresh:
            display.select_all()

    def key(self, key: str) -> None:
        display = self.ids.display
        replace = self.fresh and key not in (pad.BACKSPACE, pad.CLEAR)
        display.text = pad.press(display.text, key, allow_dot=self.allow_dot, decimals=int(self.decimals),
                                 replace=replace, leading_zeros=self.leading_zeros)
        self.fresh = False
        display.cancel_selection()
        display.cursor = display.get_cursor_from_index(len(display.text))
        display.focus = True

    def on_dismiss(self) -> None:
        super().on_dismiss()
        self.ids.display.focus = False  # (it never loses it to a touch: give the keyboard back)

    def key_button(self, key: str) -> Any:
        """The button of `key` (for the tests)."""
        return next(b for b in self.ids.pad_keys.children if b.key == key)

    def ok(self) -> None:
        value = self.ids.display.text.strip()
        if value.endswith(pad.DOT):
            value = value[:-1]
        self.dismiss()
        if self.target is not None:
            self.target.text = value


class ManagerPopup(PosPopup):
    """A manager types code + PIN; `when_approved(code, pin)` repeats the action with it."""

    action_text = StringProperty("")
    error_text = StringProperty("")
    """Why the last code and PIN were refused (shown above the fields; empty the first time)."""
    when_approved = ObjectProperty(None, allownone=True)
    when_cancelled = ObjectProperty(None, allownone=True)
    """Called when the manager's dialog is closed without an approval (取消)."""

    def focus_first(self) -> None:
        (self.ids.pin if self.ids.code.text else self.ids.code).focus = True

    def cancel(self) -> None:
        self.dismiss()
        if self.when_cancelled is not None:
            self.when_cancelled()

    def submit(self) -> None:
        code, pin = self.ids.code.text.strip(), self.ids.pin.text
        if not code or not pin:
            return
        self.dismiss()
        if self.when_approved is not None:
            self.when_approved(code, pin)


class SearchPopup(PosPopup):
    """Search by name, pinyin initials or SKU as the cashier types; tap a hit to add it."""

    when_picked = ObjectProperty(None, allownone=True)
    empty = BooleanProperty(False)
    _pending: Any = None

    def focus_first(self) -> None:
        self.ids.query.focus = True
        if self.ids.query.text:
            self.run_search()

    def typed(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = Clock.schedule_once(lambda _dt: self.run_search(), SEARCH_DELAY_S)

    def run_search(self) -> None:
        app = App.get_running_app()
        query = self.ids.query.text.strip()
        app.call(app.till.sale.search, query, on_ok=self.show) if query else self.show([])

    def show(self, hits: list[ProductHit]) -> None:
        box = self.ids.results
        box.clear_widgets()
        self.empty = bool(self.ids.query.text.strip()) and not hits
        for hit in hits:
            box.add_widget(Factory.RowButton(key=hit, text_left=hit.name, text_sub="",
                                             text_mid=f"{hit.sku}  {hit.unit_name}",
                                             text_right=fmt.money(hit.price_fen), on_release=self.pick))

    def pick(self, row: Any) -> None:
        self.dismiss()
        if self.when_picked is not None:
            self.when_picked(row.key)

    def submit(self) -> None:
        box = self.ids.results
        if len(box.children) == 1:
            self.pick(box.children[0])
        else:
            self.run_search()


class MemberPopup(PosPopup):
    """Find a member by card, phone or QR; attach, detach, or create one at the till."""

    when_changed = ObjectProperty(None, allownone=True)
    found = ObjectProperty(None, allownone=True, rebind=True)
    attached = ObjectProperty(None, allownone=True, rebind=True)
    creating = BooleanProperty(False)
    not_found = BooleanProperty(False)

    def focus_first(self) -> None:
        (self.ids.new_phone if self.creating else self.ids.query).focus = True

    def scanned(self, code: str) -> None:
        """A member card or member QR scanned while the dialog is open."""
        if not self.creating:
            self.ids.query.text = code
            self.find()

    def show_member(self, member: MemberView | None) -> None:
        self.attached = member
        self.found = member

    _found_for = ""
    """The search text that found `found` (Enter on the same text again attaches that member)."""

    def enter(self) -> None:
        """Enter in the search field: find; Enter again on the member just found: use it, as a
        keyboard-only cashier expects (Enter twice: card number, then 使用此会员)."""
        query = self.ids.query.text.strip()
        if self.found is not None and query and query == self._found_for and self.found != self.attached:
            self.attach()
        else:
            self.find()

    def find(self) -> None:
        app = App.get_running_app()
        query = self.ids.query.text.strip()
        if not query:
            return

        def shown(member: MemberView | None) -> None:
            self.found = member
            self.not_found = member is None
            self._found_for = query if member is not None else ""

        def listed(members: list[MemberView]) -> None:
            if len(members) == 1:
                shown(members[0])
                return
            # several phones end with the four digits typed: the cashier picks the customer
            choice = Factory.MemberChoicePopup(when_picked=shown)
            choice.show(members)
            app.open_popup(choice)

        app.call(app.till.members.find_members, query, on_ok=listed)

    def attach(self) -> None:
        app = App.get_running_app()
        if self.found is None:
            return
        app.call(app.till.members.attach_member, self.found.id, on_ok=self._changed)

    def detach(self) -> None:
        app = App.get_running_app()
        app.call(app.till.members.detach_member, on_ok=self._changed)

    def start_create(self) -> None:
        self.creating = True
        self.ids.new_phone.text = self.ids.query.text if self.ids.query.text.strip().isdigit() else ""
        Clock.schedule_once(lambda _dt: self.focus_first(), 0)

    def create(self) -> None:
        app = App.get_running_app()

        def created(member: MemberView) -> None:
            app.notify(i18n.tr("member_created", card=member.card_no))
            self.creating = False
            self.found = member
            self.attach()

        app.call(app.till.members.create_member, self.ids.new_phone.text.strip(), self.ids.new_name.text.strip(),
                 self.ids.new_card.text.strip(), on_ok=created)

    def _changed(self, cart: Any) -> None:
        self.dismiss()
        if self.when_changed is not None:
            self.when_changed(cart)


class HeldPopup(PosPopup):
    when_picked = ObjectProperty(None, allownone=True)
    empty = BooleanProperty(False)

    def show(self, held: list[HeldView]) -> None:
        self.empty = not held
        box = self.ids.rows
        box.clear_widgets()
        for item in held:
            # when, how many lines, how much: in the cashier's language (the service's label once
            # said "挂单 2 件", counting lines as 件; HeldCart.label / label_en now say 行 / lines)
            box.add_widget(Factory.RowButton(
                key=item, text_left=i18n.tr("held_at", time=item.time_text),
                text_mid=i18n.tr("held_lines", n=item.line_count), text_right=fmt.money(item.total_fen),
                on_release=self.pick))

    def pick(self, row: Any) -> None:
        self.dismiss()
        if self.when_picked is not None:
            self.when_picked(row.key)


class MemberChoicePopup(PosPopup):
    """Members whose phone ends with the four digits typed: name, phone (masked), card, level."""

    when_picked = ObjectProperty(None, allownone=True)

    def show(self, members: list[MemberView]) -> None:
        box = self.ids.rows
        box.clear_widgets()
        for member in members:
            box.add_widget(Factory.RowButton(
                key=member, text_left=member.name or member.card_no, text_mid=member.phone,
                text_sub=f"{member.card_no}  {member.level}", sub_color=(0.35, 0.38, 0.42, 1),
                text_right=f"{i18n.tr('member_points')} {member.points}", hints=[0.4, 0.35, 0.25],
                on_release=self.pick))

    def pick(self, row: Any) -> None:
        self.dismiss()
        if self.when_picked is not None:
            self.when_picked(row.key)


class QuarantinePopup(PosPopup):
    empty = BooleanProperty(False)

    def show(self, events: list[QuarantinedView]) -> None:
        self.empty = not events
        box = self.ids.rows
        box.clear_widgets()
        for event in events:
            box.add_widget(Factory.RowButton(key=event.event_id, text_left=event.type,
                                             text_sub=event.reason, text_mid="",
                                             text_right=event.event_id[-8:]))


