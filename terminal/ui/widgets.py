"""Reusable touch widgets: big flat buttons, a numeric keypad, the keypad button, a selectable list row.

Behaviour only; their look lives in `kv/common.kv`.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput

PALETTE: dict[str, tuple[float, float, float, float]] = {
    "default": (0.89, 0.91, 0.94, 1),
    "primary": (0.12, 0.44, 0.85, 1),
    "success": (0.10, 0.62, 0.30, 1),
    "danger": (0.82, 0.22, 0.20, 1),
    "warning": (0.93, 0.55, 0.10, 1),
    "dark": (0.20, 0.24, 0.30, 1),
}


class PosButton(Button):  # type: ignore[misc]
    """A flat button at least 56 dp high (fingers, not mouse pointers)."""

    kind = OptionProperty("default", options=list(PALETTE))
    base_color = ColorProperty(PALETTE["default"])

    def on_kind(self, _instance: Any, value: str) -> None:
        self.base_color = PALETTE[value]


class GuardedButton(PosButton):
    """A button that is disabled (greyed, its action not run) until what it needs is there, and that
    says why when tapped while disabled: `on_blocked` is fired instead of nothing happening (a new
    cashier tapping a grey button learns what to do first)."""

    __events__ = ("on_blocked",)

    def on_touch_down(self, touch: Any) -> bool:
        if self.disabled and self.collide_point(*touch.pos):
            self.dispatch("on_blocked")
            return True
        return bool(super().on_touch_down(touch))

    def on_blocked(self) -> None:
        """Handlers are bound in kv (`on_blocked: root.explain()`)."""


class PosLabel(Label):  # type: ignore[misc]
    """Dark text on the light background, wrapping inside its width."""


class PosInput(TextInput):  # type: ignore[misc]
    """A one-line text field with large text."""


class NumPad(GridLayout):  # type: ignore[misc]
    """A 4×3 keypad typing into `target` (a TextInput), for touch screens without a keyboard."""

    target = ObjectProperty(None, allownone=True)
    allow_dot = BooleanProperty(True)

    def press(self, key: str) -> None:
        field = self.target
        if field is None:
            return
        if key == "←":
            field.do_backspace()
        elif key == "C":
            field.text = ""
        elif key == "." and not self.allow_dot:
            return
        else:
            field.insert_text(key)


class TapLabel(ButtonBehavior, Label):  # type: ignore[misc]
    """A label that can be tapped (the status bar's message: the whole text in a dialog)."""


class RowButton(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    """A tappable row in a list (cart line, search hit, held sale); highlighted when selected."""

    selected = BooleanProperty(False)
    key = ObjectProperty(None, allownone=True)
    text_left = StringProperty("")
    text_sub = StringProperty("")
    text_mid = StringProperty("")
    text_right = StringProperty("")
    hints = ListProperty([0.5, 0.3, 0.2])
    """Width shares of the left, middle and right texts."""
    sub_color = ColorProperty((0.85, 0.33, 0.10, 1))
    """The second line's colour (orange: promotions)."""
    row_height = NumericProperty(0)
    """A fixed height (0: taller with a second line). The member row keeps one height whether a
    member is attached or not, so the buttons below it stay where the cashier's finger expects them."""


class TenderButton(PosButton):
    """A payment-method button on the payment screen, highlighted while its tender is the chosen one.

    `screen` rebinds, so the highlight follows `screen.tender` (a kv dynamic class bound only to the
    screen it had when built, which was none: 现金 stayed highlighted whatever the cashier chose)."""

    tender = StringProperty("")
    screen = ObjectProperty(None, allownone=True, rebind=True)


class KeypadButton(PosButton):
    """The "123" button beside a numeric field: opens the big on-screen keypad
    (`screens/popups.KeypadPopup`) that writes into `target`. Typing on a keyboard keeps working."""

    target = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    """What the keypad asks for (shown above its value)."""
    decimals = NumericProperty(2)
    """Digits after the dot (used only when the field takes a decimal: input_filter 'float')."""
    leading_zeros = BooleanProperty(False)
    """Keep leading zeros (codes, phone numbers)."""

    def on_release(self) -> None:
        from kivy.app import App

        if self.target is not None:
            App.get_running_app().open_keypad(self.target, self.title, decimals=self.decimals,
                                              leading_zeros=self.leading_zeros)
