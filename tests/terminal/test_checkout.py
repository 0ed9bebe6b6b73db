"""Checkout logic without Kivy, on a real SQLite file: scan, edit, promotions, members, pay, commit."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from sync.barcodes import with_check_digit
from sync.events import EventType, SaleCompleted, Tender
from sync.master import Entity
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.errors import ApprovalRequired, CartError, NotFound, PaymentError, ShiftError
from terminal.session import Action, Session
from terminal.store import Store
from terminal.store.seed import put_master
from tests.terminal.helpers import (
    CHIPS,
    COLA,
    COLA_BOX,
    MANAGER_PIN,
    RICE,
    WATER,
    add_member,
    add_promotion,
    set_store,
)


def _scale(item: str, value: int) -> str:
    return with_check_digit(f"20{item}{value:05d}")


def test_scan_piece_box_and_repeat(till: Checkout) -> None:
    assert till.scan(COLA) == 0
    assert till.scan(COLA) == 0  # same piece: quantity + 1
    assert till.scan(COLA_BOX) == 1  # the box barcode adds the box unit
    lines = till.priced.lines
    assert (lines[0].unit_code, lines[0].qty, lines[0].amount_fen) == ("pc", Decimal(2), 600)
    assert (lines[1].unit_code, lines[1].unit_factor, lines[1].amount_fen) == ("box", 24, 6600)
    assert till.total_fen == 7200


def test_scan_upc_a_form_and_sku(till: Checkout) -> None:
    till.scan("1002")  # SKU typed
    assert till.priced.lines[0].sku == "1002"
    with pytest.raises(NotFound):
        till.scan("6909999999999")
    with pytest.raises(NotFound):
        till.scan("   ")


def test_weighed_scale_labels(till: Checkout) -> None:
    till.scan(_scale("00001", 1250))  # 1.250 kg of apples at 12.80/kg
    line = till.priced.lines[0]
    assert line.qty == Decimal("1.250")
    assert line.amount_fen == 1600
    set_store(till.store, version=2, scale_layout={"value": "price"})
    till.scan(_scale("00001", 999))  # price-embedded label: ¥9.99
    line = till.priced.lines[1]
    assert line.amount_fen == 999
    assert line.price_source == "scale"
    with pytest.raises(CartError):
        till.set_qty(1, 2)
    with pytest.raises(NotFound):  # wrong check digit
        till.scan("2000001012500")


def test_weighed_product_cannot_be_added_as_pieces(till: Checkout) -> None:
    with pytest.raises(CartError):
        till.add_product(6)
    till.add_weighed(6, "0.500")
    assert till.priced.lines[0].amount_fen == 640


def test_search_by_name_pinyin_and_sku(till: Checkout) -> None:
    cat = till.catalog
    assert [h.sku for h in cat.search("kkkl")] == ["1001"]
    assert [h.sku for h in cat.search("KKKL")] == ["1001"]
    assert [h.sku for h in cat.search("kl")] == ["1001"]  # initials inside the name (可口可乐)
    assert {h.sku for h in cat.search("sp")} == {"1002", "00001"}  # 乐事薯片 lssp, 红富士苹果 hfspg
    assert [h.sku for h in cat.search("薯片")] == ["1002"]
    assert {h.sku for h in cat.search("100")} == {"1001", "1002", "1003", "1004", "1005"}
    assert cat.search("%") == []
    assert cat.search("") == []


def test_qty_edit_void_and_bad_qty(till: Checkout) -> None:
    till.scan(COLA)
    till.scan(CHIPS)
    till.set_qty(0, 5)
    assert till.total_fen == 5 * 300 + 850
    for bad in ("0", "-1", "1.5", "abc"):
        with pytest.raises(CartError):
            till.set_qty(0, bad)
    assert till.priced.lines[0].qty == Decimal(5)  # unchanged after refused edits
    till.void_line(0)
    assert [ln.sku for ln in till.priced.lines] == ["1002"]
    assert till.store.scalar("SELECT count(*) FROM audit_log WHERE action='void_line'") == 1


def test_price_override_needs_manager_and_is_audited(till: Checkout, session: Session) -> None:
    till.scan(COLA)
    with pytest.raises(ApprovalRequired):
        till.override_price(0, 250)
    approval = session.approve(Action.PRICE_OVERRIDE, "9001", MANAGER_PIN)
    till.override_price(0, 250, approval)
    assert till.priced.lines[0].price_source == "override"
    assert till.total_fen == 250
    row = till.store.one("SELECT * FROM audit_log WHERE action='price_override'")
    assert row is not None
    assert row["approved_by"] == 21
    assert json.loads(row["detail"])["from_fen"] == 300
    # the sale names the approving manager on the overridden line (central checks it), only there
    till.scan(CHIPS)
    till.add_payment(Tender.CASH, tendered_fen=2000)
    sale = till.complete()
    assert [(ln.price_source, ln.approved_by) for ln in sale.payload.lines] == [("override", 21), ("base", None)]
    assert "approved_by" not in json.loads(sale.payload.model_dump_json(exclude_unset=True))["lines"][1]


def test_line_and_order_discounts(till: Checkout, session: Session) -> None:
    till.scan(RICE)  # 59.90
    till.scan(CHIPS)  # 8.50
    with pytest.raises(ApprovalRequired):
        till.discount_line(0, amount_fen=100)
    ok = session.approve(Action.DISCOUNT, "9001", MANAGER_PIN)
    till.discount_line(0, amount_fen=990, approval=ok)
    assert till.priced.lines[0].amount_fen == 5000
    with pytest.raises(CartError):
        till.discount_line(1, amount_fen=10_000, approval=ok)
    till.discount_order(percent_off_bp=1000, approval=ok)  # 10% of 58.50
    assert till.priced.discount_fen == 990 + 585
    assert sum(ln.order_discount_fen for ln in till.priced.lines) == 585
    assert till.total_fen == 5850 - 585


def test_promotions_apply_automatically_and_show_on_lines(till: Checkout) -> None:
    add_promotion(till.store, 1, "buy_x_get_y", name="可乐买二送一", product_ids=frozenset({1}), buy_qty=2, free_qty=1)
    add_promotion(till.store, 2, "threshold", name="满50减5", threshold_fen=5000, amount_off_fen=500)
    for _ in range(3):
        till.scan(COLA)
    cola = till.priced.lines[0]
    assert cola.line_discount_fen == 300
    assert 1 in cola.promotion_ids
    assert till.total_fen == 600
    till.scan(RICE)
    assert 2 in till.priced.promotion_ids
    assert till.total_fen == 600 + 5990 - 500
    names = {a.name for a in till.priced.applied}
    assert names == {"可乐买二送一", "满50减5"}


def test_member_level_price_points_and_redeem(till: Checkout) -> None:
    add_member(till.store, "m-1", "888001", phone="13800138000", level="gold", points=1000)
    till.scan(RICE)
    member = till.set_member("13800138000")
    assert member.level_name == "金卡"
    assert member.masked_phone == "138****8000"
    assert till.priced.lines[0].price_source == "member_level"
    assert till.total_fen == 5691  # 5% off 59.90
    assert till.points_earned == 113  # 2 points per yuan on 56.91
    till.redeem_points(500)  # ¥5.00
    assert till.total_fen == 5191
    with pytest.raises(CartError):
        till.redeem_points(5000)
    shown = till.points_earned  # shown before payment
    till.add_payment(Tender.CASH, tendered_fen=6000)
    sale = till.complete()
    # money payments add up to the total (central checks it); points travel as points_redeemed
    assert [(p.tender, p.amount_fen) for p in sale.payload.payments] == [(Tender.CASH, 5191)]
    assert sale.payload.points_redeemed == 500
    from sync.events import sale_points_value_fen

    assert sale.payload.points_value_fen == 500
    assert sale_points_value_fen(sale.payload) == 500
    assert sale.change_fen == 809
    # balance shown next time = synced 1000 − 500 redeemed + points earned (the rule is sync.pricing's)
    assert sale.payload.points_earned == shown > 0
    again = till.set_member("888001")
    assert again.points_balance == 1000 - 500 + shown


def test_member_by_qr_and_not_found(till: Checkout) -> None:
    add_member(till.store, "m-2", "888002")
    assert till.set_member("MEMBER:888002").id == "m-2"
    with pytest.raises(NotFound):
        till.set_member("000")


def test_create_member_at_till(till: Checkout) -> None:
    till.scan(COLA)
    m = till.create_member(phone="13900001111", name="小明")
    assert m.created_here
    assert m.card_no.startswith("S01T03M")
    assert till.member is not None
    with pytest.raises(Exception, match="exists"):
        till.create_member(phone="13900001111")
    with pytest.raises(Exception, match="phone"):
        till.create_member(phone="12345")
    with pytest.raises(Exception, match="phone"):  # 11 digits, but not a mobile number (sync.phones)
        till.create_member(phone="23900001111")
    (ev,) = [e for e in till.store.outbox.unacked() if e.type is EventType.MEMBER_CREATED]
    assert ev.payload["phone"] == "13900001111"


def test_split_payment_card_wechat_cash(till: Checkout) -> None:
    till.scan(RICE)
    till.scan(CHIPS)  # 68.40
    with pytest.raises(PaymentError):
        till.add_payment(Tender.WECHAT, 1000)  # no reference
    till.add_payment(Tender.WECHAT, 1000, reference="4200001234")
    till.add_payment(Tender.BANK_CARD, 3000, reference="CARD-778")
    with pytest.raises(PaymentError):
        till.add_payment(Tender.ALIPAY, 5000, reference="x")  # more than due
    assert till.remaining_fen == 2840
    assert till.quick_cash_amounts() == [2840, 3000, 4000, 5000, 10000]
    till.add_payment(Tender.CASH, tendered_fen=5000)
    assert till.change_fen == 2160
    with pytest.raises(CartError):  # cart is frozen once payments were taken
        till.scan(COLA)
    sale = till.complete()
    assert [p.tender for p in sale.payload.payments] == [Tender.WECHAT, Tender.BANK_CARD, Tender.CASH]
    assert sale.payload.payments[2].tendered_fen == 5000
    assert sale.cash_fen == 2840


def test_cannot_complete_unpaid_or_without_shift(till: Checkout, store: Store, session: Session) -> None:
    till.scan(COLA)
    with pytest.raises(PaymentError):
        till.complete()
    assert store.scalar("SELECT count(*) FROM sales") == 0
    from terminal.shift import close_shift

    close_shift(store, session, {})
    till.add_payment(Tender.CASH, tendered_fen=300)
    with pytest.raises(ShiftError):
        till.complete()
    assert store.scalar("SELECT count(*) FROM sales") == 0


def test_complete_commits_sale_lines_payments_and_event_together(till: Checkout, store: Store) -> None:
    till.scan(COLA)
    till.scan(CHIPS)
    till.add_payment("cash", tendered_fen=2000)
    sale = till.complete()
    assert sale.receipt_no == "S01-T03-000001"
    row = store.one("SELECT * FROM sales WHERE id=?", (sale.sale_id,))
    assert row is not None
    assert row["total_fen"] == 1150
    assert store.scalar("SELECT count(*) FROM sale_lines WHERE sale_id=?", (sale.sale_id,)) == 2
    assert store.scalar("SELECT count(*) FROM payments WHERE sale_id=?", (sale.sale_id,)) == 1
    ev = store.outbox.get(row["event_seq"])
    assert ev is not None
    assert ev.type is EventType.SALE_COMPLETED
    parsed = ev.parsed()
    assert isinstance(parsed, SaleCompleted)
    assert parsed == sale.payload
    assert till.is_empty  # a new cart
    till.scan(WATER)
    till.add_payment("cash", tendered_fen=200)
    assert till.complete().receipt_no == "S01-T03-000002"


def test_failed_commit_leaves_nothing(till: Checkout, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    till.scan(COLA)
    till.add_payment("cash", tendered_fen=300)
    import terminal.checkout as checkout_mod

    def boom(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(checkout_mod, "record_sale", boom)
    with pytest.raises(RuntimeError):
        till.complete()
    assert store.scalar("SELECT count(*) FROM sales") == 0
    assert store.scalar("SELECT count(*) FROM outbox WHERE type='sale.completed'") == 0
    assert store.scalar("SELECT value FROM local_seq WHERE name='receipt'") is None
    assert not till.is_empty  # the cart is still there to try again
    monkeypatch.undo()
    assert till.complete().receipt_no == "S01-T03-000001"


def test_rounding_moling_per_store_setting(till: Checkout) -> None:
    set_store(till.store, rounding_mode="jiao_down", version=2)
    till.scan(CHIPS)
    till.scan(COLA)
    till.scan(WATER)
    till.set_qty(2, 3)  # 8.50 + 3.00 + 6.00 = 17.50 → no change; add 0.07 via weight
    till.add_weighed(6, "0.013")  # 0.17 fen... 12.80 × 0.013 = 0.1664 → 17 fen
    assert till.priced.due_before_rounding_fen == 1767
    assert till.priced.rounding_fen == -7
    assert till.total_fen == 1760


def test_hold_and_resume(till: Checkout, store: Store, session: Session) -> None:
    add_member(store, "m-3", "888003")
    till.scan(COLA)
    till.scan(CHIPS)
    till.set_member("888003")
    held = till.hold("顾客去拿东西")
    assert till.is_empty
    till.scan(WATER)
    with pytest.raises(CartError):
        till.resume(held.id)
    till.add_payment("cash", tendered_fen=200)
    till.complete()
    # a restart (new Checkout on the same file) still sees the held cart
    other = Checkout(store, session, Catalog(store))
    assert [(h.label, h.total_fen) for h in other.held_carts()] == [("顾客去拿东西", 1150)]
    other.resume(held.id)
    assert other.total_fen == 1150
    assert other.member is not None
    assert other.held_carts() == []


def test_held_sale_label_counts_lines_not_pieces(till: Checkout, store: Store, session: Session) -> None:
    # 2 lines, 5 pieces: the label said "挂单 2 件" (lines counted as 件, pieces) and had no English
    till.scan(COLA)
    till.scan(CHIPS)
    till.set_qty(0, Decimal(4))
    held = till.hold()
    assert (held.label, held.label_en, held.line_count) == ("挂单 2 行商品", "Held sale: 2 lines", 2)
    till.scan(WATER)
    one = till.hold("  ")
    assert (one.label, one.label_en) == ("挂单 1 行商品", "Held sale: 1 line")
    # a cart held before this fix reads with the corrected label; a cashier's note is kept as typed
    with store.transaction():
        store.execute("UPDATE held_carts SET label='挂单 2 件' WHERE id=?", (held.id,))
    till.scan(RICE)
    till.hold("顾客去拿东西")
    labels = [(h.label, h.label_en) for h in Checkout(store, session, Catalog(store)).held_carts()]
    assert labels == [("挂单 2 行商品", "Held sale: 2 lines"), ("挂单 1 行商品", "Held sale: 1 line"),
                      ("顾客去拿东西", "顾客去拿东西")]
    assert not any("件" in label for label, _ in labels)


def test_cancel_sale_is_recorded(till: Checkout, store: Store) -> None:
    till.scan(RICE)
    till.cancel("顾客不要了")
    assert till.is_empty
    (ev,) = [e for e in store.outbox.unacked() if e.type is EventType.SALE_CANCELLED]
    assert ev.payload["amount_fen"] == 5990
    assert ev.payload["reason"] == "顾客不要了"


def test_locked_till_refuses_edits(till: Checkout, session: Session) -> None:
    session.lock()
    with pytest.raises(Exception, match="locked"):
        till.scan(COLA)


def test_master_changes_from_another_connection_are_seen(till: Checkout, store: Store) -> None:
    """The sync client writes master data on its own connection; cached products and promotions
    must follow (PRAGMA data_version), not keep yesterday's price."""
    from sync.catalog import Product, SaleUnit
    from terminal.store import open_store
    from terminal.store.seed import put_products

    till.scan(COLA)
    assert till.total_fen == 300
    other = open_store(store.path.parent)
    try:
        put_products(other, [Product(id=1, sku="1001", name="可口可乐 330ml", tax_rate_bp=1300, weighed=False,
                                     category_id=10, units=(SaleUnit("pc", 1, 350, (COLA,)),))], version=2)
        add_promotion(other, 5, "percent_off", product_ids=frozenset({1}), percent_off_bp=1000)
    finally:
        other.close()
    till.scan(COLA)
    assert till.priced.lines[0].unit_price_fen == 350
    assert till.total_fen == 700 - 70


