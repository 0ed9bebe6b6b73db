"""Stock tables: the movement ledger and the on-hand balance it drives.

Quantities are stored as integer thousandths of the product's base unit (`qty_m`): a piece is
1000, 1.255 kg of a weighed good is 1255. Integers sum exactly on SQLite and PostgreSQL alike,
so `on_hand == Σ ledger` can be proved to the last gram (SQLite has no exact decimal type).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; SQLite needs INTEGER for an auto-incrementing rowid key."""

MOVEMENT_KINDS = ("sale", "return", "purchase_receipt", "transfer_out", "transfer_in", "adjustment",
                  "count_difference", "loss", "revaluation", "supplier_return", "assembly", "disassembly",
                  "loan_out", "loan_return", "delivery", "delivery_return")
"""What moved stock. `revaluation` moves value only (qty 0: a cost correction, or what the average
cost rule needed, see central/costing/average.py); `assembly`/`disassembly` are kit documents (拆组),
`loan_out`/`loan_return` goods lent and given back (借还货), `delivery`/`delivery_return` sales orders
shipped from a warehouse and sent back."""

KIND_CHECK = "kind in (" + ", ".join(f"'{k}'" for k in MOVEMENT_KINDS) + ")"


class StockMovement(Base):
    """One change of stock: signed quantity in base units, from one source document line."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(KIND_CHECK, name="kind"),
        Index("ix_stock_movements_wh_product", "warehouse_id", "product_id", "id"),
        Index("ix_stock_movements_source", "source_type", "source_id"),
        # traceability of a batch (where every unit of batch X came from and went)
        Index("ix_stock_movements_batch", "product_id", "batch_no", postgresql_where=text("batch_no IS NOT NULL"),
              sqlite_where=text("batch_no IS NOT NULL")),
        # periods (stock summary, sales velocity): BRIN on PostgreSQL, a few pages for 10 million rows
        # appended roughly in time order and next to nothing to keep up on the push path
        Index("ix_stock_movements_occurred_at", "occurred_at", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    warehouse_id: Mapped[int]
    """Checked by `post_movements`, not by a FOREIGN KEY per row (see central.sales.models)."""
    product_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    qty_m: Mapped[int] = mapped_column(BigInteger)
    """Signed quantity in thousandths of the base unit: + into the warehouse, − out of it."""
    balance_after_m: Mapped[int] = mapped_column(BigInteger)
    """On-hand right after this movement (what made a negative-stock warning)."""
    unit_cost_fen: Mapped[int | None]
    """Cost per base unit, when known (rounded to the fen, for people; `value_fen` is exact)."""
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    """What this movement added to (+) or took from (−) the value on hand, in fen; None = unknown
    cost (no cost was known for the product here yet). See central/costing/average.py."""
    batch_no: Mapped[str | None] = mapped_column(String(40))
    expiry_date: Mapped[date | None]
    source_type: Mapped[str] = mapped_column(String(24))
    """What document caused it: sale, return, field_order, purchase_receipt, transfer, count ..."""
    source_id: Mapped[str] = mapped_column(String(40))
    source_line: Mapped[int | None]
    occurred_at: Mapped[datetime]
    """When it happened by the source's clock (a terminal's clock for sales)."""
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When central recorded it."""
    user_id: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(200))


class StockOnHand(Base):
    """Current quantity per warehouse and product; updated with every movement, never alone."""

    __tablename__ = "stock_on_hand"

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    value_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Value on hand at moving average cost: Σ of the ledger's `value_fen` (fen)."""
    avg_cost_mfen: Mapped[int | None] = mapped_column(BigInteger)
    """Moving average unit cost, thousandths of a fen per base unit; None = no cost known yet."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StockBatch(Base):
    """What is left of one batch (批次) of a batch-tracked product in one warehouse: the sum of the
    ledger rows that name the batch. Outgoing goods take the first-expiring batch first (FEFO)."""

    __tablename__ = "stock_batches"
    __table_args__ = (Index("ix_stock_batches_expiry", "expiry_date"),)

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    batch_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    expiry_date: Mapped[date | None]
    production_date: Mapped[date | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When central first saw the batch here."""


class StockLevel(Base):
    """How much of a product a warehouse should hold (库存上下限): reorder suggestions and stock
    warnings read it. Quantities in thousandths of the base unit; `cover_days` instead of (or besides)
    a maximum: order up to that many days of average sales after the lead time."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("min_m >= 0 and (max_m is null or max_m >= min_m)", name="range"),
        CheckConstraint("cover_days is null or cover_days > 0", name="cover_days"),
    )

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    min_m: Mapped[int] = mapped_column(BigInteger, default=0)
    max_m: Mapped[int | None] = mapped_column(BigInteger)
    cover_days: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExpiryRule(Base):
    """How many days before its expiry a batch is "near expiry" (临期), for a product or a whole
    category (the product's own rule first, then its category's, then the parent categories')."""

    __tablename__ = "expiry_rules"
    __table_args__ = (
        CheckConstraint("(product_id is null) <> (category_id is null)", name="target"),
        CheckConstraint("warn_days >= 0", name="warn_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), unique=True)
    warn_days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
