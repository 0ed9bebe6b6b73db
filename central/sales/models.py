"""Sales as the terminals reported them: sales, lines, payments, returns, shifts, audit events.

Two clocks everywhere: the terminal's time as reported (`sold_at`, `returned_at`, `opened_at`)
and central's receipt time (`received_at`). Terminal clocks can be wrong, so central orders by
its own; reports group by `business_date`, the store's local date (Asia/Shanghai) of the sale.
Quantities are integer thousandths (see central.inventory.quantities).

References on the rows every push writes many of (a sale's store, terminal, warehouse and
cashier; a line's product and sale; a payment's sale) are checked by the ingest, once per batch,
not by a FOREIGN KEY per row: on PostgreSQL each such check takes a row lock on the referenced row
(a WAL-logged write; ten tills selling the same popular products turned those locks into
multixacts), ~105 µs of the database's CPU for every 5-line sale. What keeps them whole: master
rows cannot disappear under them (every sale's shift keeps FOREIGN KEYs to its store, terminal
and cashier, every stock movement moves an on-hand row that keeps them to its warehouse and
product, and nothing deletes master data: it is deactivated); a sale's lines and payments are
written only with the sale, in the same transaction (`write_sales_completed`), and sales are
never deleted; `pos-central check-stock` reports any dangling reference.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Shift(Base):
    """A cashier's shift at a till, with central's running figures.

    A row can appear before its `shift.opened` event (a sale arrived first); it is completed when
    the event comes. Figures are kept by central from the sales it received: a sale that arrives
    after the shift was closed is still posted here, the figures move and `late_postings` counts it.
    """

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_store_opened", "store_id", "opened_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id"), index=True)
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    """open, closed; `unknown` while only sales of it have arrived."""
    opened_at: Mapped[datetime | None]
    opening_float_fen: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None]
    counted_cash_fen: Mapped[int | None]
    denominations: Mapped[dict[str, int] | None] = mapped_column(JSON)
    reported_expected_cash_fen: Mapped[int | None]
    """What the till expected in the drawer (from the sales it knew of)."""
    reported_sales_count: Mapped[int | None]
    reported_returns_count: Mapped[int | None]
    reported_totals_by_tender: Mapped[dict[str, int] | None] = mapped_column(JSON)
    opened_received_at: Mapped[datetime | None]
    closed_received_at: Mapped[datetime | None]
    # Central's figures, moved by every sale and return received.
    sales_count: Mapped[int] = mapped_column(default=0)
    sales_total_fen: Mapped[int] = mapped_column(BigId, default=0)
    returns_count: Mapped[int] = mapped_column(default=0)
    returns_total_fen: Mapped[int] = mapped_column(BigId, default=0)
    cash_in_fen: Mapped[int] = mapped_column(BigId, default=0)
    """Cash taken for sales (amount applied, change excluded)."""
    cash_out_fen: Mapped[int] = mapped_column(BigId, default=0)
    """Cash refunded for returns."""
    late_postings: Mapped[int] = mapped_column(default=0)
    """Sales/returns that arrived after central had the shift closed: figures were corrected."""
    corrected_at: Mapped[datetime | None]

    @property
    def expected_cash_fen(self) -> int:
        """Central's expected drawer: float + cash in − cash out."""
        return self.opening_float_fen + self.cash_in_fen - self.cash_out_fen

    @property
    def cash_difference_fen(self) -> int | None:
        """Counted − expected (+ over, − short), once the shift is closed."""
        if self.counted_cash_fen is None:
            return None
        return self.counted_cash_fen - self.expected_cash_fen


