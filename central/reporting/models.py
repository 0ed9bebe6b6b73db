"""Rollups of closed business days, so dashboards and reports over months read thousands of rows,
not millions (see `central.reporting.rollups` for how they are built and kept true).

Each table is keyed by business date first: a period is one range read. No foreign keys: like the
sales they summarise (central/sales/models.py), and they are rebuilt from those sales whenever a
late one arrives.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base


class RollupSalesHour(Base):
    """Sales and returns of one store in one local hour of one business day."""

    __tablename__ = "rollup_sales_hour"

    business_date: Mapped[date] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[int] = mapped_column(primary_key=True)
    """0–23 in the store's time zone (of the till's sale or return time)."""
    sales_count: Mapped[int] = mapped_column(default=0)
    sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    """What the sales took (total after discounts and 抹零)."""
    gross_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    member_count: Mapped[int] = mapped_column(default=0)
    member_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    returns_count: Mapped[int] = mapped_column(default=0)
    returns_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class RollupTenderDay(Base):
    """Money taken and refunded per tender (现金, 微信, 支付宝 ...) of one store on one day."""

    __tablename__ = "rollup_tender_day"

    business_date: Mapped[date] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(primary_key=True)
    tender: Mapped[str] = mapped_column(String(16), primary_key=True)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class RollupProductDay(Base):
    """One product's sales and returns in one store on one day: the grain of the sales reports by
    product, category, brand and store. Cost is summed only over lines whose cost is known, and
    `uncosted_lines` says how many were not: a margin is shown only where every line had a cost."""

    __tablename__ = "rollup_product_day"

    business_date: Mapped[date] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True)
    lines: Mapped[int] = mapped_column(default=0)
    qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    """Base units sold, in thousandths (a box of 24 counts 24 pieces)."""
    gross_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    net_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    """Cost of the lines whose cost is known (central's moving average cost when the sale arrived)."""
    uncosted_lines: Mapped[int] = mapped_column(default=0)
    returned_qty_m: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_cost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    """Cost given back to stock by the returns (their share of the sold lines' cost, where known)."""


class RollupDay(Base):
    """A business day whose rollup rows are complete (for every store), and when they were built."""

    __tablename__ = "rollup_days"

    business_date: Mapped[date] = mapped_column(primary_key=True)
    built_at: Mapped[datetime]


class RollupMark(Base):
    """`received`: sales and returns received before this instant (less a margin) are reflected in
    every built day; a refresh looks only at what arrived since, to find days to rebuild."""

    __tablename__ = "rollup_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]
