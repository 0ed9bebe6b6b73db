"""Sale ingest at central: sales, returns, shifts and till audit events, on SQLite and PostgreSQL.

Each test applies real `sync.events` payloads through the services the sync engine calls, inside
one transaction, and checks every table the event must move (and that a refused event moves none).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central.db import session_scope
from central.errors import DomainError, WrongScope
from central.finance.models import ReceivableAccount, ReceivableEntry
from central.inventory.check import check_stock
from central.inventory.ledger import on_hand
from central.inventory.models import StockMovement
from central.members.models import Member, PointsEntry
from central.review.models import ReviewFlag
from central.sales import ingest
from central.sales.errors import (
    DuplicateDocument,
    InconsistentDocument,
    OriginalSaleNotReceived,
    ReturnExceedsSale,
)
from central.sales.models import CancelledCart, DrawerOpening, Sale, SaleLine, SalePayment, SaleReturn, Shift
from sync.events import DrawerOpened, PaymentPayload, SaleCancelled, ShiftClosed, Tender, uuid7

from .conftest import T0, World, line, return_of, sale, shift_opened

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def apply(engine: Engine, w: World, fn: Any, ev: Any) -> Any:
    with session_scope(engine) as s:
        return fn(s, ev, terminal_id=ev.terminal_id, store_id=ev.store_id, received_at=NOW)


def refused(engine: Engine, fn: Any, ev: Any, *, terminal_id: int, store_id: int) -> DomainError:
    """Apply in a transaction that is committed even after the error: proves nothing was written."""
    with session_scope(engine) as s:
        with pytest.raises(DomainError) as info:
            fn(s, ev, terminal_id=terminal_id, store_id=store_id, received_at=NOW)
    return info.value


def count(s: Session, model: Any) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_sale_writes_header_lines_payments_stock_and_shift(engine: Engine, world: World) -> None:
    # given a cash sale of 2 cans, a box of 24 and 1.255 kg of apples
    ev = sale(world, [line(1, world.cola, 2, 300, cost=200), line(2, world.cola, 1, 6600, unit="box", factor=24),
                      line(3, world.apples, "1.255", 1280, tax_bp=900)], rounding=-6)
    # when central applies it
    warnings = apply(engine, world, ingest.apply_sale_completed, ev)
    # then every part is stored
    with Session(engine) as s:
        stored = s.get(Sale, ev.sale_id)
        assert stored is not None
        assert (stored.total_fen, stored.rounding_fen, stored.received_at, stored.sold_at) == (
            ev.total_fen, -6, NOW, T0)
        assert stored.business_date == date(2026, 3, 1)
        assert count(s, SaleLine) == 3
        assert count(s, SalePayment) == 1
        # stock moved in base units: 2 + 24 cans, 1.255 kg apples
        assert on_hand(s, world.warehouse, world.cola) == -26_000
        assert on_hand(s, world.warehouse, world.apples) == -1_255
        kinds = {m.kind for m in s.scalars(select(StockMovement))}
        assert kinds == {"sale"}
        # no cost is known at central yet (nothing was received at a price): unknown, never zero, and
        # the cost the till claimed (200) is not believed
        assert {m.value_fen for m in s.scalars(select(StockMovement))} == {None}
        assert {ln.cost_fen for ln in s.scalars(select(SaleLine))} == {None}
        shift = s.get(Shift, "shift-1")
        assert shift is not None
        assert shift.status == "unknown"
        assert (shift.sales_count, shift.sales_total_fen, shift.cash_in_fen) == (1, ev.total_fen, ev.total_fen)
        assert check_stock(s).ok
    # and selling stock that is not there is a warning, never a refusal
    assert {(x.product_id, x.qty_m) for x in warnings} == {(world.cola, -26_000), (world.apples, -1_255)}


def test_late_evening_sale_belongs_to_the_next_local_day(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], sold_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC))
    apply(engine, world, ingest.apply_sale_completed, ev)
    with Session(engine) as s:
        assert s.scalar(select(Sale.business_date)) == date(2026, 3, 2)


def test_member_points_earned_and_redeemed_keep_the_balance(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.rice, 2, 5990, tax_bp=900)], member_id=world.member, points_earned=116,
              points_redeemed=300, tenders=[(Tender.POINTS, 300), (Tender.WECHAT, 11_680)])
    apply(engine, world, ingest.apply_sale_completed, ev)
    with Session(engine) as s:
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 500 - 300 + 116  # ¥116.80 paid in money at 1 point a yuan
        entries = s.scalars(select(PointsEntry).order_by(PointsEntry.id)).all()
        assert [(e.kind, e.points, e.balance_after) for e in entries] == [("redeem", -300, 200), ("earn", 116, 316)]
        ledger_sum = s.scalar(select(func.sum(PointsEntry.points)))
        assert 500 + int(ledger_sum or 0) == member.points_balance


def test_offline_redemption_overdraw_is_applied_and_flagged(engine: Engine, world: World) -> None:
    # two stores redeemed 400 points each while offline; the member had 500
    for _ in range(2):
        ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], member_id=world.member, points_redeemed=400,
                  points_earned=55, tenders=[(Tender.POINTS, 400), (Tender.CASH, 5590)])
        apply(engine, world, ingest.apply_sale_completed, ev)
    with Session(engine) as s:
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 500 - 400 + 55 - 400 + 55
        flags = [(e.kind, e.overdrawn) for e in s.scalars(select(PointsEntry).order_by(PointsEntry.id))]
        assert flags == [("redeem", False), ("earn", False), ("redeem", True), ("earn", False)]
        review = s.scalars(select(ReviewFlag)).all()
        assert [(f.kind, f.claimed["points_redeemed"], f.computed["balance_after"]) for f in review] == [
            ("points_overdrawn", 400, -245)]
        assert "beyond the member's balance" in review[0].message_en


def test_credit_sale_books_a_receivable_due_after_the_credit_days(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.cola, 10, 6600, unit="box", factor=24)], customer_id=world.customer,
              tenders=[(Tender.CREDIT, 50_000), (Tender.CASH, 16_000)])
    apply(engine, world, ingest.apply_sale_completed, ev)
    ev2 = sale(world, [line(1, world.cola, 10, 6600, unit="box", factor=24)], customer_id=world.customer,
               tenders=[(Tender.CREDIT, 66_000)])
    apply(engine, world, ingest.apply_sale_completed, ev2)
    with Session(engine) as s:
        entries = s.scalars(select(ReceivableEntry).order_by(ReceivableEntry.id)).all()
        assert [(e.kind, e.amount_fen, e.balance_after_fen, e.over_credit_limit) for e in entries] == [
            ("charge", 50_000, 50_000, False), ("charge", 66_000, 116_000, True)]
        assert entries[0].due_date == date(2026, 3, 31)
        account = s.get(ReceivableAccount, world.customer)
        assert account is not None
        assert account.balance_fen == 116_000


def test_credit_sale_without_customer_is_refused(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], tenders=[(Tender.CREDIT, 5990)])
    err = refused(engine, ingest.apply_sale_completed, ev, terminal_id=world.terminal, store_id=world.store)
    assert err.code == "credit_without_customer"


@pytest.mark.parametrize("case", ["other_store", "other_terminal"])
def test_event_for_another_store_or_terminal_is_refused(engine: Engine, world: World, case: str) -> None:
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)])
    kwargs = ({"terminal_id": world.terminal, "store_id": world.store2} if case == "other_store"
              else {"terminal_id": world.terminal2, "store_id": world.store})
    err = refused(engine, ingest.apply_sale_completed, ev, **kwargs)
    assert isinstance(err, WrongScope)
    with Session(engine) as s:
        assert count(s, Sale) == count(s, StockMovement) == count(s, Shift) == 0


def test_unknown_product_is_refused_and_nothing_is_written(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900), line(2, 999_999, 1, 100)])
    err = refused(engine, ingest.apply_sale_completed, ev, terminal_id=world.terminal, store_id=world.store)
    assert err.code == "product_not_found"
    assert err.field == "lines.product_id"
    with Session(engine) as s:
        assert count(s, Sale) == count(s, SaleLine) == count(s, StockMovement) == count(s, Shift) == 0


def test_sale_whose_payments_do_not_add_up_is_refused(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], tenders=[(Tender.CASH, 5000)])
    err = refused(engine, ingest.apply_sale_completed, ev, terminal_id=world.terminal, store_id=world.store)
    assert isinstance(err, InconsistentDocument)
    assert err.field == "payments"


def test_unknown_member_is_deferrable(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], member_id="0190-not-here")
    err = refused(engine, ingest.apply_sale_completed, ev, terminal_id=world.terminal, store_id=world.store)
    assert err.code == "member_not_found"


def test_same_sale_id_or_receipt_number_twice_is_a_duplicate(engine: Engine, world: World) -> None:
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], receipt_no="S01-01-000001")
    apply(engine, world, ingest.apply_sale_completed, ev)
    again = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], receipt_no="S01-01-000001")
    err = refused(engine, ingest.apply_sale_completed, again, terminal_id=world.terminal, store_id=world.store)
    assert isinstance(err, DuplicateDocument)
    assert err.field == "receipt_no"
    err = refused(engine, ingest.apply_sale_completed, ev, terminal_id=world.terminal, store_id=world.store)
    assert err.field == "sale_id"


def test_returns_restock_refund_reverse_points_and_cannot_exceed_the_sale(engine: Engine, world: World) -> None:
    original = sale(world, [line(1, world.cola, 6, 300), line(2, world.rice, 1, 5990, tax_bp=900)],
                    member_id=world.member, points_earned=77)
    apply(engine, world, ingest.apply_sale_completed, original)
    # given a first return of 4 of the 6 cans
    first = return_of(world, original, [(1, "4")], points_reversed=12)
    apply(engine, world, ingest.apply_sale_returned, first)
    with Session(engine) as s:
        assert on_hand(s, world.warehouse, world.cola) == -2_000
        line1 = s.get(SaleLine, (original.sale_id, 1))
        assert line1 is not None
        assert (line1.returned_qty_m, line1.returned_amount_fen) == (4_000, 1_200)
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 500 + 77 - 12
        shift = s.get(Shift, "shift-1")
        assert shift is not None
        assert (shift.returns_count, shift.returns_total_fen, shift.cash_out_fen) == (1, 1200, 1200)
    # when another return asks for 3 more cans (only 2 are left to return)
    second = return_of(world, original, [(1, "3")])
    err = refused(engine, ingest.apply_sale_returned, second, terminal_id=world.terminal, store_id=world.store)
    # then it is refused and nothing moved
    assert isinstance(err, ReturnExceedsSale)
    with Session(engine) as s:
        assert count(s, SaleReturn) == 1
        assert on_hand(s, world.warehouse, world.cola) == -2_000
        assert check_stock(s).ok


def test_damaged_return_comes_back_and_is_written_off(engine: Engine, world: World) -> None:
    original = sale(world, [line(1, world.rice, 2, 5990, tax_bp=900)])
    apply(engine, world, ingest.apply_sale_completed, original)
    apply(engine, world, ingest.apply_sale_returned, return_of(world, original, [(1, "1")], restock=False))
    with Session(engine) as s:
        kinds = [m.kind for m in s.scalars(select(StockMovement).order_by(StockMovement.id))]
        assert kinds == ["sale", "return", "loss"]
        assert on_hand(s, world.warehouse, world.rice) == -2_000


def test_return_to_credit_gives_a_credit_note(engine: Engine, world: World) -> None:
    original = sale(world, [line(1, world.rice, 5, 5990, tax_bp=900)], customer_id=world.customer,
                    tenders=[(Tender.CREDIT, 29_950)])
    apply(engine, world, ingest.apply_sale_completed, original)
    apply(engine, world, ingest.apply_sale_returned, return_of(world, original, [(1, "2")], tender=Tender.CREDIT))
    with Session(engine) as s:
        account = s.get(ReceivableAccount, world.customer)
        assert account is not None
        assert account.balance_fen == 29_950 - 11_980
        kinds = [e.kind for e in s.scalars(select(ReceivableEntry).order_by(ReceivableEntry.id))]
        assert kinds == ["charge", "credit_note"]


def test_return_before_its_sale_is_deferred_with_nothing_written(engine: Engine, world: World) -> None:
    original = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)])
    ret = return_of(world, original, [(1, "1")])
    err = refused(engine, ingest.apply_sale_returned, ret, terminal_id=world.terminal, store_id=world.store)
    assert isinstance(err, OriginalSaleNotReceived)
    assert err.code == "original_sale_not_found"
    with Session(engine) as s:
        assert count(s, SaleReturn) == count(s, Shift) == 0


def test_shift_open_close_and_a_late_sale_corrects_the_closed_shift(engine: Engine, world: World) -> None:
    apply(engine, world, ingest.apply_shift_opened, shift_opened(world))
    first = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)])
    apply(engine, world, ingest.apply_sale_completed, first)
    closed = ShiftClosed(shift_id="shift-1", store_id=world.store, terminal_id=world.terminal,
                         cashier_id=world.cashier, closed_at=T0 + timedelta(hours=8), counted_cash_fen=32_000,
                         expected_cash_fen=31_980, sales_count=2, returns_count=0,
                         totals_by_tender={"cash": 11_980}, denominations={"10000": 3, "1000": 2})
    apply(engine, world, ingest.apply_shift_closed, closed)
    # when the second sale of the shift arrives after central closed it
    late = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], sold_at=T0 + timedelta(hours=7))
    apply(engine, world, ingest.apply_sale_completed, late)
    with Session(engine) as s:
        shift = s.get(Shift, "shift-1")
        assert shift is not None
        assert shift.status == "closed"
        assert (shift.sales_count, shift.sales_total_fen, shift.late_postings) == (2, 11_980, 1)
        assert shift.corrected_at == NOW
        assert shift.expected_cash_fen == 20_000 + 11_980
        assert shift.cash_difference_fen == 32_000 - 31_980
        assert s.scalars(select(Sale.late).order_by(Sale.sold_at)).all() == [False, True]
        assert ingest.shift_tender_totals(s, "shift-1") == {"cash": 11_980}


def test_sale_before_its_shift_opened_event_then_the_shift_fills_in(engine: Engine, world: World) -> None:
    apply(engine, world, ingest.apply_sale_completed, sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)]))
    apply(engine, world, ingest.apply_shift_opened, shift_opened(world))
    with Session(engine) as s:
        shift = s.get(Shift, "shift-1")
        assert shift is not None
        assert (shift.status, shift.opening_float_fen, shift.sales_count) == ("open", 20_000, 1)
    err = refused(engine, ingest.apply_shift_opened, shift_opened(world), terminal_id=world.terminal,
                  store_id=world.store)
    assert isinstance(err, DuplicateDocument)


def test_cancelled_cart_and_no_sale_drawer_are_recorded_for_audit(engine: Engine, world: World) -> None:
    apply(engine, world, ingest.apply_sale_cancelled, SaleCancelled(
        cart_id="cart-1", store_id=world.store, terminal_id=world.terminal, shift_id="shift-1",
        cashier_id=world.cashier, cancelled_at=T0, line_count=3, amount_fen=2_350, reason="顾客不要了"))
    apply(engine, world, ingest.apply_drawer_opened, DrawerOpened(
        store_id=world.store, terminal_id=world.terminal, shift_id="shift-1", cashier_id=world.cashier,
        approved_by=world.cashier, opened_at=T0, reason="找零"))
    with Session(engine) as s:
        cart = s.get(CancelledCart, "cart-1")
        assert cart is not None
        assert (cart.amount_fen, cart.received_at) == (2_350, NOW)
        drawer = s.scalars(select(DrawerOpening)).one()
        assert drawer.reason == "找零"
        assert drawer.opened_at == T0


def test_concurrent_sales_of_the_same_products_lose_nothing_and_never_deadlock(engine: Engine,
                                                                                 world: World) -> None:
    # given four tills selling the same products (in opposite line orders) and redeeming one member's points
    import threading

    errors: list[BaseException] = []

    def till(k: int) -> None:
        try:
            for _ in range(8):
                lines = [line(1, world.cola, 1, 300), line(2, world.rice, 2, 5990, tax_bp=900)]
                if k % 2:
                    lines = [line(1, world.rice, 2, 5990, tax_bp=900), line(2, world.cola, 1, 300)]
                ev = sale(world, lines, shift_id=f"shift-{k}", member_id=world.member, points_redeemed=10,
                          points_earned=122, tenders=[(Tender.POINTS, 10), (Tender.CASH, 12_270)])
                with session_scope(engine) as s:
                    ingest.apply_sale_completed(s, ev, terminal_id=world.terminal, store_id=world.store,
                                                received_at=NOW)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    # when they all push at once
    threads = [threading.Thread(target=till, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every sale is there, stock and points moved exactly once per sale
    assert errors == []
    with Session(engine) as s:
        assert count(s, Sale) == 32
        assert on_hand(s, world.warehouse, world.cola) == -32_000
        assert on_hand(s, world.warehouse, world.rice) == -64_000
        assert check_stock(s).ok
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 500 - 320 + 32 * 122
        assert s.scalar(select(func.count()).select_from(PointsEntry)) == 64


def test_a_sale_with_a_member_publishes_the_new_balance_to_the_change_feed(engine: Engine, world: World) -> None:
    import json as _json

    from central.syncing.entities import install
    from central.syncing.models import SyncFeed

    install()
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], member_id=world.member, points_earned=59)
    apply(engine, world, ingest.apply_sale_completed, ev)
    with Session(engine) as s:
        rows = s.scalars(select(SyncFeed).where(SyncFeed.entity == "member", SyncFeed.entity_id == world.member)).all()
        assert rows
        assert _json.loads(rows[-1].data or "{}")["points_balance"] == 559


def test_a_full_return_gives_back_rounding_up_but_never_more_than_was_paid(engine: Engine, world: World) -> None:
    from sync.events import ReturnLinePayload, SaleReturned

    # given a sale whose 抹零 rounded 5 fen up (half-up to the jiao): ¥59.95 due → ¥60.00 paid
    original = sale(world, [line(1, world.rice, 1, 5995, tax_bp=900)], rounding=5)
    apply(engine, world, ingest.apply_sale_completed, original)

    def full_return(amount: int) -> SaleReturned:
        ol = original.lines[0]
        rid = uuid7()
        return SaleReturned(
            return_id=rid, receipt_no=f"R-{rid[-8:]}", original_sale_id=original.sale_id,
            original_receipt_no=original.receipt_no, store_id=world.store, terminal_id=world.terminal,
            shift_id="shift-1", returned_at=T0, refunds=[PaymentPayload(tender=Tender.CASH, amount_fen=amount)],
            lines=[ReturnLinePayload(original_line_no=1, product_id=ol.product_id, sku=ol.sku, unit_code="pc",
                                     unit_factor=1, qty=ol.qty, amount_fen=amount, tax_fen=0)],
            total_fen=amount, tax_fen=0)

    # when more than was paid is asked back, it is refused; exactly what was paid is accepted
    err = refused(engine, ingest.apply_sale_returned, full_return(6_001), terminal_id=world.terminal,
                  store_id=world.store)
    assert isinstance(err, ReturnExceedsSale)
    apply(engine, world, ingest.apply_sale_returned, full_return(6_000))
    with Session(engine) as s:
        stored = s.get(Sale, original.sale_id)
        assert stored is not None
        assert stored.refunded_fen == stored.total_fen == 6_000


def test_one_push_batch_in_one_session_sees_its_own_shift_changes(engine: Engine, world: World) -> None:
    # given a terminal's whole day arriving in one push (one session, one transaction, as the sync engine does)
    closed = ShiftClosed(shift_id="shift-1", store_id=world.store, terminal_id=world.terminal,
                         cashier_id=world.cashier, closed_at=T0 + timedelta(hours=8), counted_cash_fen=0,
                         expected_cash_fen=0, sales_count=2, returns_count=0)
    events: list[tuple[Any, Any]] = [
        (ingest.apply_sale_completed, sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)])),
        (ingest.apply_shift_opened, shift_opened(world)),
        (ingest.apply_sale_completed, sale(world, [line(1, world.cola, 2, 300)])),
        (ingest.apply_shift_closed, closed),
        (ingest.apply_sale_completed, sale(world, [line(1, world.cola, 1, 300)])),
    ]
    with session_scope(engine) as s:
        for fn, ev in events:
            fn(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    # then only the sale after the close is late, and the figures count all three
    with Session(engine) as s:
        shift = s.get(Shift, "shift-1")
        assert shift is not None
        assert (shift.status, shift.sales_count, shift.late_postings) == ("closed", 3, 1)
        assert s.scalars(select(Sale.late).order_by(Sale.total_fen)).all() == [True, False, False]


def test_two_returns_of_one_sale_in_one_batch_cannot_exceed_it(engine: Engine, world: World) -> None:
    original = sale(world, [line(1, world.cola, 6, 300)])
    apply(engine, world, ingest.apply_sale_completed, original)
    with session_scope(engine) as s:
        ingest.apply_sale_returned(s, return_of(world, original, [(1, "4")]), terminal_id=world.terminal,
                                   store_id=world.store, received_at=NOW)
        with pytest.raises(ReturnExceedsSale):
            ingest.apply_sale_returned(s, return_of(world, original, [(1, "3")]), terminal_id=world.terminal,
                                       store_id=world.store, received_at=NOW)
    with Session(engine) as s:
        assert count(s, SaleReturn) == 1


def test_a_run_of_sales_applied_at_once_equals_one_by_one(engine: Engine, world: World) -> None:
    apply(engine, world, ingest.apply_shift_opened, shift_opened(world))
    apply(engine, world, ingest.apply_shift_closed, ShiftClosed(
        shift_id="shift-1", store_id=world.store, terminal_id=world.terminal, cashier_id=world.cashier,
        closed_at=T0, counted_cash_fen=20_000, expected_cash_fen=20_000, sales_count=0, returns_count=0))
    run = [sale(world, [line(1, world.cola, 2, 300)]),  # two late sales of the closed shift
           sale(world, [line(1, world.cola, 1, 300), line(2, world.rice, 1, 5990, tax_bp=900)],
                member_id=world.member, points_earned=62),
           sale(world, [line(1, world.rice, 2, 5990, tax_bp=900)], shift_id="shift-2", customer_id=world.customer,
                tenders=[(Tender.CREDIT, 11_980)])]
    bad_run = [sale(world, [line(1, world.cola, 1, 300)], shift_id="shift-2"),
               sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], tenders=[(Tender.CASH, 1)])]
    with session_scope(engine) as s:
        with pytest.raises(InconsistentDocument):
            ingest.apply_sales_completed(s, bad_run, terminal_id=world.terminal, store_id=world.store,
                                         received_at=NOW)
        warnings = ingest.apply_sales_completed(s, run, terminal_id=world.terminal, store_id=world.store,
                                                received_at=NOW)
    assert {w.product_id for w in warnings} == {world.cola, world.rice}
    with Session(engine) as s:
        assert count(s, Sale) == 3  # nothing of the bad run
        late = s.get(Shift, "shift-1")
        assert late is not None
        assert (late.sales_count, late.sales_total_fen, late.late_postings) == (2, 600 + 6_290, 2)
        assert (late.cash_in_fen, late.expected_cash_fen) == (6_890, 20_000 + 6_890)
        assert s.scalars(select(Sale.late).order_by(Sale.shift_id, Sale.total_fen)).all() == [True, True, False]
        assert on_hand(s, world.warehouse, world.cola) == -3_000
        assert on_hand(s, world.warehouse, world.rice) == -3_000
        assert [m.source_line for m in s.scalars(select(StockMovement).order_by(StockMovement.id))] == [1, 1, 2, 1]
        assert check_stock(s).ok
        member = s.get(Member, world.member)
        assert member is not None
        assert member.points_balance == 562
        assert s.get(ReceivableAccount, world.customer) is not None
    with session_scope(engine) as s:
        err = pytest.raises(DuplicateDocument, ingest.apply_sales_completed, s, [run[0]], terminal_id=world.terminal,
                            store_id=world.store, received_at=NOW)
        assert err.value.field == "sale_id"


# ---------------------------------------------------------------------------- references without per-row keys


def test_unknown_cashier_is_refused_and_nothing_is_written(engine: Engine, world: World) -> None:
    # sales name their cashier without a FOREIGN KEY per row: the ingest checks it once per run
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], cashier_id=987_654)
    err = refused(engine, ingest.apply_sale_completed, ev, terminal_id=world.terminal, store_id=world.store)
    assert err.code == "cashier_not_found"
    assert err.field == "cashier_id"
    with Session(engine) as s:
        assert count(s, Sale) == count(s, SaleLine) == count(s, StockMovement) == count(s, Shift) == 0


def test_in_a_run_only_the_sale_with_the_unknown_cashier_is_refused(engine: Engine, world: World) -> None:
    good = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)])
    bad = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], cashier_id=987_654)
    with session_scope(engine) as s:
        errors = ingest.check_sales_completed(s, [good, bad], terminal_id=world.terminal, store_id=world.store)
    assert errors[0] is None
    assert errors[1] is not None
    assert errors[1].code == "cashier_not_found"


@pytest.mark.parametrize("field", ["product_id", "warehouse_id", "user_id"])
def test_the_ledger_refuses_a_movement_naming_a_row_that_does_not_exist(engine: Engine, world: World,
                                                                         field: str) -> None:
    from central.inventory.ledger import Movement, post_movements

    fields: dict[str, Any] = {"warehouse_id": world.warehouse, "product_id": world.rice, "user_id": world.cashier}
    fields[field] = 876_543
    with session_scope(engine) as s:
        with pytest.raises(DomainError) as info:
            post_movements(s, [Movement(kind="adjustment", qty_m=1000, source_type="adjustment", source_id="adj-1",
                                        occurred_at=NOW, **fields)])
    assert info.value.field == field
    assert info.value.code.endswith("_not_found")
    with Session(engine) as s:
        assert count(s, StockMovement) == 0


def test_a_product_that_was_sold_cannot_be_deleted(engine: Engine, world: World) -> None:
    # its sale lines and movements hold no FOREIGN KEY to it, but its on-hand row does
    from sqlalchemy import delete
    from sqlalchemy.exc import IntegrityError

    from central.catalog.models import Barcode, Product, ProductUnit

    apply(engine, world, ingest.apply_sale_completed, sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)]))
    with session_scope(engine) as s:
        s.execute(delete(Barcode).where(Barcode.product_id == world.rice))
        s.execute(delete(ProductUnit).where(ProductUnit.product_id == world.rice))
        with pytest.raises(IntegrityError):
            s.execute(delete(Product).where(Product.id == world.rice))


def test_check_stock_reports_a_dangling_reference(engine: Engine, world: World) -> None:
    apply(engine, world, ingest.apply_sale_completed, sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)]))
    with Session(engine) as s:
        assert check_stock(s).ok
        assert check_stock(s).dangling == {}
    with session_scope(engine) as s:  # what a FOREIGN KEY per row would have refused, written behind its back
        s.execute(SaleLine.__table__.update().values(product_id=765_432))
        s.execute(SalePayment.__table__.update().values(sale_id="no-such-sale"))
    with Session(engine) as s:
        result = check_stock(s)
        assert result.dangling == {"sale_lines.product_id": 1, "sale_payments.sale_id": 1}
        assert not result.ok


def test_times_are_stored_to_the_microsecond_in_utc(engine: Engine, world: World) -> None:
    # the bulk path hands COPY its times as ISO text (each distinct one formatted once)
    sold = datetime(2026, 3, 1, 23, 59, 59, 987_654, tzinfo=timezone(timedelta(hours=8)))
    received = datetime(2026, 3, 1, 16, 0, 0, 123_456, tzinfo=UTC)
    ev = sale(world, [line(1, world.rice, 1, 5990, tax_bp=900), line(2, world.cola, 2, 300)], sold_at=sold)
    with session_scope(engine) as s:
        ingest.apply_sale_completed(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=received)
    with Session(engine) as s:
        stored = s.get(Sale, ev.sale_id)
        assert stored is not None
        assert stored.sold_at == sold
        assert stored.sold_at.utcoffset() == timedelta(0)
        assert stored.received_at == received
        assert stored.business_date == date(2026, 3, 1)  # 23:59:59 in Shanghai
        moves = s.execute(select(StockMovement.occurred_at, StockMovement.recorded_at)).all()
        assert moves == [(sold, received)] * 2
