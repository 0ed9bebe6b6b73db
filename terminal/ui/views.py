"""What the screens display: small immutable snapshots the area adapters build from the services.

Screens never reach into the services' own objects; they read these, so a change in a service's
internals touches the adapters only. Money stays integer fen until the moment it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserView:
    id: int
    code: str
    name: str
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role in {"manager", "admin", "store_manager"}


@dataclass(frozen=True)
class LineView:
    line_no: int
    """The line number as printed (1, 2, …), including gift lines the pricing added."""
    index: int | None
    """The cart line it edits (None for a gift line: it comes and goes with its promotion)."""
    name: str
    sku: str
    unit: str
    qty: str
    unit_price_fen: int
    list_amount_fen: int
    discount_fen: int
    amount_fen: int
    promotions: tuple[str, ...] = ()
    is_gift: bool = False


@dataclass(frozen=True)
class MemberView:
    id: str
    card_no: str
    name: str
    phone: str
    level: str
    points: int


@dataclass(frozen=True)
class CartView:
    lines: tuple[LineView, ...] = ()
    subtotal_fen: int = 0
    discount_fen: int = 0
    rounding_fen: int = 0
    total_fen: int = 0
    points_earned: int = 0
    item_count: str = "0"
    member: MemberView | None = None
    held_count: int = 0
    current: int | None = None
    """Cart index the last action added or changed (the screen selects it)."""


@dataclass(frozen=True)
class PaymentView:
    tender: str
    amount_fen: int
    reference: str = ""
    tendered_fen: int | None = None
    points: int | None = None


@dataclass(frozen=True)
class PaymentState:
    due_fen: int
    paid_fen: int
    remaining_fen: int
    change_fen: int
    rounding_fen: int
    payments: tuple[PaymentView, ...] = ()
    points_available: int = 0
    """Member's points that could still be redeemed (0 without a member)."""
    quick_cash_fen: tuple[int, ...] = ()
    """Quick cash buttons (exact, then the next round notes), as the checkout suggests them."""
    code_ok: bool = False
    """The 付款码 tender can be used now (a provider is configured and the till is online)."""
    code_reason: str = ""
    """Why not, in the cashier's words (shown under the greyed-out tender)."""
    code_reason_en: str = ""
    stored_value_fen: int | None = None
    """The member's stored value the till knows (None without a member)."""


@dataclass(frozen=True)
class SaleDone:
    sale_id: str
    receipt_no: str
    total_fen: int
    change_fen: int
    cash: bool
    """Cash was taken: the drawer opens with the receipt."""


@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    error: str = ""
    drawer_opened: bool = False
    reprint: bool = False


@dataclass(frozen=True)
class ProductHit:
    product_id: int
    sku: str
    name: str
    unit: str
    unit_name: str
    price_fen: int


@dataclass(frozen=True)
class HeldView:
    id: str
    time_text: str
    label: str
    line_count: int
    total_fen: int = 0
    """The amount due when it was held: what tells one customer's basket from another."""


@dataclass(frozen=True)
class ResumedView:
    """A held sale brought back: the cart re-priced now, and each line whose price changed while it
    was held as (name, old unit price, new unit price)."""

    cart: CartView
    changes: tuple[tuple[str, int, int], ...] = ()
    old_total_fen: int = 0
    new_total_fen: int = 0


@dataclass(frozen=True)
class OthersShiftView:
    """An open shift another cashier opened and did not close (交接班 skipped)."""

    shift_id: str
    cashier: str
    opened_text: str


@dataclass(frozen=True)
class ShiftReportView:
    kind: str
    """"X" (mid-shift) or "Z" (close)."""
    opening_float_fen: int
    expected_cash_fen: int
    sales_count: int
    returns_count: int
    totals_by_tender: dict[str, int] = field(default_factory=dict)
    counted_cash_fen: int | None = None


@dataclass(frozen=True)
class ReturnableLine:
    line_no: int
    name: str
    unit: str
    qty_sold: str
    qty_returnable: str
    amount_fen: int


@dataclass(frozen=True)
class ReturnableSale:
    sale_id: str
    receipt_no: str
    sold_at_text: str
    total_fen: int
    tenders: tuple[str, ...]
    lines: tuple[ReturnableLine, ...]


@dataclass(frozen=True)
class ReturnDone:
    return_id: str
    receipt_no: str
    total_fen: int
    cash: bool
    refunds: tuple[tuple[str, int], ...] = ()
    """(tender, fen) refunded: the cash part is what the cashier hands back from the drawer."""


@dataclass(frozen=True)
class StatusView:
    online: bool = False
    pending: int = 0
    quarantined: int = 0
    last_sync_text: str = ""
    error: str = ""
    terminal_label: str = ""


@dataclass(frozen=True)
class QuarantinedView:
    event_id: str
    type: str
    reason: str
