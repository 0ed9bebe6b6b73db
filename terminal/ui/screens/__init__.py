"""The app's screens (one module per screen family) and the dialogs they open."""

from __future__ import annotations

from typing import Any

from terminal.ui.screens import popups  # noqa: F401  (registers popup classes for the .kv rules)
from terminal.ui.screens.payment import DoneScreen, PaymentScreen
from terminal.ui.screens.returns import ReturnsScreen
from terminal.ui.screens.sale import SaleScreen
from terminal.ui.screens.shift import ShiftCloseScreen, ShiftOpenScreen
from terminal.ui.screens.signin import SignInScreen

SCREENS: tuple[tuple[Any, str], ...] = (
    (SignInScreen, "signin"),
    (ShiftOpenScreen, "shift_open"),
    (SaleScreen, "sale"),
    (PaymentScreen, "payment"),
    (DoneScreen, "done"),
    (ReturnsScreen, "returns"),
    (ShiftCloseScreen, "shift_close"),
)
