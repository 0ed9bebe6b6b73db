"""The payment-provider protocol: what a till needs of WeChat Pay, Alipay or an aggregator.

Four calls, each keyed by numbers the till makes and keeps, so any call can be repeated safely:

- `charge(order_no, auth_code, amount_fen)` — 付款码支付 (micropay): take money from the code the
  customer shows. The provider charges an order number at most once; repeating the call with the
  same order number answers the same order, never a second charge.
- `query(order_no)` — what became of that order (the answer to a charge that was lost).
- `cancel(order_no)` — 撤销: the till gives up on the order. Unpaid, it is closed; paid, the money
  goes back. The only way out of an unknown outcome other than a definite answer.
- `refund(order_no, refund_no, amount_fen, total_fen)` — 退款 of a paid order, keyed by the refund
  number (a repeat is the same refund); `query_refund(refund_no)` says where it stands.

Outcomes are values, not exceptions: a declined charge is a normal answer the cashier reads. The
only status that says "nobody knows" is `UNKNOWN` (a timeout, a dropped connection, a provider
system error): never guess then — query, and cancel if still in doubt (`drivers.payments.flow`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ChargeStatus(StrEnum):
    PAID = "paid"
    """The money is taken: the sale may be committed."""
    PENDING = "pending"
    """The customer must confirm on the phone (输入密码 / USERPAYING): ask again shortly."""
    FAILED = "failed"
    """Definitely not charged (declined, insufficient funds, expired code, never sent)."""
    CANCELLED = "cancelled"
    """Cancelled (撤销) by the till: not charged, or the charge was given back."""
    UNKNOWN = "unknown"
    """No definite answer (timeout, connection lost, provider error): query before anything else."""


DEFINITE = frozenset({ChargeStatus.PAID, ChargeStatus.FAILED, ChargeStatus.CANCELLED})
"""Statuses that will not change by themselves."""


class RefundStatus(StrEnum):
    REFUNDED = "refunded"
    PROCESSING = "processing"
    """Accepted; the money reaches the customer later (bank cards take days). Counts as refunded."""
    FAILED = "failed"
    UNKNOWN = "unknown"


class Wallet(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"
    UNIONPAY = "unionpay"


@dataclass(frozen=True)
class ChargeResult:
    """What the provider said about one order number."""

    status: ChargeStatus
    order_no: str
    amount_fen: int = 0
    transaction_id: str | None = None
    """The provider's own number for the payment (printed on the receipt as its reference)."""
    code: str | None = None
    """The provider's reason code when not paid (e.g. NOTENOUGH, USERPAYING, timeout)."""
    message: str = ""
    """For the cashier, zh-CN."""
    message_en: str = ""

    @property
    def definite(self) -> bool:
        return self.status in DEFINITE


@dataclass(frozen=True)
class RefundResult:
    status: RefundStatus
    refund_no: str
    amount_fen: int = 0
    refund_id: str | None = None
    code: str | None = None
    message: str = ""
    message_en: str = ""

    @property
    def done(self) -> bool:
        """The provider accepted the refund (finished or on its way to the customer)."""
        return self.status in (RefundStatus.REFUNDED, RefundStatus.PROCESSING)


class PaymentProvider(Protocol):
    """A micropay provider. Implementations: `drivers.payments.wechat.WeChatPayV2`, talking to
    WeChat Pay (or to `drivers.sim.payments.PaymentSimulator`, which speaks the same API)."""

    name: str

    def charge(self, *, order_no: str, auth_code: str, amount_fen: int, description: str) -> ChargeResult: ...

    def query(self, order_no: str) -> ChargeResult: ...

    def cancel(self, order_no: str) -> ChargeResult: ...

    def refund(self, *, order_no: str, refund_no: str, amount_fen: int, total_fen: int,
               reason: str = "") -> RefundResult: ...

    def query_refund(self, refund_no: str) -> RefundResult: ...

    def close(self) -> None: ...


_AUTH_CODE = re.compile(r"\d{16,24}")


def wallet_of(auth_code: str) -> Wallet | None:
    """Which wallet a scanned payment code (付款码) belongs to, by its published prefixes; None when
    the text is not a payment code at all (a product barcode scanned in the wrong place).

    WeChat Pay: 18 digits starting 10–15. Alipay: 16–24 digits starting 25–30. UnionPay QuickPass:
    19 digits starting 62."""
    code = auth_code.strip()
    if not _AUTH_CODE.fullmatch(code):
        return None
    head = int(code[:2])
    if len(code) == 18 and 10 <= head <= 15:
        return Wallet.WECHAT
    if 25 <= head <= 30:
        return Wallet.ALIPAY
    if len(code) == 19 and head == 62:
        return Wallet.UNIONPAY
    return None


MAX_ORDER_NO = 32
"""WeChat Pay's and Alipay's limit on the merchant's order number (out_trade_no)."""


def order_number(sale_id: str, attempt: int) -> str:
    """The order number sent to the provider for payment attempt `attempt` (1, 2 …) of a sale.

    Derived from the sale, not random: after a crash or a lost answer the till sends the very same
    number again (or queries it), and the provider, which charges a number at most once, cannot
    charge twice. A new attempt (after a decline or a cancelled attempt) gets the next number,
    since providers refuse to reuse a cancelled one. A UUID sale id is written in base 36 (25
    characters, and `sale_of_order` reads it back, so a line on the merchant's statement leads to
    the sale); the whole number is at most 32 characters of [0-9a-z-], the providers' limit."""
    if attempt < 1 or attempt > 99:
        raise ValueError(f"attempt must be 1..99, not {attempt}")
    try:
        value = uuid.UUID(sale_id).int
    except ValueError:
        value = int.from_bytes(hashlib.sha256(sale_id.encode()).digest()[:16], "big")
    return f"{_base36(value)}-{attempt:02d}"


def sale_of_order(order_no: str) -> str | None:
    """The sale (UUID) an order number was made from, or None when it was not made from a UUID."""
    head = order_no.rsplit("-", 1)[0].lstrip("r")
    try:
        return str(uuid.UUID(int=int(head, 36)))
    except ValueError:
        return None


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(25):  # 36**25 > 2**128
        value, d = divmod(value, 36)
        out.append(digits[d])
    return "".join(reversed(out))


def refund_number(return_id: str, index: int = 1) -> str:
    """The refund number (out_refund_no) of a return's `index`-th provider refund: derived from the
    return like `order_number`, so a retried refund is the same refund."""
    return "r" + order_number(return_id, index)
