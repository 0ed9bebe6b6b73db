"""Sign-in and lock screen: cashier code + PIN on a big keypad."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen


class SignInScreen(Screen):  # type: ignore[misc]
    """Signs a cashier in; when `locked`, only the same cashier (or a manager) unlocks."""

    locked = BooleanProperty(False)
    hint = StringProperty("")

    def on_enter(self, *_args: Any) -> None:
        self.ids.pin.text = ""
        if self.locked:
            user = App.get_running_app().till.signin.current_user()
            self.ids.code.text = user.code if user else ""
        else:
            self.ids.code.text = ""
        self.hint = "" if App.get_running_app().till.signin.has_users() else "no_users_hint"
        Clock.schedule_once(lambda _dt: self.refocus(), 0)

    def refocus(self) -> None:
        target = self.ids.pin if self.ids.code.text else self.ids.code
        target.focus = True
        self.ids.pad.target = target

    def field_focused(self, field: Any, focused: bool) -> None:
        if focused:
            self.ids.pad.target = field

    def submit(self) -> None:
        app = App.get_running_app()
        code, pin = self.ids.code.text.strip(), self.ids.pin.text
        if not code:
            self.ids.code.focus = True
            return
        if not pin:
            self.ids.pin.focus = True
            return
        fn = app.till.signin.unlock if self.locked else app.till.signin.sign_in

        def ok(_user: object) -> None:
            self.locked = False
            self.ids.pin.text = ""
            app.after_sign_in()

        self.ids.pin.text = ""
        app.call(fn, code, pin, on_ok=ok)

    def switch_cashier(self) -> None:
        App.get_running_app().sign_out()
        self.on_enter()
