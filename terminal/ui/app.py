"""The cashier app: one window with a status bar on top and a screen manager below.

The app object is the only place screens reach shared things: the till's area adapters (`till`),
the active language, the status-bar figures and the error/approval dialogs. Work that may block
(sync now, printing) runs on a thread and comes back to the UI thread via `Clock.schedule_once`.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from terminal.runtime import settle_after_startup
from terminal.ui import format as fmt
from terminal.ui import i18n
from terminal.ui.adapters.approval import NeedsApproval
from terminal.ui.adapters.till import Till
from terminal.ui.fonts import register_cjk_font
from terminal.ui.views import PrintOutcome

T = TypeVar("T")

KV_DIR = Path(__file__).parent / "kv"
KV_FILES = ("common.kv", "popups.kv", "app.kv", "signin.kv", "shift.kv", "sale.kv", "payment.kv",
            "returns.kv")
BACKGROUND = (0.94, 0.95, 0.97, 1)
STATUS_INTERVAL_S = 2.0
APPROVAL_REFUSED = frozenset({"bad_credentials", "not_manager", "wrong_store", "manager_pin_too_short", "pin_locked_out"})
"""Why a manager's code and PIN were not accepted (`terminal.session`): the approval dialog is shown
again with the reason, instead of dropping the action the cashier had started."""


class _KeepSelling(ExceptionHandler):  # type: ignore[misc]
    """A bug in a screen must not close the till: show it, keep the app (and the cart) alive.

    Every committed sale is already in the database, so carrying on is safe; the error is kept in
    `PosApp.unhandled` (the UI tests fail on any) and printed with its traceback for the log."""

    def __init__(self, app: PosApp) -> None:
        super().__init__()
        self.app = app

    def handle_exception(self, exception: BaseException) -> Any:
        if isinstance(exception, KeyboardInterrupt | SystemExit):
            return ExceptionManager.RAISE
        traceback.print_exception(exception)
        self.app.unhandled.append(exception)
        try:
            self.app.message(i18n.tr("unexpected_error", error=i18n.error_text(exception)),
                             title=i18n.tr("error"))
        except Exception:  # the dialog itself failed: the log has it
            pass
        return ExceptionManager.PASS


class PosApp(App):  # type: ignore[misc]
    """Kivy application object; `till` (one adapter per area: `till.sale`, `till.payment` …) is the
    only door to business logic."""

    lang = StringProperty(i18n.DEFAULT_LANGUAGE)
    cashier = StringProperty("")
    person_key = StringProperty("cashier_label")
    """How the status bar names who is signed in (收银员 on a till; the rep app says 业务员)."""
    is_manager = BooleanProperty(False)
    online = BooleanProperty(False)
    pending = NumericProperty(0)
    quarantined = NumericProperty(0)
    syncing = BooleanProperty(False)
    last_sync = StringProperty("")
    terminal_label = StringProperty("")
    toast = StringProperty("")
    printing = BooleanProperty(False)
    till = ObjectProperty(None)

    def __init__(self, till: Till, *, lang: str = i18n.DEFAULT_LANGUAGE, fit_window: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.till = till
        self.fit_window = fit_window
        """Full screen: scale dp/sp to the panel's real size (known only once the window exists)."""
        i18n.set_language(lang)
        self.lang = lang
        self.title = i18n.tr("app_title")
        self._popups: list[Any] = []
        self._toast_event: Any = None
        self._scanner: Any = None
        self.unhandled: list[BaseException] = []
        self._screen_classes: dict[str, Any] = {}

    # ------------------------------------------------------------------ building

    def build(self) -> Any:
        register_cjk_font()
        ExceptionManager.add_handler(_KeepSelling(self))
        Window.clearcolor = BACKGROUND
        if self.fit_window:  # before any widget is built: dp() is read when the rules apply
            from kivy.metrics import Metrics

            from terminal.ui.launch import density_for

            Metrics.density = density_for((int(Window.system_size[0]), int(Window.system_size[1])))
        from terminal.ui import screens, widgets  # noqa: F401  (registers the widget classes with Factory)

        for name in KV_FILES:
            Builder.load_file(str(KV_DIR / name))
        root = Factory.RootView()
        self._screen_classes = {name: cls for cls, name in screens.SCREENS}
        root.ids.sm.add_widget(self._screen_classes["signin"](name="signin"))
        root.ids.sm.current = "signin"  # the other screens are built when first shown (faster start)
        self.till.sync.start_background_sync(
            lambda: Clock.schedule_once(lambda _dt: self.refresh_status(), 0))
        Clock.schedule_interval(lambda _dt: self.refresh_status(), STATUS_INTERVAL_S)
        Clock.schedule_once(lambda _dt: self.refresh_status(), 0.5)  # after the first frame
        # once started (the cashier is on the sign-in screen): collect, then freeze what lives for the
        # whole day so full collections stop landing on scans and sales (terminal/runtime.py)
        Clock.schedule_once(lambda _dt: settle_after_startup(), 1.0)
        Clock.schedule_once(lambda _dt: self._settle_code_payments(), 0.6)
        self._start_scanner()
        return root

    def _settle_code_payments(self) -> None:
        """付款码 charges the till left unsettled when it stopped are settled before the first sale."""

        def settled(count: int) -> None:
            if count:
                self.notify(i18n.tr("code_settled", count=count))

        self.call(self.till.settle_open_charges, on_ok=settled)

    def _start_scanner(self) -> None:
        port = self.till.devices.scanner_port()
        if not port:
            return
        from terminal.ui.scanner import SerialScannerThread

        self._scanner = SerialScannerThread(
            port, lambda code: Clock.schedule_once(lambda _dt: self.scanned(code), 0),
            lambda exc: Clock.schedule_once(lambda _dt: self.notify(i18n.error_text(exc)), 0)).start()

    def scanned(self, code: str) -> None:
        """A code from the serial scanner: it goes where the cashier is (cart, payment code, receipt,
        member card), as if typed into that screen's scan field."""
        popups = [p for p in self._popups if not getattr(p, "passes_scans", False)]
        if popups:  # (the keypad lets scans through to what is below it)
            target = popups[-1]
            if hasattr(target, "scanned"):
                target.scanned(code)
            return
        current = self.manager.current_screen
        if hasattr(current, "scanned"):
            current.scanned(code)

    def on_stop(self) -> None:
        if self._scanner is not None:
            self._scanner.stop()
        self.till.close()

    # ------------------------------------------------------------------ text

    def t(self, key: str, *_depends_on: Any, **params: Any) -> str:
        """Translated text; kv passes `app.lang` as an extra argument so labels update on switch."""
        return i18n.tr(key, **params)

    def money(self, fen: int | None, *_depends_on: Any) -> str:
        return "" if fen is None else fmt.money(fen)

    def set_language(self, lang: str) -> None:
        i18n.set_language(lang)
        self.lang = lang
        self.title = i18n.tr("app_title")
        self.refresh_status()
        if self.root is not None and self.manager.has_screen("sale") and self.till.signin.current_user():
            # the cart's lines are drawn from the adapter (product names follow the language)
            self.screen("sale").refresh()

    def toggle_language(self) -> None:
        self.set_language("en" if self.lang == "zh_CN" else "zh_CN")

    # ------------------------------------------------------------------ navigation

    @property
    def manager(self) -> Any:
        return self.root.ids.sm

    def go(self, name: str) -> None:
        self.screen(name)
        self.manager.current = name

    def screen(self, name: str) -> Any:
        """The screen called `name`, built on first use."""
        if not self.manager.has_screen(name):
            self.manager.add_widget(self._screen_classes[name](name=name))
        return self.manager.get_screen(name)

    def after_sign_in(self) -> None:
        """Where a cashier lands: the sale screen with an open shift, otherwise shift opening."""
        user = self.till.signin.current_user()
        self.cashier = user.name if user else ""
        self.is_manager = bool(user and user.is_manager)
        self.go("sale" if self.till.shift.current_shift_id() else "shift_open")
        self.offer_unprinted()
        self.ask_about_others_shift()

    def ask_about_others_shift(self) -> None:
        """A cashier signed in on a shift another cashier opened and did not close (交接班 skipped):
        count the drawer and close it, sell on in it with a manager's approval, or sign out."""
        others = self.till.shift.others_shift()
        if others is None:
            return

        def chosen(choice: str) -> None:
            if choice == "close":
                self.go("shift_close")
            elif choice == "continue":  # a manager approves; closing their dialog asks again
                self.call(self.till.shift.take_over_shift, on_error=self._others_shift_refused,
                          on_cancel=lambda: Clock.schedule_once(lambda _dt: self.ask_about_others_shift(), 0.3))
            else:
                self.sign_out()

        body = i18n.tr("others_shift_body", cashier=others.cashier, opened=others.opened_text)
        self.open_popup(Factory.OthersShiftPopup(body=body, when_chosen=chosen))

    def _others_shift_refused(self, exc: Exception) -> bool:
        """A wrong manager PIN (or no approval) leaves the question open."""
        self.error(exc)
        Clock.schedule_once(lambda _dt: self.ask_about_others_shift(), 0.3)
        return True

    def lock(self) -> None:
        if not self.till.signin.current_user():
            return
        self.till.signin.lock()
        self.screen("signin").locked = True
        self.go("signin")

    def sign_out(self) -> None:
        self.till.signin.sign_out()
        self.cashier = ""
        self.is_manager = False
        self.screen("signin").locked = False
        self.go("signin")

    def offer_unprinted(self) -> None:
        """After a crash between commit and print, offer to print the sale that never printed."""
        receipt_no = self.till.devices.unprinted_receipt()
        if receipt_no:
            self.confirm(i18n.tr("unprinted_hint", no=receipt_no), lambda: self.reprint(receipt_no),
                         title=i18n.tr("unprinted_title"))

    # ------------------------------------------------------------------ printing

    def print_job(self, job: Callable[[], PrintOutcome], on_done: Callable[[PrintOutcome], None]) -> None:
        """Run a print job on a worker thread (printers can be slow or absent); report on the UI thread."""
        self.printing = True

        def finished(outcome: PrintOutcome) -> None:
            self.printing = False
            on_done(outcome)
            self.refresh_status()

        def failed(exc: BaseException) -> None:
            self.printing = False
            on_done(PrintOutcome(ok=False, error=i18n.error_text(exc)))

        self.in_background(job, finished, failed)

    def reprint(self, receipt_no: str | None) -> None:
        """Reprint a receipt (marked 重印): the last one when `receipt_no` is empty."""

        def printed(outcome: PrintOutcome, sale_id: str) -> None:
            no = self.till.devices.receipt_no_of(sale_id)
            self.notify(i18n.tr("reprinted", no=no) if outcome.ok
                        else i18n.tr("print_failed", error=outcome.error))

        def found(sale_id: str) -> None:
            self.print_job(lambda: self.till.devices.print_sale(sale_id), lambda o: printed(o, sale_id))

        self.call(self.till.devices.reprint, receipt_no, on_ok=found)

    # ------------------------------------------------------------------ status bar

    def refresh_status(self) -> None:
        try:
            status = self.till.sync.status()
        except Exception as exc:  # the status bar must never take the till down
            self.online = False
            self.last_sync = i18n.error_text(exc)
            return
        self.online = status.online
        self.pending = status.pending
        self.quarantined = status.quarantined
        self.terminal_label = status.terminal_label
        self.last_sync = status.error or status.last_sync_text or i18n.tr("never_synced")

    def show_status_text(self) -> None:
        """The status bar's message in full (it may not fit the bar on a small screen)."""
        text = self.toast or self.last_sync
        if text:
            self.message(text, title=i18n.tr("sync_status"))

    def sync_now(self) -> None:
        if self.syncing:
            return
        self.syncing = True

        def done(_result: object) -> None:
            self.syncing = False
            self.refresh_status()
            self.notify(i18n.tr("sync_done"))

        def failed(exc: BaseException) -> None:
            self.syncing = False
            self.refresh_status()
            self.notify(i18n.tr("sync_failed", error=i18n.error_text(exc)))

        self.in_background(self.till.sync.sync_now, done, failed)

    def show_quarantine(self) -> None:
        """The quarantine list, once a manager has typed their PIN (or is the one signed in)."""

        def show(events: list[Any]) -> None:
            popup = Factory.QuarantinePopup()
            popup.show(events)
            self.open_popup(popup)

        self.call(self.till.sync.quarantined_events, on_ok=show)

    # ------------------------------------------------------------------ calling services

    def in_background(self, work: Callable[[], T], on_done: Callable[[T], None],
                      on_error: Callable[[BaseException], None]) -> threading.Thread:
        """Run `work` on a thread; its result or error comes back on the UI thread."""

        def runner() -> None:
            try:
                result = work()
            except BaseException as exc:  # delivered to the UI, which shows it
                Clock.schedule_once(lambda _dt, e=exc: on_error(e), 0)
                return
            Clock.schedule_once(lambda _dt: on_done(result), 0)

        thread = threading.Thread(target=runner, name="pos-ui-worker", daemon=True)
        thread.start()
        return thread

    def call(self, fn: Callable[..., T], *args: Any, on_ok: Callable[[T], None] | None = None,
             approval: tuple[str, str] | None = None,
             on_error: Callable[[Exception], bool] | None = None,
             on_cancel: Callable[[], None] | None = None, **kwargs: Any) -> None:
        """Call a service; show its error in the cashier's language (unless `on_error` takes it and
        returns True); ask for a manager when needed.

        When the service says an action needs a manager (`NeedsApproval`), a manager enters their
        code and PIN and the same call is repeated with that approval; `on_cancel` runs when the
        manager's dialog is closed instead.
        """
        try:
            if approval is not None:
                kwargs["approval"] = approval
            result = fn(*args, **kwargs)
        except NeedsApproval as need:
            kwargs.pop("approval", None)
            self._ask_approval(i18n.error_text(need), fn, args, kwargs, on_ok, on_error, on_cancel=on_cancel)
            return
        except Exception as exc:
            if on_error is None or not on_error(exc):
                self.error(exc)
            return
        if on_ok is not None:
            on_ok(result)
        self.refresh_status()

    def _ask_approval(self, action_text: str, fn: Callable[..., Any], args: tuple[Any, ...],
                      kwargs: dict[str, Any], on_ok: Callable[[Any], None] | None,
                      on_error: Callable[[Exception], bool] | None, *, error: str = "", code: str = "",
                      on_cancel: Callable[[], None] | None = None) -> None:
        """The manager-approval dialog; on approval the call is repeated with it. A wrong code or PIN
        brings the dialog back saying why (code kept, PIN cleared), so the action is not lost."""

        def retry(manager_code: str, pin: str) -> None:
            def refused(exc: Exception) -> bool:
                if getattr(exc, "code", "") in APPROVAL_REFUSED:
                    self._ask_approval(action_text, fn, args, kwargs, on_ok, on_error,
                                       error=i18n.error_text(exc), code=manager_code, on_cancel=on_cancel)
                    return True
                return on_error(exc) if on_error is not None else False

            self.call(fn, *args, on_ok=on_ok, approval=(manager_code, pin), on_error=refused,
                      on_cancel=on_cancel, **kwargs)

        popup = Factory.ManagerPopup(action_text=action_text, error_text=error, when_approved=retry,
                                     when_cancelled=on_cancel)
        popup.ids.code.text = code
        self.open_popup(popup)

    # ------------------------------------------------------------------ dialogs

    def open_keypad(self, field: Any, title: str = "", *, decimals: int = 2, leading_zeros: bool = False) -> Any:
        """The on-screen keypad for a numeric text field (touch screens without a keyboard); 确定
        writes into `field`. A dot only when the field takes decimals (input_filter 'float')."""
        popup = Factory.KeypadPopup(target=field, title_text=title, allow_dot=field.input_filter == "float",
                                    decimals=decimals, leading_zeros=leading_zeros)
        self.open_popup(popup)
        return popup

    def open_popup(self, popup: Any) -> None:
        self._popups.append(popup)
        popup.bind(on_dismiss=self._forget_popup)
        popup.open()

    def _forget_popup(self, popup: Any) -> None:
        if popup in self._popups:
            self._popups.remove(popup)
        Clock.schedule_once(lambda _dt: self._refocus(), 0.05)

    def _refocus(self) -> None:
        current = self.manager.current_screen
        if hasattr(current, "refocus"):
            current.refocus()

    @property
    def popup_open(self) -> bool:
        return bool(self._popups)

    def error(self, exc: BaseException) -> None:
        if not hasattr(exc, "message"):
            # not a message written for the cashier (a bug, a broken database …): say so, instead of
            # showing e.g. "no such column: rowid" as if the cashier had done something wrong
            traceback.print_exception(exc)
            self.message(i18n.tr("unexpected_error", error=i18n.error_text(exc)), title=i18n.tr("error"))
            return
        self.message(i18n.error_text(exc), title=i18n.tr("error"))

    def message(self, text: str, *, title: str = "") -> None:
        self.open_popup(Factory.MessagePopup(title_text=title or i18n.tr("app_title"), body=text))

    def confirm(self, text: str, when_yes: Callable[[], None], *, title: str = "") -> None:
        self.open_popup(Factory.ConfirmPopup(title_text=title or i18n.tr("confirm"), body=text,
                                             when_yes=when_yes))

    def ask(self, prompt: str, when_value: Callable[[str], None], *, numeric: bool = True,
            initial: str = "") -> None:
        """Ask one value (quantity, price, discount …) with a keypad."""
        popup = Factory.EntryPopup(prompt=prompt, when_value=when_value, numeric=numeric)
        popup.ids.entry.text = initial
        self.open_popup(popup)

    def notify(self, text: str) -> None:
        """A short message in the status bar that fades after a few seconds."""
        self.toast = text
        if self._toast_event is not None:
            self._toast_event.cancel()
        self._toast_event = Clock.schedule_once(lambda _dt: setattr(self, "toast", ""), 5)
