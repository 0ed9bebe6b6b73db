"""Sales orders (订货单) and what becomes of them: delivery notes per warehouse, returns.

An order comes from a rep's tablet (`field_order.created`) or is entered at head office. Central
checks it (`sync.field.check_order`) and either holds it for approval or approves it; an approved
order becomes one delivery note per warehouse (订货单按仓位生成发货单). A note is delivered whole
or in part: the undelivered rest moves to a new open note (a backorder) until it is delivered or
cancelled with a reason (一次订货多次送货). A delivered note is never rewritten: goods the driver
brings back or the customer returns are documents of their own (`OrderReturn`), and the order's
lines keep ordered, delivered, returned and cancelled quantities side by side.

Quantities are integer thousandths of the line's unit (`qty_m`; 5 boxes = 5000), as elsewhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class SalesOrder(Base):
    __tablename__ = "sales_orders"
    __table_args__ = (Index("ix_sales_orders_rep_date", "rep_id", "business_date"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    """The tablet's UUIDv7 (or one made at central for an order entered there)."""
    order_no: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    """`tablet` or `console`."""
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    """The store the order belongs to (the rep tablet's store): its settings and warehouses apply."""
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ordered_at: Mapped[datetime]
    """The tablet's clock, as reported (central's own for orders entered there)."""
    received_at: Mapped[datetime]
    business_date: Mapped[date] = mapped_column(index=True)
    """The store's local date of `ordered_at`: what reports group by."""
    requested_date: Mapped[date | None]
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    """The warehouse asked for (preferred when it has the stock)."""
    on_credit: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    """`sync.field.OrderStatus`."""
    total_fen: Mapped[int] = mapped_column(BigInteger)
    original_total_fen: Mapped[int] = mapped_column(BigInteger)
    hold_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Central's verdict (`sync.field.HoldReason` codes) when it last checked the order."""
    hold_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    held_on_receipt: Mapped[bool] = mapped_column(default=False)
    """Central held it when it arrived (the field report's `held_for_approval`)."""
    claimed_held: Mapped[bool] = mapped_column(default=False)
    claimed_hold_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    """What the tablet decided offline: kept beside central's verdict, never trusted."""
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    delivered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    visit_id: Mapped[str | None] = mapped_column(String(40))
    price_version: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SalesOrderLine(Base):
    __tablename__ = "sales_order_lines"

    order_id: Mapped[str] = mapped_column(ForeignKey("sales_orders.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    original_qty_m: Mapped[int] = mapped_column(BigInteger)
    """As ordered; `qty_m` is after head office's edits."""
    qty_m: Mapped[int] = mapped_column(BigInteger)
    delivered_qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    """Not to be delivered any more (the rest of a delivery cancelled with a reason)."""
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    original_amount_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    """What the customer pays for `qty_m` (scaled from the original amount when head office edits)."""
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    is_gift: Mapped[bool] = mapped_column(default=False)
    promotion_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class SalesOrderEvent(Base):
    """The order's history: received, held, approved, edited, delivered … who, when, why."""

    __tablename__ = "sales_order_events"
    __table_args__ = (Index("ix_sales_order_events_order", "order_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("sales_orders.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    """The order's status after the action."""
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DeliveryNote(Base):
    """发货单: what one warehouse ships for one order. Open until delivered or cancelled; a partial
    delivery leaves the rest on a new open note (`backorder_of` = this one)."""

    __tablename__ = "delivery_notes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery_no: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    """`open`, `delivered`, `cancelled`."""
    backorder_of: Mapped[str | None] = mapped_column(ForeignKey("delivery_notes.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    delivered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    business_date: Mapped[date | None]
    """The store's local date of the delivery (the receivable's document date)."""
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    """Value delivered (charged to the customer)."""
    due_date: Mapped[date | None]
    driver: Mapped[str | None] = mapped_column(String(50))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))


class DeliveryNoteLine(Base):
    __tablename__ = "delivery_note_lines"

    note_id: Mapped[str] = mapped_column(ForeignKey("delivery_notes.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    order_line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    planned_qty_m: Mapped[int] = mapped_column(BigInteger)
    qty_m: Mapped[int] = mapped_column(BigInteger)
    """Delivered quantity once delivered; while open, what is to be delivered."""
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class OrderReturn(Base):
    """Goods that came back against an order: the driver's leftovers (剩货), refused on delivery
    (拒收), or returned later (退货). Stock goes back into the warehouse, a credit note to the account."""

    __tablename__ = "order_returns"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    return_no: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    delivery_id: Mapped[str | None] = mapped_column(ForeignKey("delivery_notes.id"))
    kind: Mapped[str] = mapped_column(String(12))
    """`sync.field.ReturnKind`."""
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    returned_at: Mapped[datetime]
    received_at: Mapped[datetime]
    business_date: Mapped[date] = mapped_column(index=True)
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class OrderReturnLine(Base):
    __tablename__ = "order_return_lines"

    return_id: Mapped[str] = mapped_column(ForeignKey("order_returns.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    order_line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    qty_m: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    restock: Mapped[bool] = mapped_column(default=True)


class ProductDefaultWarehouse(Base):
    """Where a product ships from by default when an order is split by warehouse (else: by stock)."""

    __tablename__ = "product_default_warehouses"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
