"""B2B customer tables: the customer, its field history, field orders and visit notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")

REP_EDITABLE_FIELDS = ("contact_name", "contact_phone", "address", "notes")
"""Fields a rep may change from a tablet, offline; merged field by field (CONFLICTS.md rule 6)."""


class Customer(Base):
    """A wholesale customer (shop, restaurant, canteen) served by one sales rep."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(50), index=True)
    industry: Mapped[str | None] = mapped_column(String(50))
    source: Mapped[str | None] = mapped_column(String(50))
    """How the customer came to us: 地推, 转介绍, 展会 ..."""
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("customer_groups.id"), index=True)
    """Customer group (批发/餐饮 ...): group price lists apply to its members."""
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    """A price list of this customer's own, before the group's."""
    credit_limit_fen: Mapped[int] = mapped_column(default=0)
    credit_days: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CustomerFieldChange(Base):
    """One field's change: old and new value, who and where, and both clocks."""

    __tablename__ = "customer_field_history"
    __table_args__ = (Index("ix_customer_field_history_customer", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    source: Mapped[str] = mapped_column(String(16))
    """console (head office edit) or rep (a tablet's customer.updated event)."""
    edited_at: Mapped[datetime]
    """The editor's clock (a tablet's, as reported)."""
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    """Central's clock: the order in which edits won."""


class FieldOrder(Base):
    """An order a rep took at the customer's site (possibly offline)."""

    __tablename__ = "field_orders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_no: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id"))
    ordered_at: Mapped[datetime]
    received_at: Mapped[datetime]
    total_fen: Mapped[int]
    on_credit: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open → fulfilled (stock left the warehouse, receivable booked when on credit)."""
    fulfilled_at: Mapped[datetime | None]
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    note: Mapped[str | None] = mapped_column(String(500))


class FieldOrderLine(Base):
    __tablename__ = "field_order_lines"

    order_id: Mapped[str] = mapped_column(ForeignKey("field_orders.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(16))
    unit_factor: Mapped[int]
    qty_m: Mapped[int] = mapped_column(BigInteger)
    """Quantity of the unit of sale, in thousandths."""
    unit_price_fen: Mapped[int]
    amount_fen: Mapped[int]


class VisitNote(Base):
    """A rep's note from a customer visit."""

    __tablename__ = "visit_notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    visited_at: Mapped[datetime]
    received_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


def customer_dict(c: Customer) -> dict[str, Any]:
    """The customer's editable fields as a plain dict (history diffs and API answers)."""
    return {f: getattr(c, f) for f in (
        "code", "name", "contact_name", "contact_phone", "address", "region", "industry", "source",
        "tags", "rep_id", "group_id", "price_list_id", "credit_limit_fen", "credit_days", "notes", "active")}
