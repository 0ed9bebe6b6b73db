"""The till's payments beyond cash and card, on a real SQLite store: 付款码 against the provider
simulator (a real local HTTP server), stored value (储值) and vouchers (代金券/优惠券/提货券), and
the refund of each.

The worst outcome for a 付款码 is a customer charged twice or charged with no sale: every
simulator outcome below ends in exactly one charge for exactly one committed sale, or in none.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from drivers.payments import flow
from drivers.payments.provider import ChargeStatus, order_number
from drivers.payments.settings import open_provider
from drivers.payments.wechat import WeChatPayV2
from drivers.sim.payments import Fault, PaymentSimulator
from sync.events import EventType, Tender
from sync.master import Entity
from sync.vouchers import new_code
from terminal import code_payments
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.errors import PaymentError, ReturnError
from terminal.members import find_member
from terminal.returns import return_sale
from terminal.session import Action, Approval, Session
from terminal.store import Store
from terminal.store.seed import put_master
from terminal.stored_value import TopUp, balance
from terminal.vouchers import VoucherSale
from tests.terminal.helpers import CHIPS, COLA, MANAGER_PIN, RICE, add_member

FAST = flow.Patience(poll_every_s=0.01, give_up_after_s=0.5, retry_pause_s=0.01, tries=3)


def manager(session: Session) -> Approval:
    return session.approve(Action.REFUND, "9001", MANAGER_PIN)


def wechat_code(suffix: str = "00") -> str:
    return "1345678901234567" + suffix


@pytest.fixture
def sim() -> Iterator[PaymentSimulator]:
    with PaymentSimulator(slow_s=1.0, confirm_after=2) as s:
        yield s


@pytest.fixture
def provider(sim: PaymentSimulator) -> Iterator[WeChatPayV2]:
    p = open_provider(sim.settings(timeout_s=0.4))
    assert isinstance(p, WeChatPayV2)
    yield p
    p.close()


def events(store: Store, type_: EventType) -> list[dict[str, object]]:
    import json
    return [json.loads(r[0]) for r in store.all("SELECT coalesce(o.payload, '{}') FROM outbox o WHERE o.type=?",
                                                (type_.value,))]


def sales_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM sales"))


def pay_by_code(store: Store, till: Checkout, provider: WeChatPayV2, code: str) -> code_payments.CodeCharge:
    return code_payments.charge(store, provider, doc_id=till.cart_id, auth_code=code, amount_fen=till.remaining_fen,
                                description="邻里鲜 商品", patience=FAST, sleep=lambda s: None)


# ---------------------------------------------------------------------------- 付款码


@pytest.mark.parametrize("suffix", ["00", "22", "44", "55", "66"])
def test_every_outcome_that_takes_the_money_gives_one_charge_and_one_sale(
        store: Store, till: Checkout, sim: PaymentSimulator, provider: WeChatPayV2, suffix: str) -> None:
    """Paid at once, after the customer confirms, slow answer, lost answer, system error after charging."""
    till.scan(COLA)
    till.scan(CHIPS)
    sale_id = till.cart_id
    charged = pay_by_code(store, till, provider, wechat_code(suffix))
    assert charged.paid, charged.result
    till.add_code_payment(charged)
    done = till.complete()
    order_no = order_number(sale_id, 1)
    assert sim.charge_count(order_no) == 1
    assert sim.kept_fen() == 1150
    assert sales_count(store) == 1
    payment = done.payload.payments[0]
    assert (payment.tender, payment.amount_fen, payment.reference) == (Tender.WECHAT, 1150, order_no)
    assert store.provider_charges.open() == []  # committed with the sale
    # asking again (a restart) settles nothing more
    assert code_payments.settle_open_charges(store, provider, patience=FAST, sleep=lambda s: None) == []
    assert sim.kept_fen() == 1150


@pytest.mark.parametrize(("suffix", "code"), [("11", "NOTENOUGH"), ("77", "AUTHCODEEXPIRE"), ("33", "ORDERREVERSED")])
def test_declined_or_abandoned_code_takes_nothing_and_a_new_code_gets_a_new_order(
        store: Store, till: Checkout, sim: PaymentSimulator, provider: WeChatPayV2, suffix: str, code: str) -> None:
    till.scan(COLA)
    charged = pay_by_code(store, till, provider, wechat_code(suffix))
    assert not charged.paid
    assert charged.result.code == code
    assert charged.result.message  # words for the cashier
    with pytest.raises(PaymentError):
        till.add_code_payment(charged)
    assert sim.kept_fen() == 0
    again = pay_by_code(store, till, provider, wechat_code("00"))
    assert again.paid
    assert again.order_no == order_number(till.cart_id, 2)
    till.add_code_payment(again)
    till.complete()
    assert sim.kept_fen() == 300
    assert sales_count(store) == 1


def test_lost_answer_then_outage_blocks_a_second_charge_and_the_first_pays_the_sale(
        store: Store, till: Checkout, sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    """The provider charged, the answer was lost, and every query and cancel went astray too: the
    till commits no sale, keeps the order open and refuses a second charge for that cart while it
    is; when the provider answers again, the cashier's retry finds the first charge paid and uses
    it: one charge, one sale."""
    till.scan(COLA)

    def outage(_: object) -> None:  # right after the lost answer, the provider stops answering
        sim.online = False

    charged = code_payments.charge(store, provider, doc_id=till.cart_id, auth_code=wechat_code("55"),
                                   amount_fen=300, description="x", patience=FAST, on_progress=outage,
                                   sleep=lambda s: None)
    assert charged.result.status is ChargeStatus.UNKNOWN
    assert charged.result.code == "unresolved"
    with pytest.raises(PaymentError):
        till.add_code_payment(charged)
    assert sales_count(store) == 0
    assert [r.status for r in store.provider_charges.open()] == ["unknown"]
    with pytest.raises(PaymentError) as e:  # still no answer: no second charge while the first is open
        pay_by_code(store, till, provider, wechat_code("00"))
    assert e.value.code == "unresolved"
    assert sim.charges == [(order_number(till.cart_id, 1), 300)]
    sim.online = True
    # the cashier tries again: the earlier order is settled first, and it had taken the money
    again = pay_by_code(store, till, provider, wechat_code("00"))
    assert again.paid
    assert again.order_no == order_number(till.cart_id, 1)
    first = order_number(till.cart_id, 1)
    till.add_code_payment(again)
    till.complete()
    assert sim.charges == [(first, 300)]
    assert sim.kept_fen() == 300
    assert sales_count(store) == 1


def test_a_till_restart_after_the_charge_gives_the_money_back(
        store: Store, till: Checkout, sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    """Paid, but the till died before the sale committed (the cart is gone): at start the till cancels it."""
    till.scan(COLA)
    charged = pay_by_code(store, till, provider, wechat_code("00"))
    assert charged.paid
    assert sim.kept_fen() == 300
    settled = code_payments.settle_open_charges(store, provider, patience=FAST, sleep=lambda s: None)
    assert [r.status for r in settled] == [ChargeStatus.CANCELLED]
    assert sim.kept_fen() == 0
    assert sales_count(store) == 0


def test_a_code_payment_is_given_back_before_it_leaves_the_cart(
        store: Store, till: Checkout, sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    till.scan(COLA)
    till.add_code_payment(pay_by_code(store, till, provider, wechat_code("00")))
    with pytest.raises(PaymentError) as e:
        till.remove_payment(0)
    assert e.value.code == "code_payment_held"
    with pytest.raises(PaymentError):
        till.cancel()
    (index, payment), = till.code_payments()
    assert payment.reference is not None
    code_payments.void(store, provider, payment.reference, patience=FAST, sleep=lambda s: None)
    till.remove_payment(index, given_back=True)
    till.cancel()
    assert sim.kept_fen() == 0
    assert sales_count(store) == 0


def test_tender_is_unavailable_offline_or_unconfigured(provider: WeChatPayV2) -> None:
    assert code_payments.availability(provider, online=True).ok
    off = code_payments.availability(provider, online=False)
    assert not off.ok
    assert "离线" in off.reason
    assert "Offline" in off.reason_en
    assert "未配置" in code_payments.availability(None, online=True).reason
    with pytest.raises(PaymentError):
        code_payments.tender_of("6901000000017")  # a product barcode is no payment code


def test_a_code_payment_is_refunded_through_the_provider_once(
        store: Store, till: Checkout, session: Session, sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    till.scan(COLA)
    till.scan(CHIPS)
    till.add_code_payment(pay_by_code(store, till, provider, wechat_code("00")))
    sale = till.complete()
    with pytest.raises(ReturnError) as e:  # no provider: nothing written, cash is offered instead
        return_sale(store, session, sale.receipt_no, {2: 1}, approval=manager(session))
    assert e.value.code == "provider_unavailable"
    sim.faults.append(Fault("/secapi/pay/refund"))  # the first answer is lost: sent again, same refund
    ret = return_sale(store, session, sale.receipt_no, {2: 1}, approval=manager(session), provider=provider, patience=FAST)
    order = sim.order(order_number(sale.sale_id, 1))
    assert order is not None
    assert order.refunded_fen == 850
    assert [(r.tender, r.amount_fen) for r in ret.payload.refunds] == [(Tender.WECHAT, 850)]
    assert ret.cash_fen == 0


# ---------------------------------------------------------------------------- stored value


@pytest.fixture
def member(store: Store) -> str:
    add_member(store, "m-1", "8800001", phone="13800000001")
    with store.transaction():
        data = store.master.get(Entity.MEMBER.value, "m-1")
        assert data is not None
        put_master(store, Entity.MEMBER, "m-1", {**data, "stored_value_fen": 5000})
    put_master(store, Entity.STORED_VALUE_RULE, 1, {"id": 1, "name": "充100送10", "min_topup_fen": 10000,
                                                     "bonus_fen": 1000})
    put_master(store, Entity.STORED_VALUE_RULE, 2, {"id": 2, "name": "充500送12%", "min_topup_fen": 50000,
                                                     "bonus_bp": 1200})
    return "m-1"


def test_stored_value_pays_offline_and_is_taken_off_the_balance_at_once(
        store: Store, till: Checkout, session: Session, member: str) -> None:
    till.set_member("8800001")
    till.scan(RICE)  # 59.90
    with pytest.raises(PaymentError) as e:
        till.pay_stored_value(6000)
    assert e.value.code == "stored_value_short"
    paid = till.pay_stored_value()  # all the balance: 50.00
    assert paid.amount_fen == 5000
    till.add_payment(Tender.CASH, tendered_fen=1000)
    sale = till.complete()
    assert find_member(store, Catalog(store), "8800001").stored_value_fen == 0
    (ev,) = events(store, EventType.STORED_VALUE_PAID)
    assert (ev["amount_fen"], ev["balance_seen_fen"], ev["receipt_no"]) == (5000, 5000, sale.receipt_no)
    # the refund goes back to the balance (stored value share), the rest in cash
    ret = return_sale(store, session, sale.receipt_no, {1: 1}, approval=manager(session))
    assert sorted((r.tender.value, r.amount_fen) for r in ret.payload.refunds) == [("cash", 990),
                                                                                  ("store_credit", 5000)]
    assert find_member(store, Catalog(store), "8800001").stored_value_fen == 5000
    b = balance(store, Catalog(store), "8800001")
    assert [(m.kind, m.delta_fen) for m in b.movements] == [("refund", 5000), ("pay", -5000)]


def test_top_up_gets_head_offices_best_bonus_and_counts_in_the_shift(
        store: Store, till: Checkout, session: Session, member: str) -> None:
    catalog = Catalog(store)
    m = find_member(store, catalog, "8800001")
    top = TopUp(store, session, catalog, m, 50000)
    assert top.quote.bonus_fen == 6000
    assert top.quote.rule is not None
    assert top.quote.rule.id == 2
    top.takings.add_cash(20000)
    top.takings.add_card("POS-778899")
    done = top.complete()
    assert done.balance_fen == 5000 + 50000 + 6000
    assert done.receipt_no.startswith("S01-T03-C")
    (ev,) = events(store, EventType.STORED_VALUE_TOPPED_UP)
    assert (ev["amount_fen"], ev["bonus_fen"], ev["bonus_rule_id"]) == (50000, 6000, 2)
    with pytest.raises(PaymentError):  # past the ¥5,000 limit of a named card
        TopUp(store, session, catalog, find_member(store, catalog, "8800001"), 450000)


def test_top_up_by_payment_code(store: Store, till: Checkout, session: Session, member: str,
                                sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    catalog = Catalog(store)
    top = TopUp(store, session, catalog, find_member(store, catalog, "8800001"), 10000)
    charged = code_payments.charge(store, provider, doc_id=top.topup_id, auth_code=wechat_code("55"),
                                   amount_fen=10000, description="储值充值", patience=FAST, sleep=lambda s: None)
    top.takings.add_code(charged)
    top.complete()
    assert sim.charge_count(order_number(top.topup_id, 1)) == 1
    assert sim.kept_fen() == 10000
    assert store.provider_charges.open() == []


# ---------------------------------------------------------------------------- vouchers


def put_batch(store: Store, id_: int, **fields: object) -> None:
    put_master(store, Entity.VOUCHER_BATCH, id_, {"id": id_, "code": f"B{id_}", "name": f"券{id_}", **fields})


def put_voucher(store: Store, batch_id: int, status: str = "active", code: str | None = None) -> str:
    code = code or new_code(batch_id)
    put_master(store, Entity.VOUCHER, code, {"code": code, "batch_id": batch_id, "status": status})
    return code


def test_value_voucher_with_minimum_spend_redeemed_once_offline(store: Store, till: Checkout,
                                                                session: Session) -> None:
    put_batch(store, 7, kind="value", value_fen=1000, min_spend_fen=1000)
    code = put_voucher(store, 7)
    till.scan(COLA)
    with pytest.raises(PaymentError) as e:
        till.apply_voucher(code)
    assert e.value.code == "voucher_min_spend"
    till.scan(CHIPS)
    till.scan(COLA)  # 14.50
    assert till.apply_voucher(code).amount_fen == 1000
    with pytest.raises(PaymentError):
        till.apply_voucher(code)  # not twice on one sale
    till.add_payment(Tender.CASH, tendered_fen=500)
    sale = till.complete()
    (ev,) = events(store, EventType.VOUCHER_REDEEMED)
    assert (ev["code"], ev["amount_fen"], ev["due_fen"]) == (code, 1000, 1450)
    # this till now refuses it, offline, naming the receipt
    till.scan(RICE)
    with pytest.raises(PaymentError) as e:
        till.apply_voucher(code)
    assert e.value.code == "voucher_used"
    assert sale.receipt_no in e.value.message
    till.cancel()
    # returning the whole sale gives the voucher back (and it can be used again)
    ret = return_sale(store, session, sale.receipt_no, {1: 2, 2: 1}, approval=manager(session))
    assert events(store, EventType.VOUCHER_RESTORED)[0]["code"] == code
    assert sum(r.amount_fen for r in ret.payload.refunds if r.tender is Tender.CASH) == 450
    till.scan(RICE)
    assert till.apply_voucher(code).amount_fen == 1000


def test_percent_coupon_expired_or_other_store_is_refused(store: Store, till: Checkout) -> None:
    now = datetime.now(UTC)
    put_batch(store, 8, kind="percent", percent_off_bp=2000, max_off_fen=500)
    put_batch(store, 9, kind="value", value_fen=500, valid_to=(now - timedelta(days=1)).isoformat())
    put_batch(store, 10, kind="value", value_fen=500, store_ids=[99])
    till.scan(RICE)
    assert till.apply_voucher(put_voucher(store, 8)).amount_fen == 500  # 20% of 59.90 capped at 5.00
    for batch, why in ((9, "voucher_expired"), (10, "voucher_wrong_store")):
        with pytest.raises(PaymentError) as e:
            till.apply_voucher(put_voucher(store, batch))
        assert e.value.code == why
    with pytest.raises(PaymentError):
        till.apply_voucher("990000000000000000")  # unknown here


def test_pre_sold_goods_voucher_is_sold_then_redeemed_against_the_goods(
        store: Store, till: Checkout, session: Session) -> None:
    put_batch(store, 11, kind="goods", product_id=4, unit_code="bag", qty=1, sale_price_fen=5500)
    code = put_voucher(store, 11, status="unsold")
    till.scan(COLA)
    with pytest.raises(PaymentError) as e:
        till.apply_voucher(code)
    assert e.value.code == "voucher_unsold"
    till.cancel()
    sale = VoucherSale(store, session)
    assert sale.add(code).price_fen == 5500
    sale.takings.add_cash(6000)
    done = sale.complete()
    assert done.change_fen == 500
    assert done.receipt_no.startswith("S01-T03-V")
    assert events(store, EventType.VOUCHER_SOLD)[0]["items"] == [{"code": code, "price_fen": 5500}]
    with pytest.raises(PaymentError):
        VoucherSale(store, session).add(code)  # sold already
    till.scan(COLA)
    with pytest.raises(PaymentError) as e:
        till.apply_voucher(code)
    assert e.value.code == "voucher_goods_missing"
    till.scan(RICE)
    assert till.apply_voucher(code).amount_fen == 5990  # the rice, at today's price
    till.add_payment(Tender.CASH, tendered_fen=300)
    till.complete()


def test_a_cash_refund_never_pays_out_a_vouchers_share(store: Store, till: Checkout, session: Session) -> None:
    put_batch(store, 12, kind="value", value_fen=1000)
    code = put_voucher(store, 12)
    till.scan(RICE)  # 59.90
    till.apply_voucher(code)
    till.add_payment(Tender.CASH, tendered_fen=5000)
    sale = till.complete()
    ret = return_sale(store, session, sale.receipt_no, {1: 1}, refund_to="cash", approval=manager(session))
    assert sorted((r.tender.value, r.amount_fen) for r in ret.payload.refunds) == [("cash", 4990), ("voucher", 1000)]
    assert ret.cash_fen == 4990
