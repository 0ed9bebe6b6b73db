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


class CustomerInfo(_Master):
    """A B2B customer, shipped only to its assigned rep's terminal (and stores that sell on credit)."""

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
    active: bool = True


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
}
"""Entities whose wire form is defined here; products, price lists, promotions use H1's dicts."""


def validate_data(entity: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check a master row against its wire model (if it has one here) and return its dict form."""
    model = WIRE_MODELS.get(entity)
    if model is None:
        return data
    return model.model_validate(data).model_dump(mode="json")
