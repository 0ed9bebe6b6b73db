"""Returns: by receipt number or QR, partial and full, never more than sold, refunds and points."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sync.events import EventType, SaleReturned, Tender
from terminal.checkout import Checkout, CompletedSale
from terminal.errors import ApprovalRequired, NotFound, ReturnError
from terminal.returns import find_sale, return_sale
from terminal.session import Action, Approval, Session
from terminal.shift import shift_report
from terminal.store import Store
from tests.terminal.helpers import CHIPS, COLA, MANAGER_PIN, RICE, add_member, set_store


@pytest.fixture
def ok(session: Session) -> Approval:
    return session.approve(Action.REFUND, "9001", MANAGER_PIN)


def _sale(till: Checkout, *codes: str, pay: list[tuple[str, int, str | None]] | None = None) -> CompletedSale:
    for c in codes:
        till.scan(c)
    for tender, amount, ref in pay or [("cash", till.total_fen, None)]:
        if tender == "cash":
            till.add_payment(tender, tendered_fen=amount)
        else:
            till.add_payment(tender, amount, reference=ref)
    return till.complete()


def test_return_needs_manager(till: Checkout, session: Session) -> None:
    sale = _sale(till, COLA)
    with pytest.raises(ApprovalRequired):
        return_sale(till.store, session, sale.receipt_no, {1: 1})


def test_partial_then_rest_never_more_than_sold(till: Checkout, store: Store, session: Session, ok: Approval) -> None:
    sale = _sale(till, COLA, COLA, COLA, CHIPS)  # 3 × 3.00 + 8.50
    r1 = return_sale(store, session, sale.receipt_no, {1: 2}, approval=ok, reason="买多了")
    assert r1.payload.total_fen == 600
    assert r1.receipt_no == "S01-T03-R000001"
    assert [(r.tender, r.amount_fen) for r in r1.payload.refunds] == [(Tender.CASH, 600)]
    with pytest.raises(ReturnError, match="at most 1"):
        return_sale(store, session, sale.receipt_no, {1: 2}, approval=ok)
    with pytest.raises(ReturnError):
        return_sale(store, session, sale.receipt_no, {9: 1}, approval=ok)
    with pytest.raises(ReturnError):
        return_sale(store, session, sale.receipt_no, {1: "0.5"}, approval=ok)
    r2 = return_sale(store, session, f"RECEIPT:{sale.receipt_no}", {1: 1, 2: 1}, approval=ok)
    assert r2.payload.total_fen == 300 + 850
    assert find_sale(store, sale.receipt_no).fully_returned
    assert r1.payload.total_fen + r2.payload.total_fen == sale.payload.total_fen
    evs = [e for e in store.outbox.unacked() if e.type is EventType.SALE_RETURNED]
    assert len(evs) == 2
    parsed = evs[1].parsed()
    assert isinstance(parsed, SaleReturned)
    assert all(ln.restock for ln in parsed.lines)
    # shift report shows the refunds
    rep = shift_report(store, sale.payload.shift_id)
    assert rep.returns_count == 2
    assert rep.expected_cash_fen == 20_000 + sale.payload.total_fen - 1750


def test_refund_by_original_tenders_or_cash(till: Checkout, store: Store, session: Session, ok: Approval) -> None:
    sale = _sale(till, RICE, CHIPS, pay=[("wechat", 4000, "WX1"), ("cash", 2840, None)])
    r = return_sale(store, session, sale.receipt_no, {1: 1}, approval=ok)
    assert sum(x.amount_fen for x in r.payload.refunds) == 5990
    assert {x.tender for x in r.payload.refunds} == {Tender.WECHAT, Tender.CASH}
    wx = next(x for x in r.payload.refunds if x.tender is Tender.WECHAT)
    assert wx.reference == "WX1"
    r2 = return_sale(store, session, sale.receipt_no, {2: 1}, refund_to="cash", approval=ok)
    assert [(x.tender, x.amount_fen) for x in r2.payload.refunds] == [(Tender.CASH, 850)]


def test_full_return_gives_back_what_was_paid_after_moling(till: Checkout, store: Store, session: Session,
                                                          ok: Approval) -> None:
    set_store(store, rounding_mode="yuan_down", version=2)
    sale = _sale(till, RICE, CHIPS)  # 68.40 → 68.00
    assert sale.payload.total_fen == 6800
    r1 = return_sale(store, session, sale.receipt_no, {2: 1}, approval=ok)
    assert r1.payload.total_fen == 850
    r2 = return_sale(store, session, sale.receipt_no, {1: 1}, approval=ok)
    assert r1.payload.total_fen + r2.payload.total_fen == 6800
    assert sum(ln.amount_fen for ln in r2.payload.lines) == r2.payload.total_fen


def test_points_reversed_and_given_back(till: Checkout, store: Store, session: Session, ok: Approval) -> None:
    add_member(store, "m-9", "888009", points=2000)
    till.scan(RICE)
    till.scan(CHIPS)
    till.set_member("888009")
    till.redeem_points(1000)  # ¥10
    till.add_payment("cash", tendered_fen=till.total_fen)
    sale = till.complete()
    earned = sale.payload.points_earned
    assert earned > 0
    from terminal.members import find_member

    before = find_member(store, till.catalog, "888009").points_balance
    assert before == 2000 - 1000 + earned
    r = return_sale(store, session, sale.receipt_no, {1: 1, 2: 1}, approval=ok)
    assert r.payload.points_reversed == earned
    assert r.payload.points_refunded == 1000
    assert r.payload.total_fen == sale.payload.total_fen
    assert find_member(store, till.catalog, "888009").points_balance == 2000


def test_unknown_receipt_and_weighed_partial(till: Checkout, store: Store, session: Session, ok: Approval) -> None:
    with pytest.raises(NotFound, match="online"):
        find_sale(store, "S09-T01-000001")
    till.add_weighed(6, "1.500")  # 19.20
    sale = _sale(till)
    r = return_sale(store, session, sale.receipt_no, {1: "0.500"}, approval=ok)
    assert r.payload.total_fen == 640
    assert r.payload.lines[0].qty == Decimal("0.500")


def test_receipt_found_by_its_sequence_number_alone(till: Checkout, store: Store, session: Session,
                                                     ok: Approval) -> None:
    # a faded receipt: the cashier types what is legible, "000002" or "2", without this till's "S01-T03-"
    first = _sale(till, COLA)
    second = _sale(till, CHIPS, COLA)
    assert second.receipt_no == "S01-T03-000002"
    for typed in ("000002", "2", " 02 ", "０００００２"):
        assert find_sale(store, typed, online=False).sale.sale_id == second.sale_id, typed
    assert find_sale(store, "1").sale.sale_id == first.sale_id
    r = return_sale(store, session, "000002", {2: 1}, approval=ok)
    assert r.payload.original_receipt_no == second.receipt_no
    assert [ln.qty_returned for ln in find_sale(store, "2").lines] == [0, 1]
    # full numbers are taken as they are; a number this till never issued is still not found, by its full name
    assert find_sale(store, second.receipt_no).sale.sale_id == second.sale_id
    assert find_sale(store, f"RECEIPT:{first.receipt_no}").sale.sale_id == first.sale_id
    with pytest.raises(NotFound, match="S01-T03-000009"):
        find_sale(store, "9")
    with pytest.raises(NotFound, match="S09-T01-000002"):
        find_sale(store, "S09-T01-000002")
    # online, central is asked for the full number
    with store.transaction():
        store.set_setting("server_url", "http://central.invalid")
        store.set_setting("credential", "test")
    asked: list[str] = []
    assert find_sale(store, "2", fetch=lambda _store, no: asked.append(no)).sale.sale_id == second.sale_id
    assert asked == ["S01-T03-000002"]
