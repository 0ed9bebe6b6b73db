"""Pricing tables. Time windows are half-open [valid_from, valid_to), UTC, as in sync/catalog.py.

Promotions keep their parameters in `params` (the `sync.promotions.Promotion.to_dict()` form
without id, window and store scope, which are columns) so adding a promotion kind to the
contract needs no migration; every write is validated by `Promotion.from_dict`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from central.db import Base, utcnow


class CustomerGroup(Base):
    """A group of B2B customers sharing a price list (批发客户, 餐饮客户 ...)."""

    __tablename__ = "customer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MemberLevel(Base):
    """A membership level (普通会员, 银卡, 金卡): points earn rate and an optional discount."""

    __tablename__ = "member_levels"
    __table_args__ = (CheckConstraint("percent_off_bp >= 0 and percent_off_bp < 10000", name="percent_off_bp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    points_per_yuan: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal(1))
    percent_off_bp: Mapped[int] = mapped_column(default=0)
    sort_order: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PriceList(Base):
    """Prices for a customer group or one customer (`scope` + `target_id`, as in sync)."""

    __tablename__ = "price_lists"
    __table_args__ = (CheckConstraint("scope in ('customer_group', 'customer')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    """customer_groups.id or customers.id, by scope (checked by the service)."""
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    items: Mapped[list[PriceListItem]] = relationship(
        back_populates="price_list", cascade="all, delete-orphan", order_by="PriceListItem.id")


class PriceListItem(Base):
    __tablename__ = "price_list_items"
    __table_args__ = (
        UniqueConstraint("price_list_id", "product_id", "unit_code"),
        CheckConstraint("price_fen >= 0", name="price_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(16))
    price_fen: Mapped[int] = mapped_column(BigInteger)

    price_list: Mapped[PriceList] = relationship(back_populates="items")


class MemberLevelPrice(Base):
    """会员价：one product unit's price for one member level, valid in [valid_from, valid_to)."""

    __tablename__ = "member_level_prices"
    __table_args__ = (
        Index("ix_member_level_prices_lookup", "product_id", "level_code", "unit_code"),
        CheckConstraint("price_fen >= 0", name="price_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level_code: Mapped[str] = mapped_column(ForeignKey("member_levels.code"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(16))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Promotion(Base):
    """A promotion; `params` + the columns rebuild `sync.promotions.Promotion` exactly."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    stores: Mapped[list[PromotionStore]] = relationship(
        back_populates="promotion", cascade="all, delete-orphan", order_by="PromotionStore.store_id")


class PromotionStore(Base):
    """Store scope of a promotion: no rows = every store."""

    __tablename__ = "promotion_stores"

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True, index=True)

    promotion: Mapped[Promotion] = relationship(back_populates="stores")


class FloorPrice(Base):
    """最低限价: the lowest price per unit a rep may sell a product unit at without approval
    (`sync.field.check_order` holds an order with a line below it)."""

    __tablename__ = "floor_prices"
    __table_args__ = (CheckConstraint("price_fen >= 0", name="price_fen"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
