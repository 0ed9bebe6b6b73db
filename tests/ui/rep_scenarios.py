"""Scenarios of the rep app (`python -m tests.ui.harness NAME DATA_DIR OUT_DIR`): a rep's day driven
by real touches and keystrokes, off screen, on a tablet enrolled against a real central but offline
(no central answers while the app runs). The world is `tests/field/world.py`'s: customers 客户1-0 …
客户1-3, products 商品1 … (boxes of 6 on every fifth), the rep's PIN 2468."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from tests.ui.harness import Driver
from tests.ui.scenarios import layout_problems, settled

PIN = "2468"
Step = Iterator[float]


def _rows(box: Any) -> list[Any]:
    return list(reversed(box.children))


def _row_named(box: Any, text: str) -> Any:
    for row in _rows(box):
        if text == row.text_left or text in row.text_left.split():
            return row
    raise AssertionError(f"no row {text!r}: {[r.text_left for r in _rows(box)]}")


def _key(pad: Any, text: str) -> Any:
    return next(k for k in pad.children if k.text == text)


def _top_dialog(d: Driver, kind: str) -> Iterator[float]:
    yield from d.wait_for(lambda: bool(d.dialogs()) and type(d.dialogs()[0]).__name__ == kind, f"{kind} open")


def _closed(d: Driver, popup: Any) -> Iterator[float]:
    yield from d.wait_for(lambda: popup not in d.dialogs(), f"{type(popup).__name__} closed")


def _check_layout(d: Driver, where: str, key_ids: dict[str, Any] | None = None) -> None:
    problems = layout_problems(d, where, key_ids or {})
    d.facts.setdefault("problems", []).extend(problems)


def sign_in(d: Driver) -> Step:
    screen = d.screen("signin")
    yield from d.wait_for(lambda: bool(screen.rep_code), "the rep's name on the sign-in screen")
    d.facts["rep_text"] = screen.rep_text
    yield from settled(d, screen.ids.submit)
    yield from d.shot("rep-signin")
    _check_layout(d, "signin")
    for digit in "1111":  # a wrong PIN first: refused with the service's words
        yield d.tap(_key(screen.ids.pad, digit))
    yield d.tap(screen.ids.submit)
    yield from _top_dialog(d, "MessagePopup")
    d.facts["wrong_pin"] = d.dialogs()[0].body
    yield d.tap(d.dialogs()[0].ids.ok)
    yield from d.no_dialog()
    for digit in PIN:
        yield d.tap(_key(screen.ids.pad, digit))
    yield d.tap(screen.ids.submit)
    yield from d.wait_for(lambda: d.app.manager.current == "today", "Today after sign-in")


def open_customer(d: Driver, name: str) -> Step:
    yield d.tap(d.app.root.ids.tabs.ids.tab_customers)
    customers = d.screen("customers")
    yield from d.wait_for(lambda: d.app.manager.current == "customers", "customers")
    query = customers.ids.query
    yield d.tap(query)
    query.text = ""
    yield d.type(name)
    yield from d.wait_for(lambda: any(r.text_left == name for r in _rows(customers.ids.results.box)), name)
    row = _row_named(customers.ids.results.box, name)
    yield from settled(d, row)
    yield d.tap(row)
    yield from d.wait_for(lambda: customers.card is not None and customers.card.name == name, f"{name}'s card")


def add_product(d: Driver, search: str, *, unit: str = "", qty: str = "1", gift: bool = False,
                barcode: bool = False) -> Step:
    """Pick a product by search (tap the hit) or by barcode (typed + Enter, as a scanner does), choose
    the unit, type the quantity on the dialog's keypad, mark a gift."""
    order = d.screen("order")
    field = order.ids.search
    yield d.tap(field)
    field.text = ""
    if barcode:
        yield d.type(search, enter=True)
    else:
        yield d.type(search)
        yield from d.wait_for(lambda: any(r.text_left == search for r in _rows(order.ids.hits.box)), f"hit {search}")
        row = _row_named(order.ids.hits.box, search)
        yield from settled(d, row)
        yield d.tap(row)
    yield from _top_dialog(d, "AddLinePopup")
    popup = d.dialogs()[0]
    if unit:
        button = next(b for b in popup.ids.units.children if b.code == unit)
        yield d.tap(button)
    yield d.tap(_key(popup.ids.pad, "←"))
    for ch in qty:
        yield d.tap(_key(popup.ids.pad, ch))
    if gift:
        yield d.tap(popup.ids.gift)
    d.facts.setdefault("line_dialogs", []).append({"unit": popup.unit_code, "qty": popup.ids.qty.text,
                                                   "gift": popup.is_gift})
    if len(d.facts["line_dialogs"]) == 1:
        yield from d.shot("rep-add-line")
        _check_layout(d, "add line")
    yield d.tap(popup.ids.add)
    yield from _closed(d, popup)


