"""Taking a payment-code payment to a known outcome: charge, wait, query, and cancel when in doubt.

The till commits a sale only on `PAID`. Everything else the provider can say ends in a definite
answer here, never in a guess:

- `PENDING` (the customer confirms on the phone): ask again every `poll_every_s` until paid,
  declined, or `give_up_after_s` passes (or the cashier gives up) — then cancel.
- `UNKNOWN` (timeout, lost answer, provider error): query at once, then as for PENDING; the
  provider keeps one order per order number, so the query tells whether that charge happened.
- Cancel (撤销) settles what queries could not: unpaid, the order is closed; paid, the money goes
  back. If even the cancel gets no answer the outcome stays `UNKNOWN` with code `unresolved`:
  the till keeps the order number and settles it later with `settle_later` (never charged twice,
  never kept without a sale).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.payments.provider import (
    ChargeResult,
    ChargeStatus,
    PaymentProvider,
    RefundResult,
    RefundStatus,
)


@dataclass(frozen=True)
class Patience:
    """How long a till waits: providers suggest asking every few seconds for about half a minute."""

    poll_every_s: float = 3.0
    give_up_after_s: float = 45.0
    retry_pause_s: float = 1.0
    """Between attempts of a cancel or refund that got no answer."""
    tries: int = 3
    """Cancels (or refund calls) before the outcome is left `unresolved` for later."""


Progress = Callable[[ChargeResult], None]


def collect(provider: PaymentProvider, *, order_no: str, auth_code: str, amount_fen: int, description: str,
            patience: Patience = Patience(), on_progress: Progress | None = None,
            give_up: Callable[[], bool] | None = None, sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic) -> ChargeResult:
    """Charge `amount_fen` from the code and return only a definite outcome (PAID, FAILED or
    CANCELLED), or UNKNOWN/`unresolved` when the provider could not be reached even to cancel.

    `on_progress` hears every answer (for the cashier's screen: "waiting for the customer…");
    `give_up()` returning True stops the waiting (the cashier pressed 取消), which cancels."""
    result = provider.charge(order_no=order_no, auth_code=auth_code, amount_fen=amount_fen, description=description)
    if on_progress is not None:
        on_progress(result)
    return settle(provider, result, patience=patience, on_progress=on_progress, give_up=give_up, sleep=sleep,
                  clock=clock)


def settle(provider: PaymentProvider, result: ChargeResult, *, patience: Patience = Patience(),
           on_progress: Progress | None = None, give_up: Callable[[], bool] | None = None,
           sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> ChargeResult:
    """Turn a charge's first answer into a definite one (see the module docstring)."""
    deadline = clock() + patience.give_up_after_s
    first = True
    while not result.definite:
        if clock() >= deadline or (give_up is not None and give_up()):
            break
        if not (first and result.status is ChargeStatus.UNKNOWN):  # a lost answer is asked about at once
            sleep(patience.poll_every_s)
        first = False
        result = provider.query(result.order_no)
        if on_progress is not None:
            on_progress(result)
    if result.definite:
        return result
    return cancel(provider, result.order_no, patience=patience, on_progress=on_progress, sleep=sleep)


def cancel(provider: PaymentProvider, order_no: str, *, patience: Patience = Patience(),
           on_progress: Progress | None = None, sleep: Callable[[float], None] = time.sleep) -> ChargeResult:
    """Cancel (撤销) an order the till gives up on, asking again while the answer is unknown.

    A cancel the provider refuses because the order is already settled (paid or closed) is
    answered by a query, so the caller learns the truth either way."""
    last: ChargeResult | None = None
    for attempt in range(patience.tries):
        if attempt:
            sleep(patience.retry_pause_s)
        last = provider.cancel(order_no)
        if on_progress is not None:
            on_progress(last)
        if last.status is ChargeStatus.CANCELLED:
            return last
        state = provider.query(order_no)
        if state.status in (ChargeStatus.CANCELLED, ChargeStatus.FAILED):
            return state
    code = last.code if last is not None else None
    return ChargeResult(ChargeStatus.UNKNOWN, order_no, code="unresolved",
                        message=f"无法确认该笔付款码支付的结果（{code}），请稍后在联网时处理，切勿重复收款",
                        message_en=f"The outcome of this payment could not be settled ({code}): "
                                   "it will be settled when the provider answers; do not charge again")


def settle_later(provider: PaymentProvider, order_no: str, *, patience: Patience = Patience(),
                 sleep: Callable[[float], None] = time.sleep) -> ChargeResult:
    """Settle an order left open (the till restarted, or could not reach the provider to cancel):
    the sale it was for was not committed, so the order must not stay paid — cancel it, which
    gives the money back if it was taken."""
    return cancel(provider, order_no, patience=patience, sleep=sleep)


def refund(provider: PaymentProvider, *, order_no: str, refund_no: str, amount_fen: int, total_fen: int,
           reason: str = "", patience: Patience = Patience(),
           sleep: Callable[[float], None] = time.sleep) -> RefundResult:
    """Send a refund back to the customer's wallet (原路退回) and return a definite answer when one
    can be had: the refund number makes every retry the same refund, so an unanswered call is
    simply sent again, then asked about."""
    result = provider.refund(order_no=order_no, refund_no=refund_no, amount_fen=amount_fen, total_fen=total_fen,
                             reason=reason)
    for _ in range(patience.tries - 1):
        if result.status is not RefundStatus.UNKNOWN:
            break
        sleep(patience.retry_pause_s)
        result = provider.refund(order_no=order_no, refund_no=refund_no, amount_fen=amount_fen,
                                 total_fen=total_fen, reason=reason)
    if result.status is RefundStatus.UNKNOWN:
        asked = provider.query_refund(refund_no)
        if asked.status is not RefundStatus.FAILED or asked.code != "REFUNDNOTEXIST":
            result = asked
    return result
