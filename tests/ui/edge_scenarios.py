"""UI scenarios for the rough edges a new cashier hit (#15): each drives the real app with touches
and keys and checks what the cashier sees."""

from __future__ import annotations

from typing import Any

from tests.ui import terminal_data as td
from tests.ui.harness import Driver, Step
from tests.ui.scenarios import member, open_shift, scan, sign_in


def popup_named(d: Driver, name: str) -> Any:
    views = [v for v in d.dialogs() if type(v).__name__ == name]
    return views[0] if views else None


def touch_even_if_disabled(widget: Any) -> float:
    """A finger on a greyed-out button (`Driver.tap` refuses one): what a new cashier does."""
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()
    return 0.1


def keyboard_pay(d: Driver) -> Step:
    """Cash typed at the keyboard: the amount and Enter pays, Enter again completes the sale (it said
    错误 已付清 and the cashier had to reach for the mouse to tap 完成)."""
    yield from sign_in(d)
    yield from open_shift(d)
    yield from scan(d, td.COLA_PC)
    yield from scan(d, td.WATER)
    yield d.tap(d.w("sale", "pay"))
    pay = d.screen("payment")
    yield from d.wait_for(lambda: pay.state is not None and pay.ids.amount.focus, "the amount field has the keyboard")
    yield d.type("20", enter=True)
    yield from d.wait_for(lambda: pay.state.remaining_fen == 0 and pay.state.payments, "¥20 cash taken")
    d.facts["change_fen"] = pay.state.change_fen
    yield from d.wait_for(lambda: pay.ids.amount.focus, "the amount field keeps the keyboard after the payment")
    yield from d.shot("keyboard_paid")
    yield d.type("", enter=True)
    yield 0.2
    error = popup_named(d, "MessagePopup")
    d.check(error is None, f"Enter after paying in full showed a message: {getattr(error, 'body', '')!r}")
    yield from d.wait_for(lambda: d.app.manager.current == "done", "Enter completed the sale")
    done = d.screen("done")
    d.facts["receipt_no"] = done.result.receipt_no
    d.facts["done_change_fen"] = done.result.change_fen
    yield from d.wait_for(lambda: done.outcome is not None, "the receipt printed (or failed)")
    yield from d.shot("keyboard_done")


def _sell_for_return(d: Driver) -> Step:
    """Two colas and a water for the gold member (points earned), paid exactly in cash."""
    for code in (td.COLA_PC, td.COLA_PC, td.WATER):
        yield from scan(d, code)
    yield from member(d, td.MEMBER_CARD)
    yield d.tap(d.w("sale", "pay"))
    pay = d.screen("payment")
    yield from d.wait_for(lambda: bool(pay.quick), "quick cash amounts shown")
    yield d.tap(pay.ids.quick0)
    yield d.tap(pay.ids.complete)
    yield from d.wait_for(lambda: d.app.manager.current == "done", "done screen")
    d.facts["receipt_no"] = d.screen("done").result.receipt_no
    yield from d.wait_for(lambda: d.screen("done").outcome is not None, "receipt printed (or failed)")
    yield d.tap(d.w("done", "next_sale"))


