"""Members made at the till, and a rep tablet's field orders, visit notes and customer edits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central.customers.ingest import (
    apply_customer_updated,
    apply_visit_note_created,
)
from central.customers.models import Customer, CustomerFieldChange, VisitNote
from central.db import session_scope
from central.errors import DomainError
from central.members.ingest import apply_member_created
from central.members.models import Member
from central.orders.ingest import apply_field_order_created
from central.orders.models import SalesOrder, SalesOrderLine
from sync.events import (
    CustomerUpdated,
    FieldOrderCreated,
    MemberCreated,
    VisitNoteCreated,
    uuid7,
)
from sync.events import (
    FieldOrderLine as WireOrderLine,
)

from .conftest import T0, World

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def member_event(w: World, card: str, phone: str | None = "13900000002", birthday: str | None = "1990-05-17",
                 store: int | None = None) -> MemberCreated:
    return MemberCreated(member_id=uuid7(), card_no=card, phone=phone, name="李四", birthday=birthday,
                         level="normal", store_id=store or w.store, created_at=T0)


def test_member_created_at_the_till(engine: Engine, world: World) -> None:
    ev = member_event(world, "M1001")
    with session_scope(engine) as s:
        apply_member_created(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    with Session(engine) as s:
        m = s.get(Member, ev.member_id)
        assert m is not None
        assert (m.card_no, m.birthday, m.home_store_id, m.points_balance) == ("M1001", date(1990, 5, 17), world.store, 0)
        assert (m.created_at, m.received_at, m.duplicate_phone) == (T0, NOW, False)


def test_same_phone_from_another_store_is_kept_and_flagged(engine: Engine, world: World) -> None:
    ev = member_event(world, "M1002", phone="13800000001", store=world.store2)  # the world's member has it
    with session_scope(engine) as s:
        apply_member_created(s, ev, terminal_id=world.terminal2, store_id=world.store2, received_at=NOW)
    with Session(engine) as s:
        m = s.get(Member, ev.member_id)
        assert m is not None
        assert m.duplicate_phone


@pytest.mark.parametrize(("case", "code", "field"), [
    ("card", "duplicate_member", "card_no"), ("birthday", "birthday", "birthday"),
    ("store", "wrong_scope", "store_id")])
def test_bad_member_events_are_refused(engine: Engine, world: World, case: str, code: str, field: str) -> None:
    ev = {"card": member_event(world, "M0001"), "birthday": member_event(world, "M2", birthday="17/05/1990"),
          "store": member_event(world, "M3", store=world.store2)}[case]
    with session_scope(engine) as s, pytest.raises(DomainError) as info:
        apply_member_created(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    assert (info.value.code, info.value.field) == (code, field)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 1


def order(w: World, *, customer: int | None = None, rep: int | None = None, total: int | None = None) -> FieldOrderCreated:
    lines = [WireOrderLine(product_id=w.cola, sku="1001", unit_code="box", unit_factor=24, qty=Decimal(5),
                           unit_price_fen=6_000, amount_fen=30_000),
             WireOrderLine(product_id=w.rice, sku="2001", unit_code="pc", unit_factor=1, qty=Decimal(10),
                           unit_price_fen=5_500, amount_fen=55_000)]
    oid = uuid7()
    return FieldOrderCreated(order_id=oid, order_no=f"FO-{oid[-6:]}", customer_id=customer or w.customer,
                             rep_id=rep or w.rep, terminal_id=w.terminal, ordered_at=T0, lines=lines,
                             total_fen=85_000 if total is None else total)


def test_field_order_from_the_reps_tablet(engine: Engine, world: World) -> None:
    ev = order(world)
    with session_scope(engine) as s:
        apply_field_order_created(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    with Session(engine) as s:
        stored = s.get(SalesOrder, ev.order_id)
        assert stored is not None
        # the customer's credit limit is ¥1,000.00: ¥850.00 on credit passes central's check
        assert (stored.status, stored.total_fen, stored.received_at, stored.ordered_at) == ("approved", 85_000, NOW, T0)
        qty = s.scalars(select(SalesOrderLine.qty_m).order_by(SalesOrderLine.line_no)).all()
        assert qty == [5_000, 10_000]


@pytest.mark.parametrize(("case", "code"), [
    ("other_reps_customer", "wrong_scope"), ("bad_total", "inconsistent_document"),
    ("unknown_customer", "customer_not_found")])
def test_bad_field_orders_are_refused(engine: Engine, world: World, case: str, code: str) -> None:
    ev = {"other_reps_customer": order(world, customer=world.other_customer),
          "bad_total": order(world, total=1),
          "unknown_customer": order(world, customer=999_999)}[case]
    with session_scope(engine) as s, pytest.raises(DomainError) as info:
        apply_field_order_created(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    assert info.value.code == code
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(SalesOrder)) == 0


def test_visit_note(engine: Engine, world: World) -> None:
    ev = VisitNoteCreated(note_id=uuid7(), customer_id=world.customer, rep_id=world.rep, terminal_id=world.terminal,
                          visited_at=T0, text="老板说下周要补货矿泉水 20 箱")
    with session_scope(engine) as s:
        apply_visit_note_created(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    with Session(engine) as s:
        note = s.get(VisitNote, ev.note_id)
        assert note is not None
        assert note.text.startswith("老板")


def test_customer_edits_merge_field_by_field_later_receipt_wins_history_kept(engine: Engine, world: World) -> None:
    def edit(fields: dict[str, str | None], edited_at: datetime, received_at: datetime) -> None:
        ev = CustomerUpdated(customer_id=world.customer, rep_id=world.rep, terminal_id=world.terminal,
                             edited_at=edited_at, fields=fields)
        with session_scope(engine) as s:
            apply_customer_updated(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=received_at)

    # given two offline edits; the second one reaches central later although its clock says earlier
    edit({"contact_name": "王老板", "address": "浦东新区张杨路 100 号"}, T0 + timedelta(hours=2), NOW)
    edit({"contact_name": "王经理"}, T0 + timedelta(hours=1), NOW + timedelta(minutes=5))
    with Session(engine) as s:
        c = s.get(Customer, world.customer)
        assert c is not None
        # then the later receipt wins per field, and untouched fields stay
        assert (c.contact_name, c.address) == ("王经理", "浦东新区张杨路 100 号")
        history = s.scalars(select(CustomerFieldChange).order_by(CustomerFieldChange.id)).all()
        assert [(h.field, h.old_value, h.new_value) for h in history] == [
            ("contact_name", None, "王老板"), ("address", None, "浦东新区张杨路 100 号"),
            ("contact_name", "王老板", "王经理")]
        assert history[-1].source == "rep"


def test_rep_may_not_edit_credit_terms(engine: Engine, world: World) -> None:
    ev = CustomerUpdated(customer_id=world.customer, rep_id=world.rep, terminal_id=world.terminal, edited_at=T0,
                         fields={"contact_name": "x", "credit_limit_fen": "99999999"})
    with session_scope(engine) as s, pytest.raises(DomainError) as info:
        apply_customer_updated(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    assert (info.value.code, info.value.field) == ("field_not_editable", "fields.credit_limit_fen")
    with Session(engine) as s:
        c = s.get(Customer, world.customer)
        assert c is not None
        assert c.contact_name is None


def test_transfer_moves_both_sides_and_counts_post_only_differences(engine: Engine, world: World) -> None:
    from central.inventory import service
    from central.inventory.check import check_stock
    from central.inventory.ledger import on_hand
    from central.org.models import Warehouse

    with session_scope(engine) as s:
        central_wh = Warehouse(code="CW", name="中心仓", store_id=None)
        s.add(central_wh)
        s.flush()
        cw = central_wh.id
        service.receive_purchase(s, warehouse_id=cw, lines=[service.DocLine(world.rice, Decimal(100), 4200)])
        posted = service.transfer(s, from_warehouse_id=cw, to_warehouse_id=world.warehouse,
                                  lines=[service.DocLine(world.rice, Decimal(30))])
        assert posted.movements == 2
        counted = service.count_stock(s, warehouse_id=world.warehouse, counted=[
            service.DocLine(world.rice, Decimal(28)), service.DocLine(world.cola, Decimal(0))])
        assert counted.movements == 1  # cola was 0 and counted 0: nothing to post
        with pytest.raises(DomainError) as info:
            service.transfer(s, from_warehouse_id=cw, to_warehouse_id=cw, lines=[service.DocLine(world.rice, Decimal(1))])
        assert info.value.field == "to_warehouse_id"
        with pytest.raises(DomainError):
            service.adjust(s, warehouse_id=cw, kind="adjustment", reason="x", lines=[service.DocLine(world.rice, Decimal(0))])
    with Session(engine) as s:
        assert on_hand(s, cw, world.rice) == 70_000
        assert on_hand(s, world.warehouse, world.rice) == 28_000
        assert check_stock(s).ok
