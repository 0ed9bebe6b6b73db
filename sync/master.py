"""Master data central ships to terminals: entity names, change rows and the wire models.

Master data is central's: terminals receive it through the change feed (pull) or a snapshot
(bootstrap) and never edit it, except the few rep-editable customer fields, which travel back as
`customer.updated` events. Products, price lists, member levels, member prices and promotions travel in the `to_dict()`
forms of `sync.catalog` and `sync.promotions` (H1's pricing contract); the other entities are
defined here. Product rows carry a few extra keys for the till's search (`pinyin`, `name_en`,
`spec`), which `Product.from_dict` ignores.

Every row carries the feed position (`seq`) of its last change; a terminal keeps the row with the
highest `seq`, so applying a page twice or out of order never goes back in time.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sync.stored_value import BonusRule
from sync.vouchers import VoucherBatch, VoucherInfo


class Entity(StrEnum):
    """Names of master-data entities on the wire and in the terminal's `master` table."""

    PRODUCT = "product"
    """`sync.catalog.Product.to_dict()`; id is the product id."""
    PRICE_LIST = "price_list"
    """`sync.catalog` price list `to_dict()`; id is the price list id."""
    PROMOTION = "promotion"
    """`sync.promotions.Promotion.to_dict()`; id is the promotion id."""
    MEMBER = "member"
    CUSTOMER = "customer"
    USER = "user"
    STORE = "store"
    """Store settings (`StoreSettings`); id is the store id."""
    TERMINAL = "terminal"
    MEMBER_LEVEL = "member_level"
    """`sync.catalog.MemberLevel.to_dict()`; id is the level code."""
    MEMBER_PRICE = "member_price"
    """`sync.catalog.MemberLevelPrice.to_dict()` (会员价) plus `id`; id is central's row id."""
    STORED_VALUE_RULE = "stored_value_rule"
    """`sync.stored_value.BonusRule` (充值赠送); id is the rule id. Protocol 2."""
    VOUCHER_BATCH = "voucher_batch"
    """`sync.vouchers.VoucherBatch`; id is the batch id. Protocol 2."""
    VOUCHER = "voucher"
    """`sync.vouchers.VoucherInfo`; id is the voucher's code (what the till scans). Protocol 2."""
    SALES_ORDER = "sales_order"
    """`SalesOrderInfo`: an order of one of the rep's customers and how far it got; id is the order id."""
    VISIT_PLAN = "visit_plan"
    """`VisitPlanInfo`: the rep's route by weekday; id is the rep's user id."""
    REP_TARGET = "rep_target"
    """`RepTargetInfo`: a rep's target for a month and central's achieved figure; id is `<rep id>:<YYYY-MM>`."""
    CUSTOMER_TYPE = "customer_type"
    """`CustomerTypeInfo`: a customer type and the visit steps it requires; id is the type code."""
    FLOOR_PRICE = "floor_price"
    """`FloorPriceInfo`: a product's lowest prices per unit (最低限价); id is the product id."""


