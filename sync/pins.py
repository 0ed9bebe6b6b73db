"""What a PIN may be, for central (where PINs are set) and the till (where they are typed).

A PIN is 4–8 digits. A manager's PIN approves refunds, price overrides and no-sale drawer
openings and unlocks locked-out cashiers, so it must be harder to guess: at least 6 digits
(a million combinations instead of ten thousand). Central refuses to set a shorter one for a
manager role; the till refuses a manager's PIN shorter than that before even checking it (a PIN
set before the rule existed must be replaced at head office).
"""

from __future__ import annotations

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
MANAGER_PIN_MIN_DIGITS = 6
MANAGER_ROLES = frozenset({"store_manager", "admin"})
"""Roles whose PIN approves what a cashier may not do alone (the till's managers)."""


def pin_problem(pin: str, role: str) -> tuple[str, str] | None:
    """Why `pin` cannot be the PIN of a user with `role` (zh-CN, English), or None when it can."""
    if not (pin.isascii() and pin.isdigit() and PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS):
        return (f"PIN 须为 {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} 位数字",
                f"the PIN is {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} digits")
    if role in MANAGER_ROLES and len(pin) < MANAGER_PIN_MIN_DIGITS:
        return (f"店长和管理员的 PIN 至少 {MANAGER_PIN_MIN_DIGITS} 位数字",
                f"a manager's or admin's PIN needs at least {MANAGER_PIN_MIN_DIGITS} digits")
    return None
