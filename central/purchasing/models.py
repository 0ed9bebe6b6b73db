"""Purchasing tables (采购): supplier prices, purchase orders, receipts, supplier returns, cost
corrections, and the purchasing settings.

Quantities are integer thousandths of the product's *base* unit (`*_m`, as in the stock ledger);
prices are fen per *purchase unit* (`unit_code`, `unit_factor` base units each: a box of 24), as
the supplier quotes them. An order line's open quantity is ordered − received − cancelled.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

ORDER_STATUSES = ("draft", "pending_approval", "approved", "partially_received", "received", "closed", "cancelled")
"""draft → submitted: pending_approval (above the approval amount) or approved → partially_received →
received; an order whose rest is cancelled with a reason is `closed` (something arrived) or
`cancelled` (nothing did)."""
OPEN_STATUSES = ("approved", "partially_received")
"""Orders whose open quantities are still expected (what reorder counts as "to receive")."""


class PurchaseSettings(Base):
    """One row: the business's purchasing rules."""

    __tablename__ = "purchase_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_threshold_fen: Mapped[int] = mapped_column(BigInteger, default=500_000)
    """Orders above this total need approval by someone holding purchasing.approve (default ¥5,000)."""
    over_receipt_tolerance_bp: Mapped[int] = mapped_column(default=0)
    """Receiving up to this much more than ordered (basis points of the line) needs no approval."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SupplierProduct(Base):
    """What a supplier sells us of a product: the purchase unit, the price, lead time, minimum order."""

    __tablename__ = "supplier_products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "product_id"),
        CheckConstraint("unit_factor >= 1", name="unit_factor"),
        CheckConstraint("price_fen >= 0", name="price_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(16), default="pc")
    """The unit we buy in (e.g. box); one of the product's units, or "pc" for the base unit."""
    unit_factor: Mapped[int] = mapped_column(default=1)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    """Price per purchase unit, VAT included (as the supplier's invoice says)."""
    lead_time_days: Mapped[int] = mapped_column(default=3)
    min_order_units: Mapped[int] = mapped_column(default=1)
    supplier_sku: Mapped[str | None] = mapped_column(String(40))
    preferred: Mapped[bool] = mapped_column(default=True)
    """The supplier reorder suggestions buy this product from (one preferred per product)."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint("status in ('draft', 'pending_approval', 'approved', 'partially_received', 'received', "
                        "'closed', 'cancelled')", name="status"),
        Index("ix_purchase_orders_status", "status", "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(24), unique=True)
    """PO + order date + id, e.g. PO20260301-00012."""
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    expected_date: Mapped[date | None]
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(200))
    """Why the rest was cancelled (or the order rejected back to draft)."""
    source: Mapped[str] = mapped_column(String(16), default="manual")
    """manual, or reorder (drafted from the reorder suggestions)."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        CheckConstraint("ordered_m > 0", name="ordered_m"),
        CheckConstraint("received_m >= 0 and cancelled_m >= 0", name="progress"),
        Index("ix_purchase_order_lines_product", "product_id"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    ordered_m: Mapped[int] = mapped_column(BigInteger)
    """Base units ordered (thousandths)."""
    price_fen: Mapped[int] = mapped_column(BigInteger)
    """Per purchase unit."""
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    received_m: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_m: Mapped[int] = mapped_column(BigInteger, default=0)
    expected_date: Mapped[date | None]

    @property
    def open_m(self) -> int:
        return max(0, self.ordered_m - self.received_m - self.cancelled_m)


class PurchaseReceipt(Base):
    """One arrival of goods (到货入库), against an order or without one."""

    __tablename__ = "purchase_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(24), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    goods_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    """At the purchase prices."""
    landed_cost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    """Freight, handling … spread over the lines by value into their cost."""
    supplier_doc_no: Mapped[str | None] = mapped_column(String(40))
    """The supplier's delivery note (送货单) number."""
    over_receipt_approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PurchaseReceiptLine(Base):
    __tablename__ = "purchase_receipt_lines"
    __table_args__ = (Index("ix_purchase_receipt_lines_product", "product_id"),)

    receipt_id: Mapped[int] = mapped_column(ForeignKey("purchase_receipts.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    order_line_no: Mapped[int | None]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    qty_m: Mapped[int] = mapped_column(BigInteger)
    """Base units received (thousandths)."""
    price_fen: Mapped[int] = mapped_column(BigInteger)
    """Per purchase unit, as received."""
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    landed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    """What the goods added to the value on hand: amount + landed share."""
    batch_no: Mapped[str | None] = mapped_column(String(40))
    production_date: Mapped[date | None]
    expiry_date: Mapped[date | None]


class SupplierReturn(Base):
    """Goods sent back to a supplier (采购退货): out of stock at average cost, credited at the purchase price."""

    __tablename__ = "supplier_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(24), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_receipts.id"))
    returned_at: Mapped[datetime] = mapped_column(default=utcnow)
    credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    """What the supplier owes back, at the purchase prices."""
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    """What the goods cost going out (average cost); None if unknown."""
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SupplierReturnLine(Base):
    __tablename__ = "supplier_return_lines"

    return_id: Mapped[int] = mapped_column(ForeignKey("supplier_returns.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty_m: Mapped[int] = mapped_column(BigInteger)
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    price_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    batch_no: Mapped[str | None] = mapped_column(String(40))


class CostCorrection(Base):
    """A late supplier invoice (or a price agreed after delivery) correcting a receipt's prices.

    Goods of the receipt still on hand are revalued by the difference (a `revaluation` in the stock
    ledger); the part of the difference that belongs to goods already gone is the period's cost
    variance (`variance_fen`), reported beside the margin. Nothing already posted is rewritten."""

    __tablename__ = "cost_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(24), unique=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("purchase_receipts.id"), index=True)
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    difference_fen: Mapped[int] = mapped_column(BigInteger)
    revalued_fen: Mapped[int] = mapped_column(BigInteger)
    variance_fen: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CostCorrectionLine(Base):
    __tablename__ = "cost_correction_lines"

    correction_id: Mapped[int] = mapped_column(ForeignKey("cost_corrections.id", ondelete="CASCADE"),
                                               primary_key=True)
    receipt_line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    old_price_fen: Mapped[int] = mapped_column(BigInteger)
    new_price_fen: Mapped[int] = mapped_column(BigInteger)
    difference_fen: Mapped[int] = mapped_column(BigInteger)
    revalued_m: Mapped[int] = mapped_column(BigInteger)
    """Base units still on hand that took the difference."""
    revalued_fen: Mapped[int] = mapped_column(BigInteger)
    variance_fen: Mapped[int] = mapped_column(BigInteger)