def submit_order(d: Driver, shot: str) -> Step:
    order = d.screen("order")
    yield d.tap(order.ids.submit_order)
    yield from _top_dialog(d, "OrderDonePopup")
    popup = d.dialogs()[0]
    yield from d.shot(shot)
    _check_layout(d, shot)
    d.facts.setdefault("orders", []).append({"held": popup.held, "body": popup.body, "can_print": popup.can_print})
    if popup.can_print:
        yield d.tap(popup.ids.print_confirmation)
        yield from d.wait_for(lambda: not d.app.printing, "confirmation printed")
        d.facts.setdefault("printed", []).append(d.app.toast)
    yield d.tap(popup.ids.ok)
    yield from _closed(d, popup)


def rep_day(d: Driver) -> Step:
    """The issue's day, offline throughout: sign in, Today, a visit at 客户1-0 with a photo from the
    camera driver and one picked from the files, an order there with a box line and a gift, an order
    over the credit limit (held), check out, a collection, the order status, English."""
    from kivy.core.window import Window

    d.facts["window"] = list(Window.size)
    yield from sign_in(d)
    today = d.screen("today")
    yield from d.wait_for(lambda: today.stop_count > 0, "today's route")
    d.facts["today"] = {"stops": [r.text_left for r in _rows(today.ids.stops.box)],
                        "reminders": [f"{r.text_left} {r.text_sub}" for r in _rows(today.ids.reminders.box)],
                        "target": today.target_text}
    yield from d.shot("rep-today")
    _check_layout(d, "today", {"tabs": d.app.root.ids.tabs, "stops": today.ids.stops,
                               "reminders": today.ids.reminders, "target": today.ids.target_bar})

    # the first stop of the route opens 客户1-0's card
    stop = _rows(today.ids.stops.box)[0]
    yield d.tap(stop)
    customers = d.screen("customers")
    yield from d.wait_for(lambda: d.app.manager.current == "customers" and customers.card is not None, "the card")
    d.facts["card"] = {"name": customers.card.name, "available": customers.card_available,
                       "credit": customers.card_credit}
    yield from open_customer(d, "客户1-2")  # the overdue customer, as the rep sees it
    d.facts["overdue_card"] = customers.card_overdue
    yield from d.shot("rep-customer")
    _check_layout(d, "customer", {"results": customers.ids.results, "card": customers.ids.card_scroll,
                                  "take_order": customers.ids.take_order, "edit": customers.ids.edit})
    yield from open_customer(d, "客户1-0")

    # the rep corrects the contact (sent field by field) and adds a shop met on the way (pending, COD)
    yield d.tap(customers.ids.edit)
    yield from _top_dialog(d, "CustomerFormPopup")
    form = d.dialogs()[0]
    form.ids.contact_name.text = ""
    yield d.tap(form.ids.contact_name)
    yield d.type("王老板")
    yield from d.shot("rep-edit-contact")
    _check_layout(d, "edit contact")
    yield d.tap(form.ids.save)
    yield from _closed(d, form)
    yield from d.wait_for(lambda: "王老板" in customers.card_contact, "the new contact on the card")
    yield d.tap(customers.ids.new_customer)
    yield from _top_dialog(d, "CustomerFormPopup")
    form = d.dialogs()[0]
    form.ids.name.text = ""
    yield d.tap(form.ids.name)
    yield d.type("路口新开小卖部")
    yield d.tap(form.ids.type_consignment)
    yield d.tap(form.ids.contact_phone)
    yield d.type("13912345678")
    yield from d.shot("rep-new-customer")
    _check_layout(d, "new customer")
    yield d.tap(form.ids.save)
    yield from _closed(d, form)
    yield from d.wait_for(lambda: customers.card is not None and customers.card.name == "路口新开小卖部", "new card")
    d.facts["new_customer"] = customers.card_subtitle
    yield from open_customer(d, "客户1-0")

    # visit: check in, a step, a photo from the camera driver and one picked from the files
    yield d.tap(customers.ids.start_visit)
    visit = d.screen("visit")
    yield from d.wait_for(lambda: d.app.manager.current == "visit", "visit screen")
    yield d.tap(visit.ids.check_in)
    yield from d.wait_for(lambda: visit.visit is not None, "checked in")
    shelf = next(b for b in visit.ids.steps.children if b.code == "shelf_check")
    yield d.tap(shelf)
    yield from d.wait_for(lambda: any(s.code == "shelf_check" and s.done for s in visit.visit.steps), "shelf check done")
    yield d.tap(visit.ids.notes)
    yield d.type("货架缺货两个品种")
    yield d.tap(visit.ids.take_photo)
    yield from d.wait_for(lambda: visit.visit.photos == 1, "camera photo kept")
    yield d.tap(visit.ids.pick_photo)
    yield from _top_dialog(d, "PhotoFilePopup")
    popup = d.dialogs()[0]
    popup.ids.path.text = ""
    yield d.tap(popup.ids.path)
    yield d.type(os.environ["POS_TEST_PHOTO"])
    yield from d.shot("rep-photo-file")
    yield d.tap(popup.ids.use)
    yield from _closed(d, popup)
    yield from d.wait_for(lambda: visit.visit.photos == 2, "file photo kept")
    yield from d.shot("rep-visit")
    _check_layout(d, "visit", {"steps": visit.ids.steps, "notes": visit.ids.notes, "check_out": visit.ids.check_out,
                               "thumbs": visit.ids.thumbs})

    # order during the visit: a box line (by search), a piece line (by barcode), a gift
    yield d.tap(visit.ids.visit_order)
    order = d.screen("order")
    yield from d.wait_for(lambda: d.app.manager.current == "order" and order.draft is not None, "order screen")
    yield from add_product(d, "商品10", unit="box", qty="2")
    yield from add_product(d, os.environ["POS_TEST_BARCODE"], qty="5", barcode=True)
    yield from add_product(d, "商品1", qty="3", gift=True)
    yield from d.wait_for(lambda: len(order.draft.lines) == 3, "three lines")
    d.facts["draft"] = {"lines": [(ln.name, ln.qty, ln.unit_name, ln.amount_fen, ln.is_gift) for ln in order.draft.lines],
                        "total_fen": order.draft.total_fen, "hold": order.draft.hold_text}
    yield from d.shot("rep-order")
    _check_layout(d, "order", {"search": order.ids.search, "hits": order.ids.hits, "lines": order.ids.lines,
                               "submit": order.ids.submit_order, "remarks": order.ids.remarks})
    yield d.tap(order.ids.remarks)
    yield d.type("下午送货")
    yield from submit_order(d, "rep-order-saved")

    # over the credit limit: 1000 boxes
    yield from add_product(d, "商品10", unit="box", qty="1000")
    yield from d.wait_for(lambda: bool(order.draft.hold_text), "the hold warning before submitting")
    d.facts["hold_warning"] = order.draft.hold_text
    yield from d.shot("rep-order-over-credit")
    yield from submit_order(d, "rep-order-held")

    # check out of the visit
    yield d.tap(d.app.root.ids.tabs.ids.tab_visit)
    yield from d.wait_for(lambda: d.app.manager.current == "visit" and visit.visit is not None, "back at the visit")
    yield d.tap(visit.ids.check_out)
    yield from _top_dialog(d, "MessagePopup")
    d.facts["checked_out"] = d.dialogs()[0].body
    yield d.tap(d.dialogs()[0].ids.ok)
    yield from d.no_dialog()

    # a collection: ¥200 by bank transfer with its reference
    yield d.tap(d.app.root.ids.tabs.ids.tab_collection)
    collection = d.screen("collection")
    yield from d.wait_for(lambda: d.app.manager.current == "collection", "collection screen")
    transfer = next(b for b in collection.ids.methods.children if b.code == "bank_transfer")
    yield from settled(d, transfer)
    yield d.tap(transfer)
    d.check(collection.method == "bank_transfer", f"bank transfer chosen, not {collection.method}")
    yield d.tap(collection.ids.reference)
    yield d.type("TR20261207001")
    for ch in "200":
        yield d.tap(_key(collection.ids.pad, ch))
    yield from d.shot("rep-collection")
    _check_layout(d, "collection", {"methods": collection.ids.methods, "amount": collection.ids.amount,
                                    "record": collection.ids.record})
    yield d.tap(collection.ids.record)
    yield from _top_dialog(d, "CollectionDonePopup")
    popup = d.dialogs()[0]
    d.facts["collection"] = popup.body
    yield from d.shot("rep-collection-done")
    if popup.can_print:
        yield d.tap(popup.ids.print_receipt)
        yield from d.wait_for(lambda: not d.app.printing, "receipt printed")
        d.facts.setdefault("printed", []).append(d.app.toast)
    yield d.tap(popup.ids.ok)
    yield from _closed(d, popup)

    # order status, then the same in English
    yield d.tap(d.app.root.ids.tabs.ids.tab_orders)
    orders = d.screen("orders")
    yield from d.wait_for(lambda: d.app.manager.current == "orders" and orders.count >= 2, "order status list")
    d.facts["statuses"] = [f"{r.text_left} | {r.text_mid} | {r.text_sub}" for r in _rows(orders.ids.orders.box)]
    yield from d.shot("rep-orders")
    _check_layout(d, "orders")
    yield d.tap(d.app.root.ids.status.ids.language)
    yield from d.wait_for(lambda: d.app.lang == "en", "English")
    yield 0.3
    d.facts["statuses_en"] = [f"{r.text_left} | {r.text_mid}" for r in _rows(orders.ids.orders.box)]
    yield from d.shot("rep-orders-en")
    _check_layout(d, "orders en")
    yield d.tap(d.app.root.ids.tabs.ids.tab_today)
    yield from d.wait_for(lambda: d.app.manager.current == "today", "today in English")
    yield 0.3
    d.facts["target_en"] = today.target_text
    yield from d.shot("rep-today-en")
    _check_layout(d, "today en")
    d.facts["pending"] = d.app.pending
    d.facts["online"] = d.app.online


