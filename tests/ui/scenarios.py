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



def member(d: Driver, card: str) -> Step:
    yield d.tap(d.w("sale", "member"))
    yield 0.4
    popup = d.popup()
    d.check(popup.ids.query.focus, "the member search field has focus")
    yield d.type(card, enter=True)
    d.check(popup.found is not None, f"member {card} found")
    yield from d.shot("member")
    yield d.tap(popup.ids.attach)
    yield 0.2


def full_sale(d: Driver) -> Step:
    """Scan (box and piece barcodes), a promotion, a member, split payment WeChat + cash, receipt."""
    from tests.ui import terminal_data as td

    yield from sign_in(d)
    yield from open_shift(d)
    for code in (td.COLA_PC, td.COLA_PC, td.WATER, td.WATER, td.WATER, td.BREAD, td.COLA_BOX):
        yield from scan(d, code)
    sale = d.screen("sale")
    d.check(len([ln for ln in sale.cart.lines if ln.promotions]) >= 2, "promotions shown on the lines")
    d.check(any(ln.unit == "箱" for ln in sale.cart.lines), "the box barcode added the box unit")
    yield from member(d, td.MEMBER_CARD)
    d.check(sale.cart.member is not None, "member attached to the sale")
    d.check(sale.cart.points_earned > 0, "points to earn shown before payment")
    d.facts["total_fen"] = sale.cart.total_fen
    d.facts["points_earned"] = sale.cart.points_earned
    yield from d.shot("sale")
    d.check(d.w("sale", "pay").text.endswith(sale.cart.total_fen and d.app.money(sale.cart.total_fen)),
            "pay button shows the total")
    yield d.tap(d.w("sale", "pay"))
    d.check(d.app.manager.current == "payment", "payment screen")
    pay = d.screen("payment")
    # part by WeChat: amount 20.00, the customer's payment code scanned into the reference
    yield d.tap(pay.ids.tender_wechat)
    yield d.tap(pay.ids.amount)
    yield d.backspace(12)
    yield d.type("20")
    yield d.tap(pay.ids.reference)
    yield d.type("134567890123456789", enter=True)
    d.check(pay.state.paid_fen == 2000, f"WeChat 20.00 taken, paid {pay.state.paid_fen}")
    # the rest in cash with a quick-amount button (next round note): change is due
    yield d.tap(pay.ids.tender_cash)
    quick = pay.quick[1]
    yield d.tap(pay.ids.quick1)
    d.check(pay.state.remaining_fen == 0, "fully paid")
    d.facts["change_fen"] = pay.state.change_fen
    d.facts["cash_given_fen"] = quick
    yield from d.shot("payment")
    yield d.tap(pay.ids.complete)
    yield 0.5
    d.check(d.app.manager.current == "done", f"done screen, on {d.app.manager.current}")
    done_screen = d.screen("done")
    d.facts["receipt_no"] = done_screen.result.receipt_no
    yield from d.wait_for(lambda: done_screen.outcome is not None, "the receipt printed (or failed)")
    d.facts["printed"] = done_screen.outcome.ok
    d.facts["print_error"] = done_screen.outcome.error
    d.facts["drawer_opened"] = done_screen.outcome.drawer_opened
    yield from d.shot("done")


def debug_cart(d: Driver) -> Step:
    from tests.ui import terminal_data as td

    yield from sign_in(d)
    yield from open_shift(d)
    yield from scan(d, td.COLA_PC)
    s = d.screen("sale")
    print("CART", s.cart.total_fen, s.ids.total.text, s.ids.pay.text)