def returns_guard(d: Driver) -> Step:
    """确认退款 is grey (not red) and does nothing but explain, in a dialog, while nothing is chosen;
    the refund preview keeps each phrase on one line."""
    from tests.ui.scenarios import cut_off

    yield from sign_in(d)
    yield from open_shift(d)
    yield from _sell_for_return(d)
    yield d.tap(d.w("sale", "returns"))
    screen = d.screen("returns")
    button = screen.ids.do_refund
    d.check(button.disabled and button.kind != "danger", "no sale found yet: 确认退款 is grey")
    yield from d.wait_for(lambda: screen.ids.find.focus, "the receipt field has the keyboard")
    yield d.type(d.facts["receipt_no"], enter=True)
    yield from d.wait_for(lambda: screen.sale is not None, "the sale is found")
    d.facts["nothing_chosen"] = {"disabled": button.disabled, "kind": button.kind}
    d.check(button.disabled, "nothing chosen: 确认退款 is disabled")
    d.check(button.kind != "danger", f"nothing chosen: 确认退款 is not red ({button.kind})")
    yield from d.shot("returns_nothing_chosen")
    before = d.app.till.store.all("SELECT COUNT(*) FROM returns")[0][0]
    yield touch_even_if_disabled(button)
    yield from d.wait_for(lambda: popup_named(d, "MessagePopup") is not None, "a dialog explains what to do")
    dialog = popup_named(d, "MessagePopup")
    d.facts["explained"] = dialog.body
    d.check("退货数量" in dialog.body, f"the dialog says to choose a quantity: {dialog.body!r}")
    d.check(d.app.toast == "", f"nothing in the status bar: {d.app.toast!r}")
    yield from d.shot("returns_explained")
    yield d.tap(dialog.ids.ok)
    yield from d.no_dialog()
    d.check(d.app.till.store.all("SELECT COUNT(*) FROM returns")[0][0] == before, "nothing was returned")
    row = next(r for r in screen.ids.lines.children if r.line_no == 1)
    yield d.tap(row.ids.qty)
    yield d.type("1")
    yield from d.wait_for(lambda: screen.preview_fen > 0, "the refund is previewed")
    d.check(not button.disabled and button.kind == "danger", "a line chosen: 确认退款 is red and enabled")
    label = screen.ids.preview_detail
    d.facts["preview_text"] = screen.preview_text
    d.check("扣回积分" in screen.preview_text, f"the points taken back are previewed: {screen.preview_text!r}")
    for phrase in screen.preview_text.split("\n"):
        probe = type("Probe", (), {"text": phrase, "font_size": label.font_size, "font_name": label.font_name,
                                   "bold": label.bold, "width": label.width})()
        d.check(not cut_off(probe), f"preview phrase {phrase!r} wraps in a {label.width:.0f} px label")
    yield from d.shot("returns_preview")


def threshold_lines(d: Driver) -> Step:
    """满减 on the lines: each line's amount is after its share, the lines add up to what is due (the
    满减 showed only in the 优惠 total); the receipt prints each line's share; in English the lines
    read the English names head office gave."""
    from terminal.printing import receipt_data

    yield from sign_in(d)
    yield from open_shift(d)
    for code in (td.DETERGENT, td.NOODLES, td.COLA_PC):
        yield from scan(d, code)
    sale = d.screen("sale")
    cart = sale.cart
    shares = [ln.discount_fen for ln in cart.lines]
    d.facts["line_amounts"] = [ln.amount_fen for ln in cart.lines]
    d.facts["discount_fen"] = cart.discount_fen
    d.facts["total_fen"] = cart.total_fen
    d.check(all(s > 0 for s in shares), f"every line shows its share of the 满减: {shares}")
    d.check(sum(ln.amount_fen for ln in cart.lines) + cart.rounding_fen == cart.total_fen,
            f"lines {d.facts['line_amounts']} + 抹零 {cart.rounding_fen} = due {cart.total_fen}")
    rows = {r.key: r for r in sale.ids.lines.children}
    for line in cart.lines:
        row = rows[line.index + 1]
        d.check(row.text_right == d.app.money(line.amount_fen), f"row shows {row.text_right}, line {line.amount_fen}")
        d.check(f"-{d.app.money(line.discount_fen)}" in row.text_sub and "满20减3" in row.text_sub,
                f"the share and the 满减 under the line: {row.text_sub!r}")
    yield from d.shot("threshold_lines")
    yield d.tap(d.app.root.ids.status.ids.language)
    yield from d.wait_for(lambda: d.app.lang == "en", "English")
    yield from d.wait_for(lambda: sale.cart.lines and sale.cart.lines[0].name != cart.lines[0].name,
                          "the lines redrawn in English")
    d.facts["english_names"] = [ln.name for ln in sale.cart.lines]
    d.facts["english_rows"] = sorted(r.text_left for r in sale.ids.lines.children)
    yield from d.shot("threshold_lines_en")
    yield d.tap(d.app.root.ids.status.ids.language)
    yield from d.wait_for(lambda: d.app.lang == "zh_CN", "Chinese again")
    yield d.tap(d.w("sale", "pay"))
    pay = d.screen("payment")
    yield from d.wait_for(lambda: bool(pay.quick), "quick cash amounts shown")
    yield d.tap(pay.ids.quick0)
    yield d.tap(pay.ids.complete)
    yield from d.wait_for(lambda: d.app.manager.current == "done", "done screen")
    receipt = receipt_data(d.app.till.store, d.screen("done").result.sale_id, lang="zh")
    d.facts["receipt_lines"] = [(ln.name, ln.amount_fen, ln.share_fen, ln.share_label) for ln in receipt.lines]
    d.facts["receipt_promotions"] = len(receipt.promotions)
    d.check(sum(ln.amount_fen for ln in receipt.lines) + receipt.rounding_fen == receipt.total_fen,
            "the receipt's lines add up to what was due")
    yield from d.wait_for(lambda: d.screen("done").outcome is not None, "receipt printed (or failed)")


