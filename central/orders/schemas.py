"""Request and response models of the orders API (orders, approval, deliveries, returns)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from central.api.types import Fen, RefId, Strict, UtcDatetime, text
from central.inventory.quantities import from_milli

Qty = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
QtyOrZero = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]
Reason = text(200)


class OrderLineIn(Strict):
    product_id: RefId
    unit_code: Annotated[str, Field(min_length=1, max_length=16)]
    qty: Qty
    unit_price_fen: Fen | None = None
    """A price agreed by head office (the line then takes no promotion); omitted: central prices the
    line with the `sync.pricing` contract (the customer's price list, discount rate, promotions)."""


class OrderIn(Strict):
    """An order entered at head office (or by a rep at a console)."""

    customer_id: RefId
    store_id: RefId | None = None
    """The store it belongs to; default: the rep's store."""
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    on_credit: bool = True
    requested_date: date | None = None
    warehouse_id: RefId | None = None
    note: text(500) | None = None  # type: ignore[valid-type]


class DecisionIn(Strict):
    note: text(200) | None = None  # type: ignore[valid-type]


class ReasonIn(Strict):
    reason: Reason  # type: ignore[valid-type]


class LineQtyIn(Strict):
    line_no: Annotated[int, Field(ge=1, le=10_000)]
    qty: QtyOrZero


class EditIn(Strict):
    lines: list[LineQtyIn] = Field(min_length=1, max_length=500)
    note: text(200) | None = None  # type: ignore[valid-type]


class DeliverIn(Strict):
    lines: list[LineQtyIn] | None = Field(default=None, max_length=500)
    """Delivery note lines and what of each is delivered; omitted: the whole note."""
    driver: text(50) | None = None  # type: ignore[valid-type]
    delivered_at: UtcDatetime | None = None


class ReturnLineIn(Strict):
    line_no: Annotated[int, Field(ge=1, le=10_000)]
    """The order line (for leftovers: the delivery note line)."""
    qty: Qty
    restock: bool = True


class ReturnIn(Strict):
    kind: Annotated[str, Field(pattern="^(leftover|refused|returned)$")] = "returned"
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)
    reason: text(200) | None = None  # type: ignore[valid-type]
    delivery_no: text(40) | None = None  # type: ignore[valid-type]
    returned_at: UtcDatetime | None = None


class LeftoverIn(Strict):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)
    reason: text(200) | None = None  # type: ignore[valid-type]
    kind: Annotated[str, Field(pattern="^(leftover|refused)$")] = "leftover"


class DefaultWarehouseIn(Strict):
    warehouse_id: RefId | None


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _qty(qty_m: int) -> Decimal:
    return from_milli(qty_m)


class OrderOut(Out):
    id: str
    order_no: str
    source: str
    store_id: int
    customer_id: int
    rep_id: int | None
    terminal_id: int | None
    ordered_at: datetime
    received_at: datetime
    business_date: date
    requested_date: date | None
    warehouse_id: int | None
    on_credit: bool
    status: str
    total_fen: int
    original_total_fen: int
    hold_reasons: list[str]
    hold_message: str | None = None
    hold_message_en: str | None = None
    held_on_receipt: bool
    claimed_held: bool
    claimed_hold_reasons: list[str]
    reject_reason: str | None
    cancel_reason: str | None
    delivered_fen: int
    returned_fen: int
    note: str | None


class OrderLineOut(BaseModel):
    """Quantities in the line's unit: ordered as the rep ordered it, now (after edits), delivered,
    came back, cancelled (will not be delivered)."""

    line_no: int
    product_id: int
    sku: str
    name: str
    unit_code: str
    unit_factor: int
    original_qty: Decimal
    qty: Decimal
    delivered_qty: Decimal
    returned_qty: Decimal
    cancelled_qty: Decimal
    unit_price_fen: int
    original_amount_fen: int
    amount_fen: int
    is_gift: bool

    @classmethod
    def of(cls, ln: Any) -> OrderLineOut:
        return cls(line_no=ln.line_no, product_id=ln.product_id, sku=ln.sku, name=ln.name, unit_code=ln.unit_code,
                   unit_factor=ln.unit_factor, original_qty=_qty(ln.original_qty_m), qty=_qty(ln.qty_m),
                   delivered_qty=_qty(ln.delivered_qty_m), returned_qty=_qty(ln.returned_qty_m),
                   cancelled_qty=_qty(ln.cancelled_qty_m), unit_price_fen=ln.unit_price_fen,
                   original_amount_fen=ln.original_amount_fen, amount_fen=ln.amount_fen, is_gift=ln.is_gift)


class DeliveryLineOut(BaseModel):
    line_no: int
    order_line_no: int
    product_id: int
    unit_code: str
    unit_factor: int
    planned_qty: Decimal
    qty: Decimal
    """Delivered (or, while the note is open, to deliver)."""
    amount_fen: int

    @classmethod
    def of(cls, ln: Any) -> DeliveryLineOut:
        return cls(line_no=ln.line_no, order_line_no=ln.order_line_no, product_id=ln.product_id,
                   unit_code=ln.unit_code, unit_factor=ln.unit_factor, planned_qty=_qty(ln.planned_qty_m),
                   qty=_qty(ln.qty_m), amount_fen=ln.amount_fen)


class DeliveryOut(Out):
    id: str
    delivery_no: str
    order_id: str
    warehouse_id: int
    status: str
    backorder_of: str | None
    created_at: datetime
    delivered_at: datetime | None
    business_date: date | None
    due_date: date | None
    amount_fen: int
    driver: str | None
    cancel_reason: str | None


class DeliveryDetail(DeliveryOut):
    lines: list[DeliveryLineOut]


class ReturnLineOut(BaseModel):
    line_no: int
    order_line_no: int
    product_id: int
    unit_code: str
    qty: Decimal
    amount_fen: int
    restock: bool

    @classmethod
    def of(cls, ln: Any) -> ReturnLineOut:
        return cls(line_no=ln.line_no, order_line_no=ln.order_line_no, product_id=ln.product_id,
                   unit_code=ln.unit_code, qty=_qty(ln.qty_m), amount_fen=ln.amount_fen, restock=ln.restock)


class ReturnOut(Out):
    id: str
    return_no: str
    order_id: str
    delivery_id: str | None
    kind: str
    warehouse_id: int
    returned_at: datetime
    amount_fen: int
    reason: str | None


class ReturnDetail(ReturnOut):
    lines: list[ReturnLineOut]


class OrderEventOut(Out):
    at: datetime
    action: str
    status: str
    user_id: int | None
    terminal_id: int | None
    note: str | None
    detail: dict[str, Any] | None


class OrderDetail(OrderOut):
    lines: list[OrderLineOut]
    deliveries: list[DeliveryDetail]
    returns: list[ReturnDetail]
    history: list[OrderEventOut]
    hold_details: dict[str, Any]


class DeliverOut(BaseModel):
    delivery: DeliveryDetail
    backorder: DeliveryDetail | None
    negative_stock: list[dict[str, int]]
