"""付款码 (payment-code) payments at the till: charge, settle, void and refund through the provider.

Rules this module keeps, whatever the provider or the network does:

- The order number is derived from the document the money is for (a sale, a top-up, a voucher
  sale: `drivers.payments.provider.order_number(doc_id, attempt)`), and the charge is written to
  the till's database and committed *before* the request leaves (`provider_charges`). A retry
  (the cashier presses again, the till restarts) reuses that number, so the provider — which
  charges a number at most once — can never charge twice.
- An unknown outcome (timeout, lost answer) is resolved by querying, then cancelling
  (`drivers.payments.flow`), never by guessing. A new attempt for the same document is refused
  while an earlier one is still unresolved.
- The document commits only once the charge is known to be paid (the caller adds the payment
  only on `PAID`); its transaction marks the charge `committed`. A charge that is paid but whose
  document never committed (the cart was dropped, the till crashed) is given back by
  `settle_open_charges`, which the till runs when it starts and when it comes back online.
- Online only: `availability` says why the tender is greyed out (no provider configured, offline).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.payments import flow
from drivers.payments.provider import (
    ChargeResult,
    ChargeStatus,
    PaymentProvider,
    RefundResult,
    RefundStatus,
    Wallet,
    order_number,
    refund_number,
    sale_of_order,
    wallet_of,
)
from sync.events import Tender, utcnow
from terminal.errors import PaymentError
from terminal.store import Store

WALLET_TENDERS: dict[Wallet, Tender] = {
    Wallet.WECHAT: Tender.WECHAT, Wallet.ALIPAY: Tender.ALIPAY, Wallet.UNIONPAY: Tender.BANK_CARD,
}
CODE_TENDERS = frozenset({Tender.WECHAT, Tender.ALIPAY, Tender.BANK_CARD})

_STATUS_ROW = {ChargeStatus.PAID: "paid", ChargeStatus.FAILED: "failed", ChargeStatus.CANCELLED: "cancelled",
               ChargeStatus.UNKNOWN: "unknown", ChargeStatus.PENDING: "unknown"}


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""
    reason_en: str = ""


def availability(provider: PaymentProvider | None, *, online: bool) -> Availability:
    """Whether the 付款码 tender can be offered now, and why not (the greyed-out button says it)."""
    if provider is None:
        return Availability(False, "未配置付款码支付渠道（商户号、密钥在收银机设置里）",
                            "No payment-code provider is configured (merchant id and key in the till's settings)")
    if not online:
        return Availability(False, "离线：付款码支付需要联网，请用现金、银行卡或储值",
                            "Offline: payment codes need the network; take cash, card or stored value")
    return Availability(True)


@dataclass(frozen=True)
class CodeCharge:
    """A definite outcome of one payment-code charge."""

    result: ChargeResult
    tender: Tender
    amount_fen: int

    @property
    def paid(self) -> bool:
        return self.result.status is ChargeStatus.PAID

    @property
    def order_no(self) -> str:
        return self.result.order_no


def tender_of(auth_code: str) -> Tender:
    """The tender a scanned payment code pays with; `PaymentError` when it is no payment code."""
    wallet = wallet_of(auth_code)
    if wallet is None:
        raise PaymentError("这不是微信、支付宝或云闪付的付款码，请重新扫码",
                           "not a WeChat Pay, Alipay or UnionPay payment code: scan again", code="not_a_payment_code")
    return WALLET_TENDERS[wallet]


@dataclass(frozen=True)
class PreparedCharge:
    """A charge journalled and ready to send (`prepare`), or already settled by an earlier attempt."""

    order_no: str
    tender: Tender
    amount_fen: int
    auth_code: str
    description: str
    settled: ChargeResult | None = None
    """An earlier unresolved attempt of the same document turned out paid: nothing more to send."""


def prepare(store: Store, provider: PaymentProvider, *, doc_id: str, auth_code: str, amount_fen: int,
            description: str, patience: flow.Patience = flow.Patience(),
            sleep: Callable[[float], None] = time.sleep) -> PreparedCharge:
    """Check the code and the amount, settle an earlier unresolved attempt of `doc_id` (a charge is
    never sent twice for one document while one is in doubt), and journal the new order number —
    committed before anything is sent. Runs where the store is (the UI thread)."""
    tender = tender_of(auth_code)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise PaymentError("金额必须是正整数分", "amounts are positive integers of fen", code="bad_amount")
    last = store.provider_charges.last_attempt(doc_id)
    if last is not None and last.status in ("sending", "unknown"):
        # an earlier attempt was never settled (lost answer, restart): settle it before a new one
        settled = settle_one(store, provider, last.order_no, patience=patience, sleep=sleep)
        if settled.status is ChargeStatus.PAID:
            return PreparedCharge(last.order_no, Tender(last.tender), last.amount_fen, auth_code, description,
                                  settled=settled)
        if not settled.definite:
            raise PaymentError(settled.message or "上一笔付款码支付结果未知，暂不能再次收款",
                               settled.message_en or "the previous payment is still unresolved", code="unresolved")
        last = store.provider_charges.last_attempt(doc_id)
    if last is not None and last.status == "paid":
        raise PaymentError("这笔付款码已收款，请勿重复收款", "this payment code payment is already taken", code="paid")
    attempt = (last.attempt + 1) if last is not None else 1
    order_no = order_number(doc_id, attempt)
    store.provider_charges.add_sending(order_no=order_no, doc_id=doc_id, attempt=attempt, provider=provider.name,
                                       tender=tender.value, amount_fen=amount_fen, at=utcnow())
    return PreparedCharge(order_no, tender, amount_fen, auth_code, description)


def send(provider: PaymentProvider, prepared: PreparedCharge, *, patience: flow.Patience = flow.Patience(),
         on_progress: Callable[[ChargeResult], None] | None = None, give_up: Callable[[], bool] | None = None,
         sleep: Callable[[float], None] = time.sleep) -> ChargeResult:
    """Charge → wait → query → cancel until definite. Network only, no database: may run on a worker
    thread while the cashier watches (the customer confirming on the phone takes seconds)."""
    if prepared.settled is not None:
        return prepared.settled
    return flow.collect(provider, order_no=prepared.order_no, auth_code=prepared.auth_code,
                        amount_fen=prepared.amount_fen, description=prepared.description, patience=patience,
                        on_progress=on_progress, give_up=give_up, sleep=sleep)


def finish(store: Store, prepared: PreparedCharge, result: ChargeResult) -> CodeCharge:
    """Journal what the provider said (back where the store is)."""
    _remember(store, result)
    return CodeCharge(result, prepared.tender, prepared.amount_fen)


def charge(store: Store, provider: PaymentProvider, *, doc_id: str, auth_code: str, amount_fen: int,
           description: str, patience: flow.Patience = flow.Patience(),
           on_progress: Callable[[ChargeResult], None] | None = None,
           give_up: Callable[[], bool] | None = None, sleep: Callable[[float], None] = time.sleep) -> CodeCharge:
    """Charge `amount_fen` from the scanned code for document `doc_id` and return the definite
    outcome (or UNKNOWN `unresolved` when even the cancel got no answer: the till settles it later).
    `prepare`, `send` and `finish` in one go."""
    prepared = prepare(store, provider, doc_id=doc_id, auth_code=auth_code, amount_fen=amount_fen,
                       description=description, patience=patience, sleep=sleep)
    result = send(provider, prepared, patience=patience, on_progress=on_progress, give_up=give_up, sleep=sleep)
    return finish(store, prepared, result)


def _remember(store: Store, result: ChargeResult) -> None:
    store.provider_charges.set_status(result.order_no, _STATUS_ROW[result.status],
                                      transaction_id=result.transaction_id, code=result.code, at=utcnow())


def settle_one(store: Store, provider: PaymentProvider, order_no: str, *, patience: flow.Patience = flow.Patience(),
               sleep: Callable[[float], None] = time.sleep) -> ChargeResult:
    """Ask what became of an unresolved order; still in doubt, cancel it (money back if taken)."""
    result = provider.query(order_no)
    if not result.definite:
        result = flow.cancel(provider, order_no, patience=patience, sleep=sleep)
    _remember(store, result)
    return result


def void(store: Store, provider: PaymentProvider, order_no: str, *, patience: flow.Patience = flow.Patience(),
         sleep: Callable[[float], None] = time.sleep) -> ChargeResult:
    """Give back a paid charge whose document will not commit (the cashier removed the payment or
    dropped the cart): 撤销, which returns the money. Raises when the provider cannot confirm it."""
    result = flow.cancel(provider, order_no, patience=patience, sleep=sleep)
    _remember(store, result)
    if result.status not in (ChargeStatus.CANCELLED, ChargeStatus.FAILED):
        raise PaymentError(result.message or "撤销付款码支付未成功，请稍后重试",
                           result.message_en or "the payment could not be cancelled: try again", code="void_failed")
    return result


def settle_open_charges(store: Store, provider: PaymentProvider, *, keep: frozenset[str] = frozenset(),
                        patience: flow.Patience = flow.Patience(),
                        sleep: Callable[[float], None] = time.sleep) -> list[ChargeResult]:
    """Settle every charge that may hold money without a committed document (the till restarted
    mid-payment, a cancel got no answer): each is cancelled, so the customer is never charged for
    nothing. `keep`: documents still open on screen (the current cart's paid charges stay)."""
    out = []
    for row in store.provider_charges.open():
        if row.doc_id in keep:
            continue
        out.append(settle_one(store, provider, row.order_no, patience=patience, sleep=sleep)
                   if row.status != "paid" else _void_quietly(store, provider, row.order_no, patience, sleep))
    return out


def _void_quietly(store: Store, provider: PaymentProvider, order_no: str, patience: flow.Patience,
                  sleep: Callable[[float], None]) -> ChargeResult:
    result = flow.cancel(provider, order_no, patience=patience, sleep=sleep)
    _remember(store, result)
    return result


def is_code_payment(tender: Tender, reference: str | None, doc_id: str) -> bool:
    """A payment of `doc_id` taken through the provider: its reference is an order number made from it."""
    return tender in CODE_TENDERS and bool(reference) and sale_of_order(reference or "") == doc_id


def refund(store: Store, provider: PaymentProvider, *, return_id: str, index: int, order_no: str, amount_fen: int,
           total_fen: int, reason: str = "", patience: flow.Patience = flow.Patience(),
           sleep: Callable[[float], None] = time.sleep) -> RefundResult:
    """Send part of a paid order back to the customer's wallet (原路退回); the refund number comes
    from the return, so a retry of the same return is the same refund."""
    refund_no = refund_number(return_id, index)
    store.provider_charges.add_refund(refund_no=refund_no, return_id=return_id, order_no=order_no,
                                      amount_fen=amount_fen, at=utcnow())
    result = flow.refund(provider, order_no=order_no, refund_no=refund_no, amount_fen=amount_fen,
                         total_fen=total_fen, reason=reason, patience=patience, sleep=sleep)
    status = {RefundStatus.REFUNDED: "refunded", RefundStatus.PROCESSING: "refunded",
              RefundStatus.FAILED: "failed", RefundStatus.UNKNOWN: "unknown"}[result.status]
    store.provider_charges.set_refund_status(refund_no, status, result.refund_id)
    return result