def price_change_by_sync(data_dir: str, product_id: int, price_fen: int) -> None:
    """Head office's new price arrives as sync writes it: the product's master row, from another
    connection, while the sale is held."""
    from pathlib import Path

    from terminal.store import open_store

    store = open_store(Path(data_dir))
    try:
        with store.transaction():
            store.execute("UPDATE master SET data=json_set(data, '$.units[0].price_fen', ?), version=version+1000 "
                          "WHERE entity='product' AND id=?", (price_fen, str(product_id)))
    finally:
        store.close()


def held_sales(d: Driver) -> Step:
    """A sale held, the cola's price changed by head office meanwhile: resumed, it is re-priced and a
    dialog says what changed (old → new); a sale still held at shift close is listed before the close
    question (held sales crossed shifts silently)."""
    import os

    yield from sign_in(d)
    yield from open_shift(d)
    for code in (td.COLA_PC, td.COLA_PC, td.BREAD):
        yield from scan(d, code)
    sale = d.screen("sale")
    d.facts["held_total_fen"] = sale.cart.total_fen
    yield d.tap(d.w("sale", "hold"))
    d.check(not sale.cart.lines, "the sale is held")
    price_change_by_sync(os.environ["POS_TEST_DATA_DIR"], 1, 380)
    yield d.tap(d.w("sale", "resume"))
    yield from d.wait_for(lambda: popup_named(d, "HeldPopup") is not None, "the held sales are listed")
    yield d.tap(popup_named(d, "HeldPopup").ids.rows.children[0])
    yield from d.wait_for(lambda: popup_named(d, "MessagePopup") is not None, "the price change is said")
    notice = popup_named(d, "MessagePopup")
    d.facts["resume_title"] = notice.title_text
    d.facts["resume_notice"] = notice.body
    d.facts["resumed_total_fen"] = sale.cart.total_fen
    cola = next(ln for ln in sale.cart.lines if ln.sku == "100001")
    d.facts["cola_unit_price_fen"] = cola.unit_price_fen
    yield from d.shot("held_resumed_price_changed")
    yield d.tap(notice.ids.ok)
    yield from d.no_dialog()
    yield d.tap(d.w("sale", "hold"))  # parked again: still held when the shift closes
    yield d.tap(d.w("sale", "close_shift"))
    yield from d.wait_for(lambda: d.app.manager.current == "shift_close", "shift close screen")
    screen = d.screen("shift_close")
    yield 0.3
    yield d.tap(screen.ids.z_report)
    yield from d.wait_for(lambda: popup_named(d, "ConfirmPopup") is not None, "a question before closing")
    warning = popup_named(d, "ConfirmPopup")
    d.facts["close_warning_title"] = warning.title_text
    d.facts["close_warning"] = warning.body
    yield from d.shot("held_at_shift_close")
    yield d.tap(warning.ids.yes)
    yield from d.wait_for(lambda: (popup_named(d, "ConfirmPopup") is not None
                                   and popup_named(d, "ConfirmPopup") is not warning), "the close question")
    question = popup_named(d, "ConfirmPopup")
    d.facts["close_question"] = question.body
    yield d.tap(question.ids.yes)
    yield from d.no_dialog()
    yield from d.wait_for(lambda: d.app.manager.current == "signin", "signed out after closing the shift")