def test_commit_reprices_only_when_a_promotion_window_moved(store: Store, session: Session,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    import terminal.checkout as checkout_mod
    from sync.master import Entity
    from sync.promotions import Promotion
    from terminal.shift import open_shift
    from terminal.store.seed import put_master
    from tests.terminal.helpers import small_catalog

    small_catalog(store)
    open_shift(store, session, 0)
    now = datetime.now(UTC)
    promo = Promotion(id=9, name="限时九折", kind="percent_off", starts_at=now - timedelta(hours=1),  # type: ignore[arg-type]
                      ends_at=now + timedelta(hours=1), product_ids=frozenset({2}), percent_off_bp=1000)
    put_master(store, Entity.PROMOTION, 9, promo.to_dict())
    clock = [now]
    till = Checkout(store, session, Catalog(store), clock=lambda: clock[0])
    calls = []
    from sync.pricing import price_cart as real

    def counting(*a: object, **k: object) -> object:
        calls.append(1)
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(checkout_mod, "price_cart", counting)
    till.scan(CHIPS)
    assert till.total_fen == 765
    till.add_payment(Tender.WECHAT, reference="W1")
    before = len(calls)
    sale = till.complete()  # nothing changed: the cart's pricing is reused
    assert len(calls) == before
    assert sale.payload.total_fen == 765
    till.scan(CHIPS)
    till.add_payment(Tender.WECHAT, reference="W2")
    clock[0] = now + timedelta(hours=2)  # the promotion ended while the customer looked for their phone
    with pytest.raises(PaymentError):
        till.complete()
    assert till.total_fen == 850
    assert store.scalar("SELECT count(*) FROM sales") == 1


def test_busy_database_is_a_clear_error_and_keeps_the_cart(till: Checkout, store: Store) -> None:
    import sqlite3

    from terminal.errors import StoreBusy

    till.scan(COLA)
    till.add_payment(Tender.CASH, tendered_fen=300)
    other = sqlite3.connect(store.path, isolation_level=None)
    store.execute("PRAGMA busy_timeout=50")
    try:
        other.execute("BEGIN IMMEDIATE")  # e.g. the sync client writing a big page
        with pytest.raises(StoreBusy):
            till.complete()
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert not till.is_empty
    assert till.complete().receipt_no == "S01-T03-000001"


def test_cancel_works_without_an_open_shift(store: Store, session: Session) -> None:
    from tests.terminal.helpers import small_catalog

    small_catalog(store)
    till = Checkout(store, session, Catalog(store))
    till.scan(COLA)
    till.cancel("还没开班")
    assert till.is_empty
    (ev,) = store.outbox.unacked()
    assert ev.payload["shift_id"] is None


@pytest.mark.parametrize(("mode", "expected"), [
    ("none", 1767), ("jiao_down", 1760), ("jiao_half_up", 1770), ("yuan_down", 1700), ("yuan_half_up", 1800),
    ("bogus", 1767),
])
def test_every_rounding_mode_central_ships(till: Checkout, mode: str, expected: int) -> None:
    set_store(till.store, rounding_mode=mode, version=3)
    till.scan(CHIPS)
    till.scan(COLA)
    till.scan(WATER)
    till.set_qty(2, 3)
    till.add_weighed(6, "0.013")
    assert till.total_fen == expected


def test_member_price_shipped_by_central_is_used(till: Checkout) -> None:
    # given a 会员价 for gold members on the rice (59.90 → 52.00), as central's feed ships it
    add_member(till.store, "m-9", "888009", level="gold")
    put_master(till.store, Entity.MEMBER_PRICE, "77", {
        "id": 77, "level": "gold", "product_id": 4, "unit_code": "bag", "price_fen": 5200,
        "valid_from": None, "valid_to": None})
    till.scan(RICE)
    assert till.total_fen == 5990  # no member yet: base price
    # when the gold member is attached
    till.set_member("888009")
    # then the member price wins over the level's 5% (56.91), and the line says so
    assert till.priced.lines[0].unit_price_fen == 5200
    assert till.priced.lines[0].price_source == "member_level"
    assert till.total_fen == 5200


def test_members_by_the_last_four_digits_of_the_phone(tmp_path: Path) -> None:
    """Four digits that name no card find the members whose phone ends with them (#15)."""
    from sync.master import MemberInfo
    from terminal.members import find_members
    from terminal.store import open_store

    store = open_store(tmp_path / "t")
    with store.transaction():
        for id_, card, phone, active in (("a", "C1", "13800001234", True), ("b", "C2", "13900001234", True),
                                         ("c", "C3", "13700001234", False), ("d", "C4", "13600005678", True)):
            info = MemberInfo(id=id_, card_no=card, phone=phone, level="normal", points_balance=0, active=active)
            store.execute("INSERT INTO master(entity, id, version, data) VALUES (?, ?, 1, ?)",
                          (str(Entity.MEMBER), id_, json.dumps(info.model_dump(mode="json"))))
    catalog = Catalog(store)
    assert [m.card_no for m in find_members(store, catalog, "1234")] == ["C1", "C2"]  # the inactive one left out
    assert [m.card_no for m in find_members(store, catalog, "5678")] == ["C4"]
    assert [m.card_no for m in find_members(store, catalog, "13600005678")] == ["C4"]
    with pytest.raises(NotFound):
        find_members(store, catalog, "0000")
    with pytest.raises(NotFound):
        find_members(store, catalog, "12345")  # five digits are no phone end
    store.close()
