"""Catalogue tables. A product is sold in one or more units (piece, box of 24, kg); each unit has
its own base price and any number of barcodes; a barcode belongs to exactly one unit (unique)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from central.db import Base, utcnow


class Category(Base):
    """A node of the category tree (食品 › 饮料 › 碳酸饮料)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str | None] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Supplier(Base):
    """A vendor we buy from (供应商)."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Product(Base):
    """A product. `pinyin` holds the initials of the Chinese name (可口可乐 → kkkl) for search."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("tax_rate_bp >= 0 and tax_rate_bp <= 10000", name="tax_rate_bp"),
        CheckConstraint("shelf_life_days is null or shelf_life_days > 0", name="shelf_life_days"),
        # product search (`service.search_products`: part of the name, SKU prefix, pinyin initials,
        # English name) on PostgreSQL: trigram indexes (pg_trgm) let a rare term be found without
        # reading 200,000 rows; on SQLite they are plain indexes
        *(Index(f"ix_products_{c}_trgm", c, postgresql_using="gin", postgresql_ops={c: "gin_trgm_ops"})
          for c in ("sku", "name", "pinyin", "name_en")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    pinyin: Mapped[str] = mapped_column(String(100), index=True, default="")
    spec: Mapped[str | None] = mapped_column(String(50))
    """规格, e.g. 330ml, 500g×12."""
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    tax_rate_bp: Mapped[int] = mapped_column(default=1300)
    weighed: Mapped[bool] = mapped_column(default=False)
    """Sold by weight (price per kg, scale barcodes)."""
    shelf_life_tracked: Mapped[bool] = mapped_column(default=False)
    """Stock moves of this product carry batch and expiry."""
    shelf_life_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    units: Mapped[list[ProductUnit]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductUnit.factor")


class ProductUnit(Base):
    """A unit of sale: `factor` base units per unit (a box of 24 has factor 24), its base price."""

    __tablename__ = "product_units"
    __table_args__ = (
        UniqueConstraint("product_id", "code"),
        CheckConstraint("factor >= 1", name="factor"),
        CheckConstraint("price_fen >= 0", name="price_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(16), default="")
    factor: Mapped[int] = mapped_column(default=1)
    price_fen: Mapped[int] = mapped_column(BigInteger)

    product: Mapped[Product] = relationship(back_populates="units")
    barcodes: Mapped[list[Barcode]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="Barcode.id")


class Barcode(Base):
    """One barcode of one unit of one product; unique across the catalogue (normalised EAN-13 etc.)."""

    __tablename__ = "barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("product_units.id", ondelete="CASCADE"), index=True)

    unit: Mapped[ProductUnit] = relationship(back_populates="barcodes")