def void_with_manager(d: Driver) -> Step:
    """删除商品: a question always (a stray tap removed the line at once), then a manager's PIN where
    the store's setting asks for it; the void is in the audit log and on the X report."""
    from tests.ui.scenarios import manager_approves

    yield from sign_in(d)
    yield from open_shift(d)
    for code in (td.COLA_PC, td.WATER):
        yield from scan(d, code)
    sale = d.screen("sale")
    yield d.tap(d.w("sale", "void_line"))
    yield from d.wait_for(lambda: popup_named(d, "ConfirmPopup") is not None, "asked before voiding")
    question = popup_named(d, "ConfirmPopup")
    d.facts["void_question"] = question.body
    yield from d.shot("void_question")
    yield d.tap(question.ids.no)
    yield from d.no_dialog()
    d.check(len(sale.cart.lines) == 2, "否 keeps the line")
    yield d.tap(d.w("sale", "void_line"))
    yield from d.wait_for(lambda: popup_named(d, "ConfirmPopup") is not None, "asked again")
    yield d.tap(popup_named(d, "ConfirmPopup").ids.yes)
    yield from manager_approves(d)
    yield from d.no_dialog()
    d.facts["lines_left"] = [ln.sku for ln in sale.cart.lines]
    rows = d.app.till.store.all("SELECT cashier_id, approved_by, detail FROM audit_log WHERE action='void_line'")
    d.facts["void_audit"] = [(r[0], r[1], r[2]) for r in rows]
    d.facts["x_voided_lines"] = d.app.till.shift.x_report().voided_lines
    yield from d.shot("void_done")


def member_last_four(d: Driver) -> Step:
    """会员 by the last four digits of the phone: one match is found at once; several are listed to
    choose from (the till could only find the whole phone or card)."""
    yield from sign_in(d)
    yield from open_shift(d)
    yield from scan(d, td.WATER)
    sale = d.screen("sale")
    yield d.tap(d.w("sale", "member"))
    popup = d.popup()
    yield from d.wait_for(lambda: popup.ids.query.focus, "the member search field has focus")
    yield d.type("8000", enter=True)  # the demo member 13800138000 and one enrolled with the same end
    yield from d.wait_for(lambda: popup_named(d, "MemberChoicePopup") is not None, "several members listed")
    choice = popup_named(d, "MemberChoicePopup")
    rows = list(reversed(choice.ids.rows.children))
    d.facts["choices"] = [(r.text_left, r.text_mid) for r in rows]
    yield from d.shot("member_choices")
    yield d.tap(next(r for r in rows if r.key.card_no == td.MEMBER_CARD))
    yield from d.wait_for(lambda: popup_named(d, "MemberChoicePopup") is None, "the list closed")
    d.check(popup.found is not None and popup.found.card_no == td.MEMBER_CARD, "the chosen member is shown")
    yield d.tap(popup.ids.attach)
    yield from d.no_dialog()
    d.check(sale.cart.member is not None and sale.cart.member.card_no == td.MEMBER_CARD, "member attached")
    # one match: found at once, no list
    yield d.tap(d.w("sale", "member"))
    popup = d.popup()
    yield from d.wait_for(lambda: popup.ids.query.focus, "the member search field has focus")
    yield d.type("6677", enter=True)
    yield from d.wait_for(lambda: popup.found is not None and popup.found.card_no == "88000077", "one member found")
    d.check(popup_named(d, "MemberChoicePopup") is None, "no list for a single match")
    d.facts["single"] = popup.found.phone
    yield from d.shot("member_single")
