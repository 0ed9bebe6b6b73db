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