class Sale(Base):
    __tablename__ = "sales"
    __table_args__ = (
        Index("ix_sales_store_date", "store_id", "business_date"),
        Index("ix_sales_received", "received_at"),
        # most retail sales have neither: partial indexes skip them (two index inserts a sale fewer)
        Index("ix_sales_customer_id", "customer_id", postgresql_where=text("customer_id IS NOT NULL"),
              sqlite_where=text("customer_id IS NOT NULL")),
        Index("ix_sales_member_id", "member_id", postgresql_where=text("member_id IS NOT NULL"),
              sqlite_where=text("member_id IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    store_id: Mapped[int]
    """The pushing device's store (checked by the ingest; see the module docstring)."""
    terminal_id: Mapped[int]
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    warehouse_id: Mapped[int]
    cashier_id: Mapped[int | None]
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"))
    member_level: Mapped[str | None] = mapped_column(String(16))
    sold_at: Mapped[datetime]
    """The terminal's clock, as reported."""
    received_at: Mapped[datetime]
    """Central's clock when the sale arrived."""
    business_date: Mapped[date]
    """The store's local date (Asia/Shanghai) of `sold_at`: what reports group by."""
    subtotal_fen: Mapped[int]
    discount_fen: Mapped[int]
    rounding_fen: Mapped[int]
    total_fen: Mapped[int]
    change_fen: Mapped[int] = mapped_column(default=0)
    tax_fen: Mapped[int]
    points_earned: Mapped[int] = mapped_column(default=0)
    points_redeemed: Mapped[int] = mapped_column(default=0)
    price_version: Mapped[int] = mapped_column(BigInteger, default=0)
    promotion_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(500))
    late: Mapped[bool] = mapped_column(default=False)
    """Arrived after central had its shift closed (the shift's figures were corrected)."""
    refunded_fen: Mapped[int] = mapped_column(default=0)
    """Refunded so far by returns against this sale."""


class SaleLine(Base):
    __tablename__ = "sale_lines"

    sale_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    """Written only with its sale (see the module docstring)."""
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    """Checked by the ingest (see the module docstring)."""
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    qty_m: Mapped[int] = mapped_column(BigInteger)
    """Quantity of the unit of sale, thousandths."""
    unit_price_fen: Mapped[int]
    price_source: Mapped[str] = mapped_column(String(32))
    list_amount_fen: Mapped[int]
    line_discount_fen: Mapped[int]
    order_discount_fen: Mapped[int]
    amount_fen: Mapped[int]
    tax_rate_bp: Mapped[int]
    tax_fen: Mapped[int]
    promotion_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_gift: Mapped[bool] = mapped_column(default=False)
    unit_cost_fen: Mapped[int | None]
    """Cost per unit of sale, rounded to the fen, for people (`cost_fen` is exact)."""
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    """Central's cost of the whole line at moving average cost when the sale reached it (what its
    stock movements took from the value on hand); None = no cost known yet (never reported as zero).
    A cost the till claims is not believed."""
    returned_qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_amount_fen: Mapped[int] = mapped_column(default=0)
    returned_cost_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Cost given back to stock by returns of this line so far (the last return takes what is left)."""


class SalePayment(Base):
    __tablename__ = "sale_payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sale_id: Mapped[str] = mapped_column(String(36), index=True)
    """Written only with its sale (see the module docstring)."""
    tender: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int]
    tendered_fen: Mapped[int | None]
    reference: Mapped[str | None] = mapped_column(String(128))
    points: Mapped[int | None]


class SaleReturn(Base):
    __tablename__ = "sale_returns"
    __table_args__ = (Index("ix_sale_returns_store_date", "store_id", "business_date"),
                      Index("ix_sale_returns_received", "received_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    original_sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id"))
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"))
    returned_at: Mapped[datetime]
    received_at: Mapped[datetime]
    business_date: Mapped[date]
    total_fen: Mapped[int]
    tax_fen: Mapped[int]
    points_reversed: Mapped[int] = mapped_column(default=0)
    points_refunded: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(String(200))
    late: Mapped[bool] = mapped_column(default=False)


class ReturnLine(Base):
    __tablename__ = "sale_return_lines"

    return_id: Mapped[str] = mapped_column(ForeignKey("sale_returns.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    original_line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    qty_m: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int]
    tax_fen: Mapped[int]
    restock: Mapped[bool] = mapped_column(default=True)
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    """The returned share of the original line's cost (None when that was unknown)."""


class ReturnRefund(Base):
    __tablename__ = "sale_return_refunds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    return_id: Mapped[str] = mapped_column(ForeignKey("sale_returns.id"), index=True)
    tender: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int]
    reference: Mapped[str | None] = mapped_column(String(128))
    points: Mapped[int | None]


class DrawerOpening(Base):
    """A no-sale drawer opening, for loss-prevention audit."""

    __tablename__ = "drawer_openings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id"))
    shift_id: Mapped[str | None] = mapped_column(String(36))
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    received_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))


class CancelledCart(Base):
    """A cart abandoned before payment, for loss-prevention audit."""

    __tablename__ = "cancelled_carts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id"))
    shift_id: Mapped[str | None] = mapped_column(String(36))
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime]
    received_at: Mapped[datetime]
    line_count: Mapped[int]
    amount_fen: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(200))


def json_list(value: Any) -> list[int]:
    """JSON columns come back as lists of ints; None (old rows) reads as empty."""
    return [int(v) for v in (value or [])]
