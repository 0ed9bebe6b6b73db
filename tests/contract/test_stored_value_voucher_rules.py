"""The stored-value bonus and voucher redemption rules both ends apply (`sync/stored_value.py`,
`sync/vouchers.py`): the same inputs give the same answer on a till and at central."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sync.stored_value import MAX_BALANCE_FEN, BonusRule, bonus_for, topup_refusal
from sync.vouchers import (
    VoucherBatch,
    VoucherInfo,
    VoucherKind,
    VoucherStatus,
    batch_of_code,
    check_redemption,
    is_voucher_code,
    new_code,
)

T = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
TIERS = [BonusRule(id=1, name="充500送50", min_topup_fen=50_000, bonus_fen=5_000),
         BonusRule(id=2, name="充1000送120", min_topup_fen=100_000, bonus_fen=12_000),
         BonusRule(id=3, name="S2 充1000送15%", min_topup_fen=100_000, bonus_bp=1500, store_ids=(2,)),
         BonusRule(id=4, name="过期", min_topup_fen=100, bonus_fen=99_999, valid_to=T)]


@pytest.mark.parametrize(("amount", "store", "bonus", "rule"), [
    (49_999, 1, 0, None), (50_000, 1, 5_000, 1), (99_999, 1, 5_000, 1), (100_000, 1, 12_000, 2),
    (100_000, 2, 15_000, 3), (200_001, 2, 30_000, 3),
])
def test_the_best_single_tier_applies(amount: int, store: int, bonus: int, rule: int | None) -> None:
    got, which = bonus_for(amount, TIERS, at=T, store_id=store)
    assert (got, which.id if which else None) == (bonus, rule)


@given(st.integers(min_value=1, max_value=MAX_BALANCE_FEN), st.permutations(TIERS))
def test_the_bonus_does_not_depend_on_the_order_rules_arrive_in(amount: int, rules: list[BonusRule]) -> None:
    assert bonus_for(amount, rules, at=T, store_id=1) == bonus_for(amount, TIERS, at=T, store_id=1)


def test_topup_limits_of_a_named_prepaid_card() -> None:
    assert topup_refusal(balance_fen=0, amount_fen=100_000, bonus_fen=12_000) is None
    assert topup_refusal(balance_fen=0, amount_fen=0, bonus_fen=0) is not None
    zh, en = topup_refusal(balance_fen=450_000, amount_fen=50_000, bonus_fen=5_000) or ("", "")
    assert "¥5,000" in zh
    assert "limit" in en
    with pytest.raises(ValidationError):
        BonusRule(id=9, name="nothing", min_topup_fen=100)


BATCH = VoucherBatch(id=7, code="MID50", name="满200减50", kind=VoucherKind.VALUE, value_fen=5_000,
                     min_spend_fen=20_000, valid_to=T + timedelta(days=30), store_ids=(1,))
FRESH = VoucherInfo(code=new_code(7), batch_id=7, status=VoucherStatus.ACTIVE)


def test_a_value_voucher_pays_its_value_at_most_what_is_due() -> None:
    assert check_redemption(BATCH, FRESH, at=T, store_id=1, due_fen=30_000) == (5_000, None)
    low = BATCH.model_copy(update={"min_spend_fen": 0})
    assert check_redemption(low, FRESH, at=T, store_id=1, due_fen=3_000) == (3_000, None)  # 不找零


@pytest.mark.parametrize(("voucher", "kw", "code"), [
    (FRESH.model_copy(update={"status": VoucherStatus.REDEEMED, "redeemed_receipt_no": "S01-01-000009"}), {},
     "voucher_used"),
    (FRESH.model_copy(update={"status": VoucherStatus.UNSOLD}), {}, "voucher_unsold"),
    (FRESH.model_copy(update={"status": VoucherStatus.VOID}), {}, "voucher_void"),
    (FRESH, {"at": T + timedelta(days=30)}, "voucher_expired"),
    (FRESH, {"store_id": 2}, "voucher_wrong_store"),
    (FRESH.model_copy(update={"member_id": "m-1"}), {}, "voucher_other_member"),
    (FRESH, {"due_fen": 19_999}, "voucher_min_spend"),
])
def test_refusals_say_why_in_both_languages(voucher: VoucherInfo, kw: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"at": T, "store_id": 1, "due_fen": 30_000, **kw}
    amount, refusal = check_redemption(BATCH, voucher, **args)  # type: ignore[arg-type]
    assert amount == 0
    assert refusal is not None
    assert refusal.code == code
    assert refusal.message
    assert refusal.message_en
    if code == "voucher_used":
        assert "S01-01-000009" in refusal.message


def test_percent_coupons_are_capped_and_goods_vouchers_need_their_goods() -> None:
    pct = VoucherBatch(id=8, code="P", name="9折", kind=VoucherKind.PERCENT, percent_off_bp=1000, max_off_fen=2_000)
    v = VoucherInfo(code="X", batch_id=8, status=VoucherStatus.ACTIVE)
    assert check_redemption(pct, v, at=T, store_id=1, due_fen=12_345)[0] == 1_234  # rounded down
    assert check_redemption(pct, v, at=T, store_id=1, due_fen=90_000)[0] == 2_000
    goods = VoucherBatch(id=9, code="G", name="大米提货券", kind=VoucherKind.GOODS, product_id=5, unit_code="pc",
                         sale_price_fen=5_500)
    assert check_redemption(goods, v, at=T, store_id=1, due_fen=9_000, goods_fen=5_990) == (5_990, None)
    assert check_redemption(goods, v, at=T, store_id=1, due_fen=9_000)[1].code == "voucher_goods_missing"  # type: ignore[union-attr]


def test_voucher_codes_are_checked_and_never_look_like_other_codes() -> None:
    from drivers.payments.provider import wallet_of

    codes = {new_code(7) for _ in range(500)}
    assert len(codes) == 500
    for c in codes:
        assert is_voucher_code(c)
        assert batch_of_code(c) == 7
        assert wallet_of(c) is None  # never mistaken for a WeChat or Alipay payment code
        wrong = c[:-1] + str((int(c[-1]) + 1) % 10)
        assert not is_voucher_code(wrong)  # a typo in the last digit is caught
    assert not is_voucher_code("6901234567892")
