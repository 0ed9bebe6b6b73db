"""Field sales (a rep's tablet and central): the vocabularies and the credit check both ends compute.

A rep takes orders offline for days. The tablet decides on the spot whether an order must wait for
head office (*held for approval*) with `hold_reasons` below, over the data it pulled last; central
runs the very same function over what it knows when the order arrives and keeps its own verdict
(it never believes the tablet's). What each code means, and the wire forms that carry it, are in
`sync/FIELD.md`. Pure functions, integer fen, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class CustomerType(StrEnum):
    """How a customer buys from us; decides the visit steps a rep must do there."""

    DIRECT = "direct"
    """A shop or restaurant buying for itself (直供)."""
    CONSIGNMENT = "consignment"
    """A consignment counter in someone else's store (专柜): we count our stock on its shelf."""
    HQ_BRANCH = "hq_branch"
    """A chain's head office or one of its branches (总分店): the branch orders, HQ may pay."""
    DELIVERY_ONLY = "delivery_only"
    """Only delivered to (配送): no selling visits, orders come by phone or from HQ."""


CUSTOMER_TYPE_NAMES: dict[CustomerType, tuple[str, str]] = {
    CustomerType.DIRECT: ("直供客户", "Direct"),
    CustomerType.CONSIGNMENT: ("专柜", "Consignment counter"),
    CustomerType.HQ_BRANCH: ("总分店", "HQ / branch"),
    CustomerType.DELIVERY_ONLY: ("配送客户", "Delivery only"),
}


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    """Created on a tablet, not yet reviewed by head office: cash on delivery only, no credit."""


class VisitStep(StrEnum):
    """Things a rep does at a customer; each customer type requires some (central sets which)."""

    SHELF_CHECK = "shelf_check"
    """Our products on the shelf: facings, price tags, out-of-stocks (陈列检查)."""
    STOCK_COUNT = "stock_count"
    """Count our stock at the customer (库存盘点), e.g. on a consignment counter."""
    COMPETITOR_PRICES = "competitor_prices"
    """Prices of competing products seen (竞品价格)."""
    PHOTO = "photo"
    """At least one photo of the shelf or the shop front (拍照)."""
    ORDER = "order"
    """Ask for an order (下单) — done when an order was taken or the customer declined."""
    COLLECTION = "collection"
    """Ask for payment of what is due (收款)."""


class HoldReason(StrEnum):
    """Why an order waits for head office's approval instead of going to the warehouse."""

    CREDIT_LIMIT = "credit_limit"
    """On credit, and what the customer owes (less advances) plus approved undelivered orders plus this
    order exceeds the limit."""
    NO_CREDIT_TERMS = "no_credit_terms"
    """On credit, but the customer has none (a pending customer, or a credit limit of 0): COD only."""
    OVERDUE = "overdue"
    """The customer has receivables overdue by more days than the store allows."""
    BELOW_FLOOR_PRICE = "below_floor_price"
    """A line (not a gift) is priced below the product unit's floor price (最低限价)."""
    CATALOG_CHANGED = "catalog_changed"
    """Central only: a line's unit is unknown at central or has another factor now (head office
    changed the catalog after the tablet priced the order)."""
    CUSTOMER_INACTIVE = "customer_inactive"
    """Central only: head office deactivated the customer after the tablet pulled it."""


HOLD_REASON_TEXT: dict[HoldReason, tuple[str, str]] = {
    HoldReason.CREDIT_LIMIT: ("超出信用额度", "over the credit limit"),
    HoldReason.NO_CREDIT_TERMS: ("客户没有赊账额度，只能货到付款", "the customer has no credit terms: cash on delivery only"),
    HoldReason.OVERDUE: ("客户有超期未付的欠款", "the customer has overdue receivables"),
    HoldReason.BELOW_FLOOR_PRICE: ("有商品低于最低限价", "a line is below the floor price"),
    HoldReason.CATALOG_CHANGED: ("商品单位已在总部变更", "a line's unit changed at head office"),
    HoldReason.CUSTOMER_INACTIVE: ("客户已停用", "the customer was deactivated"),
}


class CreditPolicy(StrEnum):
    """A store setting: what a tablet does with an order that fails the credit check."""

    HOLD = "hold"
    """Save and send it held for approval (the default)."""
    BLOCK = "block"
    """Refuse to save it on the tablet (and at head office). An order that reaches central anyway
    (an older tablet, a stale setting) is held: an order that was taken is never dropped."""


class OrderStatus(StrEnum):
    """A sales order's life; pulled back to the tablet in the `sales_order` entity."""

    SUBMITTED = "submitted"
    """Received, not yet checked (only for an instant at central)."""
    HELD = "held"
    """Waiting for head office (see `hold_reasons`)."""
    APPROVED = "approved"
    """Passed the check or approved; delivery notes were made, nothing delivered yet."""
    PARTLY_DELIVERED = "partly_delivered"
    DELIVERED = "delivered"
    """Everything ordered (less what was cancelled) delivered; nothing open."""
    CLOSED = "closed"
    """Finished short: the undelivered rest was cancelled with a reason, or head office closed it."""
    REJECTED = "rejected"
    """Head office refused it (with a reason)."""
    CANCELLED = "cancelled"
    """Cancelled before anything was delivered (with a reason)."""


