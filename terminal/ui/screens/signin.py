"""Sign-in and lock screen: cashier code + PIN on a big keypad."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from terminal.ui import i18n


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
        app.call(fn, code, pin, on_ok=ok, on_error=lambda exc: self._locked_out(exc, code))

    def _locked_out(self, exc: Exception, code: str) -> bool:
        """Too many wrong PINs: the manager's dialog opens at once to unlock this user."""
        if getattr(exc, "code", "") != "pin_locked_out":
            return False
        self.ask_manager_unlock(code, i18n.error_text(exc))
        return True

    def ask_manager_unlock(self, code: str, reason: str, error: str = "", manager_code: str = "") -> None:
        """The manager's code and PIN unlock `code`; a wrong one brings the dialog back saying why."""
        from terminal.ui.app import APPROVAL_REFUSED

        app = App.get_running_app()

        def unlocked(_user: object) -> None:
            app.notify(i18n.tr("pin_unlocked", code=code))
            self.ids.code.text = code
            self.ids.pin.text = ""
            Clock.schedule_once(lambda _dt: self.refocus(), 0.1)

        def approved(typed_code: str, typed_pin: str) -> None:
            def refused(exc: Exception) -> bool:
                if getattr(exc, "code", "") in APPROVAL_REFUSED:
                    self.ask_manager_unlock(code, reason, i18n.error_text(exc), typed_code)
                    return True
                return False

            app.call(app.till.signin.unlock_user, code, typed_code, typed_pin, on_ok=unlocked, on_error=refused)

        popup = Factory.ManagerPopup(action_text=reason, error_text=error, when_approved=approved)
        popup.ids.code.text = manager_code
        app.open_popup(popup)

    def switch_cashier(self) -> None:
        App.get_running_app().sign_out()
        self.on_enter()
