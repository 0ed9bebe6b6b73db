"""The rep app: the cashier app's shell (status bar, dialogs, keypad, worker threads) with the rep's
screens and a row of big tabs under the status bar.

`tablet` (`adapters/tablet.py`, also reachable as `till` for the shared status bar and dialogs) is
the only door to business logic. `customer_key` is the customer the rep is with: the order, visit
and collection screens work for that customer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty

from terminal.runtime import settle_after_startup
from terminal.ui import i18n
from terminal.ui.app import BACKGROUND, KV_DIR, STATUS_INTERVAL_S, PosApp, _KeepSelling
from terminal.ui.fonts import register_cjk_font

REP_KV_DIR = Path(__file__).parent / "kv"
SHARED_KV = ("common.kv", "popups.kv", "app.kv")
REP_KV = ("rep.kv", "customers.kv", "order.kv", "visit.kv", "collection.kv", "orders.kv")
TABS = ("today", "customers", "order", "visit", "collection", "orders")
"""The tabs under the status bar, left to right (the screens of the same names)."""


class RepApp(PosApp):
    """One rep's tablet: signs in its own rep only, then Today."""

    tablet = ObjectProperty(None)
    customer_key = StringProperty("")
    customer_name = StringProperty("")
    current_tab = StringProperty("")
    person_key = StringProperty("rep_label")

    def __init__(self, tablet: Any, *, lang: str = i18n.DEFAULT_LANGUAGE, fit_window: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(tablet, lang=lang, fit_window=fit_window, **kwargs)
        self.tablet = tablet
        self.title = i18n.tr("rep_app_title")

    def build(self) -> Any:
        register_cjk_font()
        from kivy.base import ExceptionManager

        ExceptionManager.add_handler(_KeepSelling(self))
        Window.clearcolor = BACKGROUND
        if self.fit_window:
            from kivy.metrics import Metrics

            from terminal.ui.launch import density_for

            Metrics.density = density_for((int(Window.system_size[0]), int(Window.system_size[1])))
        from terminal.ui import widgets  # noqa: F401  (registers the shared widget classes)
        from terminal.ui.rep import screens
        from terminal.ui.screens import popups  # noqa: F401  (the shared dialogs)

        for name in SHARED_KV:
            Builder.load_file(str(KV_DIR / name))
        for name in REP_KV:
            Builder.load_file(str(REP_KV_DIR / name))
        root = Factory.RepRootView()
        self._screen_classes = {name: cls for cls, name in screens.SCREENS}
        root.ids.sm.add_widget(self._screen_classes["signin"](name="signin"))
        root.ids.sm.current = "signin"
        self.tablet.sync.start_background_sync(lambda: Clock.schedule_once(lambda _dt: self.refresh_status(), 0))
        Clock.schedule_interval(lambda _dt: self.refresh_status(), STATUS_INTERVAL_S)
        Clock.schedule_once(lambda _dt: self.refresh_status(), 0.5)
        Clock.schedule_once(lambda _dt: settle_after_startup(), 1.0)
        return root

    def set_language(self, lang: str) -> None:
        super().set_language(lang)
        self.title = i18n.tr("rep_app_title")
        current = self.manager.current_screen if self.root is not None else None
        if current is not None and hasattr(current, "refresh"):
            current.refresh()  # lists are drawn in Python: redraw them in the new language

    # ------------------------------------------------------------------ navigation

    def go(self, name: str) -> None:
        super().go(name)
        self.current_tab = name if name in TABS else ""

    def after_sign_in(self) -> None:
        user = self.tablet.signin.current_user()
        self.cashier = user.name if user else ""
        self.go("today")

    def with_customer(self, key: str, name: str, then: str = "") -> None:
        """The rep is now with this customer; open `then` (order, visit, collection) for them."""
        self.customer_key = key
        self.customer_name = name
        if then:
            self.go(then)

    def open_customer(self, key: str) -> None:
        """The customer card (from Today's route or a reminder)."""
        self.screen("customers").show(key)
        self.go("customers")

    def sign_out(self) -> None:
        self.customer_key = ""
        self.customer_name = ""
        super().sign_out()
        self.current_tab = ""

    def _start_scanner(self) -> None:
        """A tablet has no serial scanner: barcodes come from the camera or the search field."""

    def on_stop(self) -> None:
        self.tablet.close()
