"""UI scenarios of the till's own data and PINs (#10 §5, §6): a cashier locked out by wrong PINs and
unlocked by a manager on the sign-in screen, and the window shown instead of the till when its
database is missing."""

from __future__ import annotations

from tests.ui.harness import Driver, Step
from tests.ui.terminal_data import CASHIER, MANAGER


def pin_lockout(d: Driver) -> Step:
    """Five wrong PINs: the fifth opens the manager's dialog saying the cashier is locked out; even
    the right PIN is refused meanwhile; the manager's code and PIN unlock; the cashier signs in."""
    from terminal.session import PIN_ATTEMPTS

    d.check(d.app.manager.current == "signin", "the app opens on the sign-in screen")
    yield d.tap(d.w("signin", "code"))
    yield d.type(CASHIER[0], enter=True)
    for attempt in range(1, PIN_ATTEMPTS + 1):
        yield from d.wait_for(lambda: d.w("signin", "pin").focus and not d.dialogs(), "PIN field ready")
        yield d.type("0000", enter=True)
        if attempt < PIN_ATTEMPTS:
            yield from d.wait_for(lambda: bool(d.dialogs()), "the wrong-PIN message")
            message = d.dialogs()[0]
            d.facts.setdefault("wrong_pin_messages", []).append(getattr(message, "body", ""))
            if attempt == PIN_ATTEMPTS - 1:
                yield from d.shot("pin_last_try")
            message.dismiss()
            yield from d.no_dialog()
            yield d.tap(d.w("signin", "pin"))
    yield from d.wait_for(lambda: bool(d.dialogs()) and type(d.dialogs()[0]).__name__ == "ManagerPopup",
                          "the manager's dialog opens on the lockout")
    popup = d.dialogs()[0]
    d.facts["locked_out_text"] = popup.action_text
    d.check("锁定" in popup.action_text and CASHIER[0] in popup.action_text,
            f"the dialog says who is locked out and why: {popup.action_text!r}")
    yield from d.shot("pin_locked_out")
    yield from d.wait_for(lambda: popup.ids.code.focus, "manager code focused")
    yield d.type(MANAGER[0], enter=True)
    yield from d.wait_for(lambda: popup.ids.pin.focus, "manager PIN focused")
    yield d.type(MANAGER[1], enter=True)
    yield from d.no_dialog()
    yield from d.wait_for(lambda: "解锁" in d.app.toast, "the status bar says the cashier was unlocked")
    d.facts["unlocked_toast"] = d.app.toast
    yield from d.shot("pin_unlocked")
    yield from d.wait_for(lambda: d.w("signin", "pin").focus, "PIN field focused again")
    d.check(d.w("signin", "code").text == CASHIER[0], "the cashier's code is kept")
    yield d.type(CASHIER[1], enter=True)
    yield from d.wait_for(lambda: d.app.manager.current == "shift_open", "signed in after the unlock")


def startup_refusal(d: Driver) -> Step:
    """An enrolled till whose database is gone: the window says so in both languages, with what to
    do, and offers only 关闭 Close."""
    d.check(type(d.app).__name__ == "StartupProblemApp", f"the refusal window, got {type(d.app).__name__}")
    yield 0.3
    d.facts["title"] = d.app.title_label.text
    d.facts["first"] = d.app.first_label.text
    d.facts["second"] = d.app.second_label.text
    d.check("pos-terminal recover" in d.app.first_label.text, "says what to do")
    d.check(not d.app.close_button.disabled, "the close button works")
    yield from d.shot("startup_refusal")
