"""Payment-code payments against the provider simulator, a real HTTP server on 127.0.0.1.

Every outcome a micropay API gives — paid, declined, the customer confirming, a timeout, a
duplicate request, an answer lost after the money was taken — ends in one definite result and
at most one charge per order number.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from drivers.errors import DeviceConfigError
from drivers.payments import flow
from drivers.payments.provider import (
    ChargeResult,
    ChargeStatus,
    RefundStatus,
    Wallet,
    order_number,
    refund_number,
    sale_of_order,
    wallet_of,
)
from drivers.payments.settings import ProviderSettings, Secret, open_provider, settings_from_env
from drivers.payments.wechat import WeChatPayV2, sign, to_xml
from drivers.sim.payments import DEMO_KEY, Fault, PaymentSimulator

SALE = "01968a2e-7c3b-7def-8123-456789abcdef"
FAST = flow.Patience(poll_every_s=0.01, give_up_after_s=0.5, retry_pause_s=0.01, tries=3)


def code(suffix: str = "00") -> str:
    """A WeChat payment code (18 digits, starting 13) whose last digits pick the simulator's behaviour."""
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


def pay(provider: WeChatPayV2, auth_code: str, amount: int = 1234, attempt: int = 1, **kw: object) -> ChargeResult:
    return flow.collect(provider, order_no=order_number(SALE, attempt), auth_code=auth_code, amount_fen=amount,
                        description="邻里鲜 商品", patience=kw.pop("patience", FAST), **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- numbers and codes


def test_order_number_is_derived_from_the_sale_and_fits_the_providers_limit() -> None:
    first = order_number(SALE, 1)
    assert first == order_number(SALE, 1)  # a retry sends the same number
    assert order_number(SALE, 2) != first  # a new attempt after a decline or cancel does not
    assert order_number("01968a2e-7c3b-7def-8123-456789abcdee", 1) != first
    assert len(first) <= 32
    assert first.replace("-", "").isalnum()
    assert sale_of_order(first) == SALE  # a line on the merchant's statement leads back to the sale
    assert refund_number(SALE, 1) != first
    assert len(refund_number(SALE, 1)) <= 32
    with pytest.raises(ValueError):
        order_number(SALE, 0)


@pytest.mark.parametrize(("text", "wallet"), [
    ("134567890123456789", Wallet.WECHAT), ("101234567890123456", Wallet.WECHAT),
    ("2812345678901234", Wallet.ALIPAY), ("281234567890123456789012", Wallet.ALIPAY),
    ("6212345678901234567", Wallet.UNIONPAY),
    ("6901234567892", None), ("16345678901234567", None), ("13456789012345678a", None), ("", None),
])
def test_payment_codes_are_told_apart_from_product_barcodes(text: str, wallet: Wallet | None) -> None:
    assert wallet_of(text) == wallet


def test_signature_matches_the_providers_published_example() -> None:
    # WeChat Pay's own documentation example (安全规范 / 签名算法)
    fields = {"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "device_info": "1000", "body": "test",
              "nonce_str": "ibuaiVcKdpRxkhJA"}
    assert sign(fields, "192006250b4c09247ec02edce69f6a2d", "MD5") == "9A0A8659F005D6984697E2CA0A9CF3B7"
    assert sign(fields, "192006250b4c09247ec02edce69f6a2d") == \
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"


# ---------------------------------------------------------------------------- every outcome


def test_paid_at_once(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    result = pay(provider, code("00"))
    assert result.status is ChargeStatus.PAID
    assert result.amount_fen == 1234
    assert result.transaction_id
    assert sim.charges == [(order_number(SALE, 1), 1234)]


def test_insufficient_funds_is_declined_with_words_for_the_cashier(sim: PaymentSimulator,
                                                                   provider: WeChatPayV2) -> None:
    result = pay(provider, code("11"))
    assert result.status is ChargeStatus.FAILED
    assert result.code == "NOTENOUGH"
    assert "余额不足" in result.message
    assert "Insufficient funds" in result.message_en
    assert sim.charges == []


def test_expired_code_is_declined(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    result = pay(provider, code("77"))
    assert result.status is ChargeStatus.FAILED
    assert result.code == "AUTHCODEEXPIRE"
    assert sim.charges == []


def test_customer_confirms_on_the_phone_then_it_is_paid(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    seen: list[ChargeStatus] = []
    result = pay(provider, code("22"), on_progress=lambda r: seen.append(r.status))
    assert result.status is ChargeStatus.PAID
    assert seen[0] is ChargeStatus.PENDING
    assert seen[-1] is ChargeStatus.PAID
    assert sim.charge_count(order_number(SALE, 1)) == 1


def test_customer_never_confirms_so_the_till_cancels(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    result = pay(provider, code("33"))
    assert result.status is ChargeStatus.CANCELLED
    assert ("/secapi/pay/reverse", order_number(SALE, 1)) in sim.requests
    assert sim.order(order_number(SALE, 1)).state == "REVOKED"  # type: ignore[union-attr]
    assert sim.kept_fen() == 0


def test_cashier_gives_up_while_the_customer_is_confirming(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    patient = flow.Patience(poll_every_s=0.01, give_up_after_s=30, retry_pause_s=0.01)
    result = pay(provider, code("33"), patience=patient, give_up=lambda: True)
    assert result.status is ChargeStatus.CANCELLED
    assert sim.kept_fen() == 0


def test_timeout_after_the_provider_charged_is_resolved_by_query(sim: PaymentSimulator,
                                                                 provider: WeChatPayV2) -> None:
    seen: list[str | None] = []
    result = pay(provider, code("44"), on_progress=lambda r: seen.append(r.code))
    assert seen[0] == "timeout"
    assert result.status is ChargeStatus.PAID
    assert sim.charge_count(order_number(SALE, 1)) == 1


def test_lost_answer_after_charging_gives_exactly_one_charge(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    # given the provider takes the money and the answer never arrives
    number = order_number(SALE, 1)
    first = provider.charge(order_no=number, auth_code=code("55"), amount_fen=880, description="x")
    assert first.status is ChargeStatus.UNKNOWN
    assert first.code == "connection_lost"
    # when the till retries the same sale (same order number), then settles it
    again = provider.charge(order_no=number, auth_code=code("55"), amount_fen=880, description="x")
    result = flow.settle(provider, again, patience=FAST)
    # then it is paid once, and the simulator saw two charge requests but took money once
    assert result.status is ChargeStatus.PAID
    assert result.amount_fen == 880
    assert [p for p, n in sim.requests if n == number].count("/pay/micropay") == 2
    assert sim.charges == [(number, 880)]


def test_system_error_after_charging_is_resolved_by_query(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    result = pay(provider, code("66"))
    assert result.status is ChargeStatus.PAID
    assert sim.charge_count(order_number(SALE, 1)) == 1


def test_duplicate_request_never_charges_twice(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    assert pay(provider, code("00")).status is ChargeStatus.PAID
    again = pay(provider, code("00"))  # the till crashed after the answer and charges the sale again
    assert again.status is ChargeStatus.PAID
    assert sim.charges == [(order_number(SALE, 1), 1234)]
    reused = pay(provider, code("00"), amount=999)  # the same number for another amount: refused
    assert reused.status is ChargeStatus.FAILED
    assert reused.code == "OUT_TRADE_NO_USED"
    assert len(sim.charges) == 1


def test_unreachable_provider_is_a_definite_failure_without_a_query() -> None:
    sim = PaymentSimulator()
    settings = sim.settings(timeout_s=0.5)
    sim.stop()  # nothing listens on that port any more
    p = open_provider(settings)
    try:
        result = pay(p, code("00"))  # type: ignore[arg-type]
    finally:
        p.close()
    assert result.status is ChargeStatus.FAILED
    assert result.code == "unreachable"
    assert "未扣款" in result.message


def test_outage_after_a_lost_answer_stays_unresolved_then_is_given_back(sim: PaymentSimulator,
                                                                      provider: WeChatPayV2) -> None:
    number = order_number(SALE, 1)
    first = provider.charge(order_no=number, auth_code=code("55"), amount_fen=500, description="x")
    sim.online = False  # the provider stops answering anything
    result = flow.settle(provider, first, patience=FAST)
    assert result.status is ChargeStatus.UNKNOWN
    assert result.code == "unresolved"
    assert "切勿重复收款" in result.message
    # the sale was not committed, so when the provider answers again the money goes back
    sim.online = True
    later = flow.settle_later(provider, number, patience=FAST)
    assert later.status is ChargeStatus.CANCELLED
    assert sim.charge_count(number) == 1
    assert sim.kept_fen(number) == 0


def test_a_charge_arriving_after_its_cancel_is_refused(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    number = order_number(SALE, 3)
    assert provider.cancel(number).status is ChargeStatus.CANCELLED  # never seen: a tombstone
    late = provider.charge(order_no=number, auth_code=code("00"), amount_fen=100, description="x")
    assert late.status is ChargeStatus.CANCELLED
    assert sim.charges == []


# ---------------------------------------------------------------------------- refunds


def test_refunds_go_back_once_per_refund_number(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    number = order_number(SALE, 1)
    assert pay(provider, code("00"), amount=1000).status is ChargeStatus.PAID
    part = flow.refund(provider, order_no=number, refund_no=refund_number(SALE, 1), amount_fen=300, total_fen=1000,
                       patience=FAST)
    assert part.done
    assert part.amount_fen == 300
    assert flow.refund(provider, order_no=number, refund_no=refund_number(SALE, 1), amount_fen=300,
                       total_fen=1000, patience=FAST).done  # a repeat is the same refund
    assert sim.kept_fen(number) == 700
    too_much = flow.refund(provider, order_no=number, refund_no=refund_number(SALE, 2), amount_fen=800,
                           total_fen=1000, patience=FAST)
    assert too_much.status is RefundStatus.FAILED
    assert sim.kept_fen(number) == 700
    asked = provider.query_refund(refund_number(SALE, 1))
    assert asked.status is RefundStatus.REFUNDED
    assert asked.amount_fen == 300


def test_refund_whose_answer_is_lost_is_sent_again_not_doubled(sim: PaymentSimulator, provider: WeChatPayV2) -> None:
    number = order_number(SALE, 1)
    assert pay(provider, code("00"), amount=1000).status is ChargeStatus.PAID
    sim.faults.append(Fault("/secapi/pay/refund", "lost"))
    result = flow.refund(provider, order_no=number, refund_no=refund_number(SALE, 1), amount_fen=1000,
                         total_fen=1000, patience=FAST)
    assert result.done
    assert sim.kept_fen(number) == 0
    assert [p for p, _ in sim.requests].count("/secapi/pay/refund") == 2


# ---------------------------------------------------------------------------- trust and settings


def test_requests_signed_with_another_key_are_refused_without_charging(sim: PaymentSimulator) -> None:
    p = open_provider(sim.settings(api_key=Secret("not-the-merchant-key"), timeout_s=1))
    try:
        result = pay(p, code("00"))  # type: ignore[arg-type]
    finally:
        p.close()
    assert result.status is ChargeStatus.FAILED
    assert result.code == "return_fail"
    assert sim.charges == []


def test_an_answer_not_signed_with_our_key_is_not_believed() -> None:
    forged = {"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": "wx", "mch_id": "1",
              "transaction_id": "4200", "total_fee": "100", "nonce_str": "n", "sign_type": "HMAC-SHA256"}
    forged["sign"] = sign(forged, "someone-elses-key")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=to_xml(forged)))
    settings = ProviderSettings(provider="wechat", url="http://pay.invalid", mch_id="1", app_id="wx",
                                api_key=Secret("our-key"))
    p = WeChatPayV2(settings, transport=transport)
    result = p.charge(order_no=order_number(SALE, 1), auth_code=code(), amount_fen=100, description="x")
    assert result.status is ChargeStatus.UNKNOWN
    assert result.code == "bad_signature"


def test_the_api_key_never_reaches_a_log_or_a_repr(sim: PaymentSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = sim.settings(timeout_s=0.4)
    p = open_provider(settings)
    try:
        pay(p, code("00"))  # type: ignore[arg-type]
        pay(p, code("55"), attempt=2)  # type: ignore[arg-type]
        flow.refund(p, order_no=order_number(SALE, 1), refund_no=refund_number(SALE, 1), amount_fen=1,
                    total_fen=1234, patience=FAST)
    finally:
        p.close()
    assert "drivers.payments" in caplog.text or caplog.records  # something was logged
    for shown in (caplog.text, repr(settings), str(settings), f"{settings.api_key}", repr(p)):
        assert DEMO_KEY not in shown
    assert "1345" in caplog.text
    assert code("00") not in caplog.text


def test_settings_from_the_environment() -> None:
    assert settings_from_env({}) is None  # no provider configured: the till has no 付款码 tender
    s = settings_from_env({"POS_PAY_URL": "https://api.mch.weixin.qq.com", "POS_PAY_MCH_ID": "1900000109",
                           "POS_PAY_APP_ID": "wx2421b1c4370ec43b", "POS_PAY_KEY": "k" * 32})
    assert s is not None
    assert s.api_key.reveal() == "k" * 32
    assert "k" * 32 not in repr(s)
    with pytest.raises(DeviceConfigError) as missing:
        settings_from_env({"POS_PAY_URL": "https://api.mch.weixin.qq.com"})
    assert "API 密钥" in missing.value.message
    assert "API key" in missing.value.message_en
    with pytest.raises(DeviceConfigError):
        settings_from_env({"POS_PAY_URL": "ftp://x", "POS_PAY_MCH_ID": "1", "POS_PAY_APP_ID": "a", "POS_PAY_KEY": "k"})


def test_simulator_command_line(tmp_path: object) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "drivers.sim.payments", "--port", "0"], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in first
        url = first.rsplit(" ", 1)[1].strip()
        assert f"POS_PAY_URL={url}" in proc.stdout.readline()
        proc.stdout.readline()
        env = {"POS_PAY_URL": url, "POS_PAY_MCH_ID": "1900000109", "POS_PAY_APP_ID": "wx2421b1c4370ec43b",
               "POS_PAY_KEY": DEMO_KEY}
        p = open_provider(settings_from_env(env))  # type: ignore[arg-type]
        try:
            assert pay(p, code("00")).status is ChargeStatus.PAID  # type: ignore[arg-type]
        finally:
            p.close()
        assert "/pay/micropay" in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
