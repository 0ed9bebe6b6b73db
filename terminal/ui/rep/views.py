"""What the rep app's screens display: small immutable snapshots built by the rep adapters.

As `views.py` is for the cashier app: screens read these and never the services' own objects, so a
change inside `terminal`'s field services touches the adapters only. Money is integer fen until drawn.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RepView:
    """The tablet's own rep (the only person who signs in on it)."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class CustomerRow:
    """A line of the customer list."""

    key: str
    """Central's id as text, or the tablet's id of a customer made offline (not yet at central)."""
    code: str
    name: str
    phone: str
    type_name: str
    available_fen: int
    overdue_days: int
    pending: bool


@dataclass(frozen=True)
class HistoryRow:
    """One of a customer's last orders or visits."""

    when: str
    text: str
    amount_fen: int | None = None


@dataclass(frozen=True)
class CustomerCard:
    key: str
    code: str
    name: str
    type_name: str
    status_text: str
    contact_name: str
    contact_phone: str
    contacts: tuple[str, ...]
    """Further contacts, one line each ("李四 采购 139…")."""
    address: str
    notes: str
    price_list: str
    discount_text: str
    terms_text: str
    credit_limit_fen: int
    credit_used_fen: int
    available_fen: int
    overdue_fen: int
    oldest_overdue_days: int
    last_orders: tuple[HistoryRow, ...] = ()
    last_visits: tuple[HistoryRow, ...] = ()
    pending: bool = False


@dataclass(frozen=True)
class PlanStop:
    """A customer on today's route, in visiting order."""

    key: str
    name: str
    address: str
    visited: bool


@dataclass(frozen=True)
class ReminderView:
    key: str
    """The customer it is about."""
    customer: str
    text: str


@dataclass(frozen=True)
class TargetView:
    month: str
    target_fen: int
    achieved_fen: int
    """Central's figure at the last pull plus this tablet's orders not yet at central."""
    unsynced_fen: int
    percent: int


@dataclass(frozen=True)
class TodayView:
    weekday_text: str
    stops: tuple[PlanStop, ...]
    reminders: tuple[ReminderView, ...]
    target: TargetView | None


@dataclass(frozen=True)
class ProductPick:
    """A product found by search, category or barcode, with the units it can be ordered in."""

    product_id: int
    sku: str
    name: str
    units: tuple[tuple[str, str, int], ...]
    """(unit code, unit name, pieces per unit) — pieces first, then boxes (多规格)."""
    price_text: str
    """The customer's price of each unit, already priced by the service (e.g. "¥3.50/瓶 · ¥80.00/箱")."""
    scanned_unit: str = ""
    """Found by a barcode: the unit it belongs to (a box's barcode opens on boxes)."""


@dataclass(frozen=True)
class DraftLineView:
    index: int
    name: str
    unit_name: str
    qty: str
    unit_price_fen: int
    amount_fen: int
    is_gift: bool
    note: str = ""
    """Promotions, a floor-price warning …"""


@dataclass(frozen=True)
class DraftView:
    customer: str
    lines: tuple[DraftLineView, ...]
    total_fen: int
    discount_fen: int
    available_fen: int
    credit_text: str
    """"可用额度 ¥…" for a customer on account, "货到付款" for cash on delivery."""
    hold_text: str
    """Why the order would be held for approval as it stands (empty: it passes)."""
    blocked: bool = False
    """The store blocks such orders instead of holding them."""


@dataclass(frozen=True)
class OrderSaved:
    order_id: str
    order_no: str
    total_fen: int
    held: bool
    hold_text: str


@dataclass(frozen=True)
class OrderStatusRow:
    order_id: str
    order_no: str
    customer: str
    when: str
    status: str
    status_text: str
    total_fen: int
    delivered_fen: int
    detail: str
    """Hold reasons, rejection, deliveries …"""
    held: bool = False


@dataclass(frozen=True)
class VisitStepView:
    code: str
    name: str
    required: bool
    done: bool


@dataclass(frozen=True)
class VisitView:
    visit_id: str
    customer: str
    checked_in_text: str
    notes: str
    steps: tuple[VisitStepView, ...]
    photos: int


@dataclass(frozen=True)
class VisitDone:
    visit_id: str
    missing_steps: str


@dataclass(frozen=True)
class CollectionDone:
    collection_id: str
    receipt_no: str
    amount_fen: int
    method_text: str
