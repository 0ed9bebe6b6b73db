"""Property test: whatever carts, members, points, 抹零 and return sequences a till sees, the money
and points add up — returns never give back more than was paid, a fully returned sale gives back
exactly what was paid (points included), and the member's balance follows every movement."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sync.events import Tender
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.errors import ReturnError
from terminal.members import find_member
from terminal.returns import find_sale, return_sale
from terminal.session import Action, Session
from terminal.shift import open_shift
from terminal.store import open_store
from tests.terminal.helpers import (
    CASHIER_PIN,
    CHIPS,
    COLA,
    COLA_BOX,
    MANAGER_PIN,
    RICE,
    SOAP,
    WATER,
    add_levels,
    add_member,
    add_promotion,
    enrol,
    small_catalog,
)

CODES = [COLA, COLA_BOX, CHIPS, WATER, RICE, SOAP]

sale_plan = st.fixed_dictionaries({
    "rounding": st.sampled_from(["none", "jiao_down", "yuan_down", "half_jiao"]),
    "lines": st.lists(st.tuples(st.sampled_from(CODES), st.integers(1, 4)), min_size=1, max_size=6),
    "apples": st.one_of(st.none(), st.integers(50, 3000)),
    "member": st.booleans(),
    "redeem": st.integers(0, 3),
    "split": st.booleans(),
    "returns": st.lists(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 4)), min_size=1, max_size=3),
                        max_size=4),
    "finish": st.booleans(),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=sale_plan)
# ¥3.00 cola and 50 g of apples, 100 points, 抹零 to the yuan: paid ¥2.00. Returning the cola first
# gave back its whole ¥2.03 (more than was paid); found by a CI run with a fresh example database
@example(plan={"rounding": "yuan_down", "lines": [(COLA, 1)], "apples": 50, "member": True, "redeem": 1,
               "split": False, "returns": [[(1, 1)]], "finish": True})
def test_money_and_points_add_up(plan: dict) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        try:
            enrol(store, rounding_mode=plan["rounding"])
            small_catalog(store)
            add_levels(store)
            add_promotion(store, 1, "buy_x_get_y", product_ids=frozenset({1}), buy_qty=2, free_qty=1)
            add_promotion(store, 2, "threshold", threshold_fen=3000, amount_off_fen=300)
            add_member(store, "m", "777", level="gold", points=5000)
            session = Session(store)
            session.sign_in("1001", CASHIER_PIN)
            open_shift(store, session, 0)
            co = Checkout(store, session, Catalog(store))
            for code, qty in plan["lines"]:
                index = co.scan(code)
                co.set_qty(index, co.priced_line(index).qty + qty - 1)
            if plan["apples"]:
                co.add_weighed(6, Decimal(plan["apples"]).scaleb(-3))
            if plan["member"]:
                co.set_member("777")
                step = co.max_redeemable_points * plan["redeem"] // 3
                co.redeem_points(step - step % 100)
            if plan["split"] and co.remaining_fen > 1:
                co.add_payment(Tender.ALIPAY, co.remaining_fen // 2, reference="A1")
            if co.remaining_fen:
                co.add_payment(Tender.CASH, tendered_fen=co.quick_cash_amounts()[-1])
            sale = co.complete().payload
            assert sum(p.amount_fen for p in sale.payments) == sale.total_fen
            ok = session.approve(Action.REFUND, "9001", MANAGER_PIN)
            refunded = reversed_ = given_back = 0
            batches = [dict(b) for b in plan["returns"]]
            if plan["finish"]:
                batches.append({ln.line_no: ln.qty_left for ln in find_sale(store, sale.receipt_no).lines
                                if ln.qty_left > 0})
            for batch in batches:
                left = {ln.line_no: ln.qty_left for ln in find_sale(store, sale.receipt_no).lines}
                wanted = {no: min(Decimal(q), left[no]) for no, q in batch.items() if no in left and left[no] > 0}
                if not wanted:
                    continue
                try:
                    r = return_sale(store, session, sale.receipt_no, wanted, approval=ok).payload
                except ReturnError as e:
                    if e.code != "zero_refund":  # only a gift line alone has nothing to refund
                        raise
                    continue
                assert sum(x.amount_fen for x in r.refunds) == r.total_fen == sum(x.amount_fen for x in r.lines)
                refunded += r.total_fen
                reversed_ += r.points_reversed
                given_back += r.points_refunded
                assert refunded <= sale.total_fen
                assert reversed_ <= sale.points_earned
                assert given_back <= sale.points_redeemed
            if find_sale(store, sale.receipt_no).fully_returned:
                assert refunded == sale.total_fen
                assert reversed_ == sale.points_earned
                assert given_back == sale.points_redeemed
            if plan["member"]:
                balance = find_member(store, co.catalog, "777").points_balance
                assert balance == 5000 - sale.points_redeemed + sale.points_earned - reversed_ + given_back
        finally:
            store.close()