COMMITTED_ORDER_STATUSES = frozenset({OrderStatus.APPROVED, OrderStatus.PARTLY_DELIVERED})
"""Orders whose undelivered value counts against the customer's credit (`CreditState.open_orders_fen`):
approved and not fully delivered. A held order does not count until it is approved."""


class ReturnKind(StrEnum):
    LEFTOVER = "leftover"
    """The driver brought goods back (剩货): not unloaded, short-shipped, damaged in transit."""
    REFUSED = "refused"
    """The customer refused goods on delivery (拒收)."""
    RETURNED = "returned"
    """The customer returned goods later (退货)."""


class CollectionMethod(StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    CHEQUE = "cheque"


# ---------------------------------------------------------------------------- the credit check


@dataclass(frozen=True)
class OpenItem:
    """A receivable still (partly) open: a delivery on account not yet paid in full."""

    doc_no: str
    doc_date: date
    due_date: date
    open_fen: int


@dataclass(frozen=True)
class CreditState:
    """What is known of a customer's account when the order is checked."""

    credit_limit_fen: int
    balance_fen: int
    """Receivable balance (owed now; below 0 when the customer paid in advance)."""
    advances_fen: int = 0
    """Money collected that nothing was open for yet (预收, waiting to settle the next deliveries)."""
    open_orders_fen: int = 0
    """Undelivered value of the customer's other approved orders (`COMMITTED_ORDER_STATUSES`)."""
    open_items: tuple[OpenItem, ...] = ()
    pending: bool = False
    """A customer head office has not reviewed yet: no credit."""


@dataclass(frozen=True)
class OrderLineCheck:
    product_id: int
    unit_code: str
    qty: Decimal
    amount_fen: int
    is_gift: bool = False


@dataclass(frozen=True)
class Verdict:
    """The check's answer: held when `reasons` is not empty, with what each reason saw."""

    reasons: tuple[HoldReason, ...] = ()
    details: dict[str, object] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return bool(self.reasons)


def oldest_overdue_days(items: Iterable[OpenItem], today: date) -> int:
    """Days the oldest open item is past its due date (0 when nothing is overdue)."""
    return max((max(0, (today - it.due_date).days) for it in items if it.open_fen > 0), default=0)


def check_order(*, total_fen: int, on_credit: bool, lines: Iterable[OrderLineCheck], credit: CreditState,
                floor_prices: Mapping[tuple[int, str], int], allowed_overdue_days: int, today: date) -> Verdict:
    """Whether an order must be held for approval, and why (`HoldReason` order, each at most once).

    `floor_prices` maps (product id, unit code) → the lowest price per unit a rep may sell at.
    `allowed_overdue_days` is the store's grace: overdue up to that many days does not hold.
    """
    reasons: list[HoldReason] = []
    details: dict[str, object] = {}
    if on_credit:
        if credit.pending or credit.credit_limit_fen <= 0:
            reasons.append(HoldReason.NO_CREDIT_TERMS)
        else:
            exposure = credit.balance_fen - credit.advances_fen + credit.open_orders_fen + total_fen
            if exposure > credit.credit_limit_fen:
                reasons.append(HoldReason.CREDIT_LIMIT)
                details["credit_limit"] = {"limit_fen": credit.credit_limit_fen, "balance_fen": credit.balance_fen,
                                           "advances_fen": credit.advances_fen,
                                           "open_orders_fen": credit.open_orders_fen, "order_fen": total_fen,
                                           "over_by_fen": exposure - credit.credit_limit_fen}
    overdue_days = oldest_overdue_days(credit.open_items, today)
    if overdue_days > allowed_overdue_days:
        reasons.append(HoldReason.OVERDUE)
        details["overdue"] = {"oldest_overdue_days": overdue_days, "allowed_days": allowed_overdue_days,
                              "overdue_fen": sum(it.open_fen for it in credit.open_items if it.due_date < today)}
    below = []
    for ln in lines:
        floor = floor_prices.get((ln.product_id, ln.unit_code))
        if floor is None or ln.is_gift or ln.qty <= 0:
            continue
        if Decimal(ln.amount_fen) < Decimal(floor) * ln.qty:  # exact: no per-unit rounding
            below.append({"product_id": ln.product_id, "unit_code": ln.unit_code, "floor_price_fen": floor,
                          "qty": str(ln.qty), "amount_fen": ln.amount_fen})
    if below:
        reasons.append(HoldReason.BELOW_FLOOR_PRICE)
        details["below_floor_price"] = below
    return Verdict(tuple(reasons), details)


def hold_message(reasons: Iterable[str]) -> tuple[str, str]:
    """The reasons in words (zh-CN, English) for the rep and head office; unknown codes as is."""
    zh, en = [], []
    for code in reasons:
        try:
            text = HOLD_REASON_TEXT[HoldReason(code)]
        except ValueError:
            text = (code, code)
        zh.append(text[0])
        en.append(text[1])
    return "；".join(zh), "; ".join(en)
