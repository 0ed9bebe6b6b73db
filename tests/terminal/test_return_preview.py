"""The refund preview is exactly what the return then gives (money per tender, points, lines), and
looking at it writes nothing: random sales (split tenders, member points, 抹零, weights) returned in
random partial steps, each step previewed first."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from terminal.checkout import Checkout
from terminal.errors import ReturnError
from terminal.returns import find_sale, preview_return, return_sale
from terminal.session import Action, Session
from terminal.store import Store
from tests.terminal.helpers import CHIPS, COLA, MANAGER_PIN, RICE, SOAP, WATER, add_member, set_store

CODES = (COLA, CHIPS, WATER, RICE, SOAP)


def _counts(store: Store) -> tuple[int, ...]:
    return tuple(int(store.scalar(f"SELECT count(*) FROM {t}"))
                 for t in ("returns", "return_lines", "refunds", "outbox", "points_local", "audit_log"))


@pytest.mark.parametrize("seed", range(8))
def test_preview_equals_the_refund_at_every_step(seed: int, till: Checkout, store: Store, session: Session) -> None:
    rnd = random.Random(seed)
    if seed % 2:
        set_store(store, rounding_mode="jiao_down" if seed % 4 == 1 else "yuan_down", version=2)
    for _ in range(rnd.randint(2, 6)):
        till.scan(rnd.choice(CODES))
    if seed % 3 == 0:
        till.add_weighed(6, f"{rnd.randint(200, 2500) / 1000:.3f}")
    if seed % 2 == 0:
        add_member(store, f"m-{seed}", f"88800{seed}", points=5000)
        till.set_member(f"88800{seed}")
        till.redeem_points(min(500, till.total_fen // 4))
    due = till.total_fen
    if due > 1000 and seed % 4 != 1:
        till.add_payment("wechat", due // 3, reference=f"WX{seed}")
        till.add_payment("bank_card", due // 4, reference=f"CARD{seed}")
    till.add_payment("cash", tendered_fen=till.remaining_fen)
    sale = till.complete()
    ok = session.approve(Action.REFUND, "9001", MANAGER_PIN)
    refunded = 0
    refused = False
    while not find_sale(store, sale.receipt_no).fully_returned:
        left = [ln for ln in find_sale(store, sale.receipt_no).lines if ln.qty_left > 0]
        chosen = rnd.sample(left, rnd.randint(1, len(left)))
        picks: dict[int, str | Decimal] = {}
        for ln in chosen:
            weighed = ln.qty_left != ln.qty_left.to_integral_value() or "." in str(ln.qty_sold)
            step = Decimal("0.001") if weighed else Decimal(1)
            picks[ln.line_no] = min(ln.qty_left, step * rnd.randint(1, int(ln.qty_left / step)))
        mode = rnd.choice(["original", "cash"])
        before = _counts(store)
        try:
            preview = preview_return(store, sale.receipt_no, picks, refund_to=mode)
        except ReturnError as exc:  # e.g. nothing left to pay back after 抹零: the return refuses alike
            code = exc.code
            with pytest.raises(ReturnError) as real:
                return_sale(store, session, sale.receipt_no, picks, refund_to=mode, approval=ok)
            assert real.value.code == code
            assert _counts(store) == before
            refused = True
            break
        assert _counts(store) == before  # looking writes nothing
        done = return_sale(store, session, sale.receipt_no, picks, refund_to=mode, approval=ok)
        got = done.payload
        assert [(r.tender, r.amount_fen, r.reference) for r in preview.refunds] == \
            [(r.tender, r.amount_fen, r.reference) for r in got.refunds]
        assert (preview.total_fen, preview.tax_fen, preview.points_reversed, preview.points_refunded) == \
            (got.total_fen, got.tax_fen, got.points_reversed, got.points_refunded)
        assert [(p.line_no, p.qty, p.amount_fen, p.tax_fen) for p in preview.lines] == \
            [(ln.original_line_no, ln.qty, ln.amount_fen, ln.tax_fen) for ln in got.lines]
        assert preview.cash_fen == done.cash_fen
        refunded += got.total_fen
    if not refused:
        assert refunded == sale.payload.total_fen


def test_preview_refuses_what_the_return_refuses(till: Checkout, store: Store) -> None:
    till.scan(COLA)
    till.add_payment("cash", tendered_fen=till.total_fen)
    sale = till.complete()
    with pytest.raises(ReturnError, match="at most 1"):
        preview_return(store, sale.receipt_no, {1: 2})
    with pytest.raises(ReturnError):
        preview_return(store, sale.receipt_no, {})
    with pytest.raises(ReturnError):
        preview_return(store, sale.receipt_no, {1: 1}, refund_to="bitcoin")
    assert preview_return(store, sale.receipt_no, {1: 1}, refund_to="cash").cash_fen == 300
