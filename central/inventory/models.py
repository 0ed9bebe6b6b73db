"""Stock tables: the movement ledger and the on-hand balance it drives.

Quantities are stored as integer thousandths of the product's base unit (`qty_m`): a piece is
1000, 1.255 kg of a weighed good is 1255. Integers sum exactly on SQLite and PostgreSQL alike,
so `on_hand == Σ ledger` can be proved to the last gram (SQLite has no exact decimal type).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; SQLite needs INTEGER for an auto-incrementing rowid key."""

MOVEMENT_KINDS = ("sale", "return", "purchase_receipt", "transfer_out", "transfer_in", "adjustment",
                  "count_difference", "loss")


class StockMovement(Base):
    """One change of stock: signed quantity in base units, from one source document line."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(
            "kind in ('sale', 'return', 'purchase_receipt', 'transfer_out', 'transfer_in', "
            "'adjustment', 'count_difference', 'loss')", name="kind"),
        Index("ix_stock_movements_wh_product", "warehouse_id", "product_id", "id"),
        Index("ix_stock_movements_source", "source_type", "source_id"),
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
    """Cost per base unit, when known."""
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
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
