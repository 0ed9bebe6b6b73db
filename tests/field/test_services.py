"""The rep tablet's services over a real central (SQLite file / PostgreSQL) and a real tablet SQLite
file: sign-in, customers, pricing, the offline credit check, visits with photos, collections, and
what central makes of them after a sync."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from central.db import session_scope
from drivers.money import format_fen
from drivers.sim.printer import MemoryPrinter
from sync.events import EventType
from sync.field import HoldReason
from terminal.errors import AuthError
from terminal.field.attachments import AttachmentError, upload_pending
from terminal.field.mode import TerminalMode
from terminal.field.order_status import my_orders, order_view
from terminal.field.orders import OrderDraft, OrderLineInput
from tests.drivers.escpos_reader import read_escpos

from .world import PIN, FieldWorld, today


def png(seed: int = 0) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (64, 48), (seed % 256, 80, 160))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_mode_and_sign_in_is_the_tablets_rep_only(world: FieldWorld) -> None:
    app = world.app
    assert app.mode is TerminalMode.REP
    with pytest.raises(AuthError):
        app.session.sign_in("0000")
    rep = app.session.sign_in(PIN)
    assert rep.id == world.rep_id
    assert app.session.user.name == "业务员张三"
    app.session.lock()
    with pytest.raises(AuthError):
        _ = app.session.user
    app.session.unlock(PIN)
    assert app.session.signed_in


def test_search_and_card(world: FieldWorld) -> None:
    app = world.app
    names = [h.name for h in app.customers.search("")]
    assert names == sorted(names)
    assert len(names) == 4
    assert [h.name for h in app.customers.search("kh1-3")] == []  # initials are of Chinese characters only
    assert [h.name for h in app.customers.search("kh")][:1]  # 客户 → kh
    assert [h.key for h in app.customers.search("13900000002")] == [str(world.customers[2])]
    card = app.customers.card(world.customers[2], today())
    assert card.credit_limit_fen == 30_000
    assert card.balance_fen == 25_000
    assert card.oldest_overdue_days >= 9
    assert card.overdue_fen == 25_000
    assert card.available_fen == 5_000


def test_order_priced_held_and_synced(world: FieldWorld) -> None:
    app = world.app
    app.session.sign_in(PIN)
    p = world.seeded.product_ids
    c0 = str(world.customers[0])
    draft = OrderDraft(customer_key=c0, lines=[OrderLineInput(p[0], "pc", 10), OrderLineInput(p[4], "box", 2),
                                               OrderLineInput(p[1], "pc", 1, gift=True)])
    priced = app.orders.price(draft)
    by_pid = {(ln.product_id, ln.is_gift): ln for ln in priced.lines}
    assert by_pid[(p[0], False)].unit_price_fen == 90  # the customer's own price list
    assert by_pid[(p[4], False)].unit_factor == 6
    assert by_pid[(p[1], True)].amount_fen == 0
    assert by_pid[(p[1], True)].discount_fen == 102
    assert priced.total_fen == 900 + 2 * ((100 + 5) * 6 - 10)
    assert not priced.held
    ok = app.orders.submit(app.session, draft)
    # over the limit: ¥5,000.00
    big = OrderDraft(customer_key=c0, lines=[OrderLineInput(p[9], "box", 1000)])
    held = app.orders.submit(app.session, big)
    assert held.held
    assert held.order.hold_reasons == [HoldReason.CREDIT_LIMIT.value]
    # overdue customer: held for overdue whatever the amount
    c2 = app.orders.submit(app.session, OrderDraft(customer_key=str(world.customers[2]),
                                                  lines=[OrderLineInput(p[2], "pc", 1)]))
    assert c2.order.hold_reasons == [HoldReason.OVERDUE.value]
    # below the floor price of product 5's box (¥6.00 a box) — a 1-fen box price is impossible via pricing,
    # so the floor check is proven by central's golden cases; here: at list price it passes
    assert [v.status for v in my_orders(world.store)] == ["unsynced"] * 3
    world.sync()
    views = {v.order_id: v for v in my_orders(world.store)}
    assert views[ok.order_id].status == "approved"
    assert views[held.order_id].status == "held"
    assert views[held.order_id].hold_reasons == ("credit_limit",)
    assert views[c2.order_id].status == "held"
    from central.orders.models import SalesOrder

    with session_scope(world.engine, write=False) as s:
        got = {o.id: (o.status, o.held_on_receipt) for o in s.scalars(select(SalesOrder))}
    assert got[ok.order_id] == ("approved", False)
    assert got[held.order_id] == ("held", True)
    card = app.customers.card(c0, today())
    assert card.open_orders_fen == ok.order.total_fen
    assert card.unsynced_orders_fen == 0


def test_credit_counts_unsynced_orders_and_collections(world: FieldWorld) -> None:
    app = world.app
    app.session.sign_in(PIN)
    p = world.seeded.product_ids
    c3 = str(world.customers[3])  # ¥2,000.00 credit, 5% off
    first = app.orders.submit(app.session, OrderDraft(customer_key=c3, lines=[OrderLineInput(p[19], "box", 250)]))
    assert not first.held
    card = app.customers.card(c3, today())
    assert card.unsynced_orders_fen == first.order.total_fen
    second = app.orders.price(OrderDraft(customer_key=c3, lines=[OrderLineInput(p[19], "box", 50)]))
    assert second.held  # the first, not yet synced, already counts
    app.collections.record(app.session, c3, 100_000, "cash")
    third = app.orders.price(OrderDraft(customer_key=c3, lines=[OrderLineInput(p[19], "box", 50)]))
    assert not third.held  # the collection made room
    world.sync()
    assert app.customers.card(c3, today()).credit_used_fen == first.order.total_fen - 100_000


def test_visit_with_photo_collection_receipt_and_upload(world: FieldWorld) -> None:
    app = world.app
    app.session.sign_in(PIN)
    c1 = str(world.customers[1])
    v = app.visits.check_in(app.session, c1)
    app.visits.set_notes(v.visit_id, "老板说下周补货")
    app.visits.record_step(v.visit_id, "shelf_check", note="缺货两个品")
    photo = png(1)
    ref = app.visits.add_photo(v.visit_id, photo, step="shelf_check")
    assert app.visits.add_photo(v.visit_id, photo).sha256 == ref.sha256  # same bytes: kept once
    with pytest.raises(AttachmentError):
        app.visits.add_photo(v.visit_id, b"not an image")
    from datetime import timedelta

    app.visits.set_follow_up(v.visit_id, today() + timedelta(days=0), "送样品")
    assert len(app.visits.state(v.visit_id).photos) == 1
    visit = app.visits.check_out(app.session, v.visit_id)
    assert app.visits.current() is None
    reminders = app.today.reminders(today())
    assert any(r.kind == "follow_up" and r.customer_key == c1 for r in reminders)
    coll = app.collections.record(app.session, c1, 12_345, "bank_transfer", reference="TX-778899")
    printer = MemoryPrinter()
    assert app.collections.print_receipt(printer, coll.collection_id).ok
    (job,) = printer.sent
    ops = read_escpos(job)
    text = "\n".join(ops.texts())
    for expected in ("收款收据", format_fen(12_345), "TX-778899", "银行转账", "客户1-1", coll.receipt_no):
        assert expected in text
    assert "chinese" in ops.kinds()
    assert "cut" in ops.kinds()
    assert upload_pending(world.store, client=world.api).uploaded == 0  # its event is not acknowledged yet
    world.sync()
    report = upload_pending(world.store, client=world.api)
    assert (report.uploaded, report.waiting) == (1, 0), report
    from central.attachments.models import Attachment
    from central.field.models import Collection, Visit

    with session_scope(world.engine, write=False) as s:
        assert s.get(Visit, visit.visit_id) is not None
        assert s.get(Collection, coll.collection_id).amount_fen == 12_345
        att = s.get(Attachment, ref.sha256)
        assert att is not None
        assert att.complete
    assert upload_pending(world.store, client=world.api).uploaded == 0  # idempotent


def test_new_customer_offline_orders_cod(world: FieldWorld) -> None:
    app = world.app
    app.session.sign_in(PIN)
    new = app.customers.create(app.session, name="新开小卖部", contact_phone="13512345678")
    hits = app.customers.search("xkx")
    assert [h.key for h in hits] == [new.customer_id]
    assert hits[0].status == "local"
    order = app.orders.submit(app.session, OrderDraft(customer_key=new.customer_id,
                                                     lines=[OrderLineInput(world.seeded.product_ids[0], "pc", 3)]))
    assert order.order.on_credit is False
    assert not order.held
    assert order.order.new_customer_id == new.customer_id
    world.sync()
    hits = app.customers.search("xkx")
    assert hits[0].status == "pending"
    assert hits[0].key != new.customer_id
    assert order_view(world.store, order.order_id).status == "approved"
    types = [e.type for e in world.store.outbox.unacked()]
    assert EventType.CUSTOMER_CREATED not in types


def test_edit_contact_offline_then_merged(world: FieldWorld) -> None:
    app = world.app
    app.session.sign_in(PIN)
    c0 = world.customers[0]
    app.customers.edit(app.session, c0, contact_name="王经理", notes="周三下午收货")
    card = app.customers.card(c0, today())
    assert card.contact_name == "王经理"
    assert card.pending_edits
    world.sync()
    card = app.customers.card(c0, today())
    assert card.contact_name == "王经理"
    assert card.notes == "周三下午收货"
    assert not card.pending_edits


def test_today_plan_and_target(world: FieldWorld) -> None:
    app = world.app
    app.session.sign_in(PIN)
    view = app.today.view(today())
    assert [s.customer_key for s in view.plan] == [str(c) for c in world.customers[:3]]
    assert view.target is not None
    assert view.target.target_fen == 1_000_000
    order = app.orders.submit(app.session, OrderDraft(customer_key=str(world.customers[0]),
                                                     lines=[OrderLineInput(world.seeded.product_ids[0], "pc", 5)]))
    t = app.today.target(today())
    assert t is not None
    assert t.unsynced_fen == order.order.total_fen
    world.sync()
    t = app.today.target(today())
    assert t is not None
    assert t.unsynced_fen == 0
    assert t.achieved_fen == order.order.total_fen
    assert any(r.kind == "overdue" and r.customer_key == str(world.customers[2]) for r in view.reminders)