class Op(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"
    """A tombstone: the row was deleted at central or left this terminal's scope."""


class Change(BaseModel):
    """One row of the change feed (or of a snapshot page)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    entity: str
    id: str
    op: Op
    data: dict[str, Any] | None = None
    """The entity's wire form; None for tombstones."""


class _Master(BaseModel):
    # ignore unknown fields: central may add fields before every terminal is upgraded
    model_config = ConfigDict(extra="ignore", frozen=True)


class MemberLevelInfo(_Master):
    """Same fields as `sync.catalog.MemberLevel.to_dict()`."""

    code: str
    name: str
    points_per_yuan: str = "1"
    """Decimal as text (up to 3 places)."""
    percent_off_bp: int = 0


class MemberInfo(_Master):
    """A member (B2C) as terminals know it. The balance is central's ledger balance at `seq` time;
    offline redemptions may overdraw it (see sync/CONFLICTS.md)."""

    id: str
    card_no: str
    phone: str | None = None
    name: str | None = None
    level: str = "normal"
    points_balance: int = 0
    birthday: str | None = None
    active: bool = True
    stored_value_fen: int = 0
    """Central's stored-value (储值) balance at `seq` time; offline payments may overdraw it."""


class ContactInfo(_Master):
    name: str
    phone: str | None = None
    role: str | None = None
    """e.g. 老板, 采购, 收货, 财务."""


class OpenItemInfo(_Master):
    """A receivable still open (`sync.field.OpenItem`): the tablet ages it against its own today."""

    doc_no: str
    doc_date: str
    due_date: str
    open_fen: int


class OrderSummary(_Master):
    order_id: str
    order_no: str
    ordered_at: str
    total_fen: int
    status: str


class VisitSummary(_Master):
    visit_id: str
    visited_at: str
    notes: str | None = None
    follow_up_date: str | None = None
    follow_up: str | None = None


class CustomerInfo(_Master):
    """A B2B customer, shipped only to its assigned rep's terminal (and stores that sell on credit).

    Figures (`balance_fen`, `credit_used_fen`, `open_items` ...) are central's when the row was last
    written (`as_of`, the store's local date); the tablet adds its own unsynced orders and ages
    `open_items` against its own today (`sync.field.oldest_overdue_days`)."""

    id: int
    code: str
    name: str
    contact_name: str | None = None
    contact_phone: str | None = None
    address: str | None = None
    region: str | None = None
    notes: str | None = None
    rep_id: int | None = None
    price_list_id: int | None = None
    credit_limit_fen: int = 0
    credit_days: int = 0
    balance_fen: int = 0
    """Receivable balance: what the customer owes now (below 0: paid in advance)."""
    active: bool = True
    customer_type: str = "direct"
    """`sync.field.CustomerType`."""
    status: str = "active"
    """`sync.field.CustomerStatus`: `pending` until head office reviewed a customer made on a tablet."""
    client_id: str | None = None
    """The tablet's id (`customer.created` `customer_id`) of a customer made offline."""
    group_id: int | None = None
    discount_bp: int = 0
    """The customer's discount rate on group prices (`sync.catalog.CustomerTerms.percent_off_bp`)."""
    parent_id: int | None = None
    """The head office of a branch (总分店)."""
    payment_terms: str = "credit"
    """`credit` (on account, by credit days) or `cod` (cash on delivery: no limit, or pending)."""
    contacts: list[ContactInfo] = Field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    advances_fen: int = 0
    """Money collected that nothing was open for yet (预收): it settles the next deliveries."""
    open_orders_fen: int = 0
    """Undelivered value of approved orders (counts against the limit with the balance)."""
    credit_used_fen: int = 0
    """balance − advances + open orders (`sync.field.check_order`'s exposure before a new order)."""
    available_fen: int = 0
    """credit limit − credit used (never below 0)."""
    overdue_fen: int = 0
    oldest_overdue_days: int = 0
    as_of: str | None = None
    open_items: list[OpenItemInfo] = Field(default_factory=list)
    last_orders: list[OrderSummary] = Field(default_factory=list)
    """The three most recent orders, newest first."""
    last_visits: list[VisitSummary] = Field(default_factory=list)
    """The three most recent visits, newest first."""


class SalesOrderLineInfo(_Master):
    line_no: int
    product_id: int
    sku: str
    name: str = ""
    unit_code: str
    unit_factor: int = 1
    qty: str
    """Ordered now (after head office's edits), in the line's unit; decimal text."""
    original_qty: str
    """As the rep ordered it."""
    delivered_qty: str = "0"
    returned_qty: str = "0"
    cancelled_qty: str = "0"
    unit_price_fen: int
    amount_fen: int
    is_gift: bool = False


class DeliveryInfo(_Master):
    delivery_no: str
    warehouse_id: int
    status: str
    """`open`, `delivered` or `cancelled`."""
    delivered_at: str | None = None
    amount_fen: int = 0
    cancel_reason: str | None = None


class SalesOrderInfo(_Master):
    """An order (from any tablet or head office) of one of the rep's customers, as central has it."""

    id: str
    order_no: str
    customer_id: int
    rep_id: int | None = None
    source: str = "tablet"
    """`tablet` or `console` (entered at head office)."""
    status: str
    """`sync.field.OrderStatus`."""
    ordered_at: str
    requested_date: str | None = None
    total_fen: int
    """Current total (after head office's quantity edits)."""
    original_total_fen: int
    on_credit: bool = True
    hold_reasons: list[str] = Field(default_factory=list)
    """Central's verdict (`sync.field.HoldReason` codes) — may differ from the tablet's."""
    claimed_hold_reasons: list[str] = Field(default_factory=list)
    reject_reason: str | None = None
    cancel_reason: str | None = None
    delivered_fen: int = 0
    returned_fen: int = 0
    lines: list[SalesOrderLineInfo] = Field(default_factory=list)
    deliveries: list[DeliveryInfo] = Field(default_factory=list)
    updated_at: str | None = None


class VisitPlanInfo(_Master):
    """A rep's route: customer ids to visit, in order, by ISO weekday ("1" Monday … "7" Sunday)."""

    rep_id: int
    days: dict[str, list[int]] = Field(default_factory=dict)


class RepTargetInfo(_Master):
    rep_id: int
    month: str
    """YYYY-MM (the store's calendar)."""
    target_fen: int = 0
    achieved_fen: int = 0
    """Central's figure: Σ totals of the rep's orders of the month that were not rejected or cancelled."""
    delivered_fen: int = 0
    orders: int = 0


class CustomerTypeInfo(_Master):
    code: str
    name: str
    name_en: str = ""
    required_steps: list[str] = Field(default_factory=list)
    """`sync.field.VisitStep` codes a visit to such a customer must include."""


class FloorPriceInfo(_Master):
    product_id: int
    prices: dict[str, int] = Field(default_factory=dict)
    """unit code → lowest price per unit in fen (最低限价)."""


class UserInfo(_Master):
    """A user who may sign in at a till (cashier, store manager, rep), with the PIN hash
    (argon2) so sign-in works offline. Never the password hash."""

    id: int
    code: str
    """Cashier number typed at the till."""
    name: str
    role: str
    pin_hash: str | None = None
    store_id: int | None = None
    active: bool = True


class StoreSettings(_Master):
    """A store's settings the till needs to sell offline."""

    id: int
    code: str
    name: str
    rounding_mode: str = "none"
    """抹零 rule name from `sync.rounding` (e.g. none, jiao_down, yuan_down, half_jiao)."""
    receipt_header: str = ""
    receipt_footer: str = ""
    receipt_language: str = "zh-CN"
    """Language of the receipts the store's tills print (`zh-CN` or `en`), whatever the cashier's
    screen language; head office sets it (central `stores.receipt_language`)."""
    address: str | None = None
    phone: str | None = None
    tax_id: str | None = None
    warehouse_id: int | None = None
    price_list_id: int | None = None
    points_per_yuan: int = 1
    credit_policy: str = "hold"
    """`sync.field.CreditPolicy`: what a rep tablet does with an order that fails the credit check."""
    allowed_overdue_days: int = 0
    """Receivables overdue up to this many days do not hold an order (`sync.field.check_order`)."""
    chain_returns: bool = False
    void_needs_manager: bool = False
    """删除商品需店长授权: a till asks for a manager's PIN to void a line of a sale (head office's
    loss-prevention setting). Off by default, and for a till whose central predates the setting."""
    """跨店退货: the till may take back a receipt of another store (head office's setting; central
    flags such a return when the store does not allow it). Off by default, and for a till whose
    central predates the setting."""
    extra: dict[str, Any] = Field(default_factory=dict)


class TerminalInfo(_Master):
    id: int
    code: str
    kind: str = "pos"
    """`pos` (cashier) or `rep` (sales rep tablet)."""
    store_id: int | None = None
    rep_id: int | None = None
    receipt_prefix: str = ""
    """Store and terminal prefix of receipt numbers, unique across the business."""
    active: bool = True


WIRE_MODELS: dict[str, type[BaseModel]] = {
    Entity.MEMBER: MemberInfo,
    Entity.CUSTOMER: CustomerInfo,
    Entity.USER: UserInfo,
    Entity.STORE: StoreSettings,
    Entity.TERMINAL: TerminalInfo,
    Entity.MEMBER_LEVEL: MemberLevelInfo,
    Entity.STORED_VALUE_RULE: BonusRule,
    Entity.VOUCHER_BATCH: VoucherBatch,
    Entity.VOUCHER: VoucherInfo,
    Entity.SALES_ORDER: SalesOrderInfo,
    Entity.VISIT_PLAN: VisitPlanInfo,
    Entity.REP_TARGET: RepTargetInfo,
    Entity.CUSTOMER_TYPE: CustomerTypeInfo,
    Entity.FLOOR_PRICE: FloorPriceInfo,
}
"""Entities whose wire form is defined here; products, price lists, promotions use H1's dicts."""


def validate_data(entity: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check a master row against its wire model (if it has one here) and return its dict form."""
    model = WIRE_MODELS.get(entity)
    if model is None:
        return data
    return model.model_validate(data).model_dump(mode="json")
