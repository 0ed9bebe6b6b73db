"""What a key of the on-screen numeric keypad does to the value being typed (no Kivy: tested alone).

The keypad (`screens/popups.KeypadPopup`, opened by a `KeypadButton` beside a field) is for tills
with a touch screen and no keyboard, as on Square or Shopify POS: 0-9, 00, ., ← (backspace),
清除 (clear), 确定 (OK). The value it shows starts as the field's value, selected: the first digit
replaces it, ← edits it.
"""

from __future__ import annotations

DIGITS = frozenset("0123456789")
BACKSPACE = "←"
CLEAR = "C"
DOUBLE_ZERO = "00"
DOT = "."
MAX_CHARS = 12
"""Longest value the keypad builds (a phone number is 11 digits)."""


def press(text: str, key: str, *, allow_dot: bool = True, decimals: int = 2, replace: bool = False,
          leading_zeros: bool = False) -> str:
    """The value after pressing `key` on `text`.

    `replace`: the value was just loaded from the field (selected), so a digit, 00 or . starts a
    new value. `decimals`: digits allowed after the dot (2 for yuan, 3 for kilograms).
    `leading_zeros`: keep them (codes and phone numbers), else "0" then "5" gives "5".
    """
    if key == CLEAR:
        return ""
    if key == BACKSPACE:
        return text[:-1]
    if replace:
        text = ""
    if key == DOT:
        if not allow_dot or DOT in text or decimals <= 0:
            return text
        return (text or "0") + DOT
    if key == DOUBLE_ZERO:
        if not text or (text == "0" and not leading_zeros):
            return text or ("00" if leading_zeros else "0")
        for _ in range(2):
            text = press(text, "0", allow_dot=allow_dot, decimals=decimals, leading_zeros=leading_zeros)
        return text
    if key in DIGITS and len(key) == 1:
        if len(text) >= MAX_CHARS:
            return text
        if DOT in text and len(text.split(DOT, 1)[1]) >= decimals:
            return text
        if text == "0" and not leading_zeros:
            return key
        return text + key
    return text
