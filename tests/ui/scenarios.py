"""UI scenarios the harness runs inside the real app (one per test process)."""

from __future__ import annotations

from tests.ui.harness import Driver, Step
from tests.ui.terminal_data import CASHIER


def sign_in(d: Driver) -> Step:
    d.check(d.app.manager.current == "signin", "the app opens on the sign-in screen")
    yield from d.shot("signin")
    yield d.tap(d.w("signin", "code"))
    yield d.type(CASHIER[0], enter=True)
    yield d.type(CASHIER[1], enter=True)
    yield 0.3


def smoke(d: Driver) -> Step:
    yield from sign_in(d)
    d.check(d.app.manager.current == "shift_open", f"after sign-in: {d.app.manager.current}")
    yield from d.shot("shift_open")


def open_shift(d: Driver, float_yuan: str = "500") -> Step:
    d.check(d.app.manager.current == "shift_open", f"expected shift opening, on {d.app.manager.current}")
    yield d.type(float_yuan, enter=True)
    yield 0.3
    d.check(d.app.manager.current == "sale", f"after opening the shift: {d.app.manager.current}")


def scan(d: Driver, code: str) -> Step:
    """A keyboard-wedge scanner: digits then Enter into the focused scan field."""
    d.check(d.w("sale", "scan").focus, "the scan field has the keyboard focus")
    yield d.type(code, enter=True)
    yield 0.1


def sale_screen(d: Driver) -> Step:
    from tests.ui import terminal_data as td

    yield from sign_in(d)
    yield from open_shift(d)
    for code in (td.COLA_PC, td.COLA_PC, td.WATER, td.WATER, td.WATER, td.BREAD, td.COLA_BOX):
        yield from scan(d, code)
    yield from d.shot("sale")


def debug_cart(d: Driver) -> Step:
    from tests.ui import terminal_data as td

    yield from sign_in(d)
    yield from open_shift(d)
    yield from scan(d, td.COLA_PC)
    s = d.screen("sale")
    print("CART", s.cart.total_fen, s.ids.total.text, s.ids.pay.text)