def rep_after_sync(d: Driver) -> Step:
    """After the tablet synced: the order status central sent back (approved, held with its reason)."""
    yield from sign_in(d)
    yield d.tap(d.app.root.ids.tabs.ids.tab_orders)
    orders = d.screen("orders")
    yield from d.wait_for(lambda: d.app.manager.current == "orders" and orders.count >= 2, "order status list")
    d.facts["statuses"] = [f"{r.text_left} | {r.text_mid} | {r.text_sub}" for r in _rows(orders.ids.orders.box)]
    yield from d.shot("rep-orders-synced")
    _check_layout(d, "orders synced")
    # the lock button: only the rep's PIN opens the tablet again
    yield d.tap(d.app.root.ids.status.ids.lock)
    signin = d.screen("signin")
    yield from d.wait_for(lambda: d.app.manager.current == "signin" and signin.locked, "locked")
    for digit in PIN:
        yield d.tap(_key(signin.ids.pad, digit))
    yield d.tap(signin.ids.submit)
    yield from d.wait_for(lambda: d.app.manager.current == "today", "unlocked")
    d.facts["unlocked"] = True


def rep_demo_shots(d: Driver) -> Step:
    """On a tablet enrolled with `pos-central demo`'s rep01 (README screenshots): Today, then an order
    for the first customer of the route with a box line, two piece lines and a gift."""
    screen = d.screen("signin")
    yield from d.wait_for(lambda: bool(screen.rep_code), "the rep's name")
    yield from settled(d, screen.ids.submit)
    for digit in os.environ.get("POS_TEST_PIN", "1234"):
        yield d.tap(_key(screen.ids.pad, digit))
    yield d.tap(screen.ids.submit)
    today = d.screen("today")
    yield from d.wait_for(lambda: d.app.manager.current == "today" and today.stop_count > 0, "today's route")
    yield 0.5
    yield from d.shot("rep-today")
    _check_layout(d, "demo today")
    yield d.tap(_rows(today.ids.stops.box)[0])
    customers = d.screen("customers")
    yield from d.wait_for(lambda: customers.card is not None, "the card")
    yield from d.shot("rep-customer")
    yield d.tap(customers.ids.take_order)
    order = d.screen("order")
    yield from d.wait_for(lambda: d.app.manager.current == "order", "order screen")
    for n, query in enumerate(("可乐", "牛奶", "奶糖", "汽水")):
        yield d.tap(order.ids.search)
        order.ids.search.text = ""
        yield d.type(query)
        yield 0.6  # the search runs once typing pauses (SEARCH_DELAY_S): the rows shown now are replaced
        yield from d.wait_for(lambda q=query: any(q in r.text_left for r in _rows(order.ids.hits.box)), query)
        hits = _rows(order.ids.hits.box)
        named = [h for h in hits if query in h.text_left]
        hit = next((h for h in named if len(h.key.units) > 1), named[0]) if n == 0 else named[0]
        yield from settled(d, hit)
        yield d.tap(hit)
        yield from _top_dialog(d, "AddLinePopup")
        popup = d.dialogs()[0]
        if n == 0 and len(hit.key.units) > 1:
            yield d.tap(next(b for b in popup.ids.units.children if b.code == hit.key.units[-1][0]))
        yield d.tap(_key(popup.ids.pad, "←"))
        yield d.tap(_key(popup.ids.pad, str(n + 2)))
        if n == 3:
            yield d.tap(popup.ids.gift)
        yield d.tap(popup.ids.add)
        yield from _closed(d, popup)
    yield from d.wait_for(lambda: order.draft is not None and len(order.draft.lines) >= 4, "four lines")
    yield 0.5
    yield from d.shot("rep-order")
    _check_layout(d, "demo order")
