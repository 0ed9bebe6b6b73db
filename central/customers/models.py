"""B2B customer tables: customer types, the customer, its field history and (older tablets') visit notes.

Orders live in `central.orders`, visits and collections in `central.field`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from central.catalog.pinyin import pinyin_initials
from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")

REP_EDITABLE_FIELDS = ("contact_name", "contact_phone", "address", "notes")
"""Fields a rep may change from a tablet, offline; merged field by field (CONFLICTS.md rule 6)."""


class CustomerType(Base):
    """A kind of customer (`sync.field.CustomerType`: direct, 专柜, 总分店, 配送) and the visit steps a
    rep must do there (`sync.field.VisitStep` codes). The four types are seeded by the migration;
    head office edits the required steps."""

    __tablename__ = "customer_types"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50), default="")
    required_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Customer(Base):
    """A wholesale customer (shop, restaurant, canteen) served by one sales rep."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_pinyin: Mapped[str] = mapped_column(String(100), default="", server_default="", index=True)
    """Pinyin initials of the name (华联超市 → hlcs), for search; kept by the ORM hooks below."""
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
    customer_type: Mapped[str] = mapped_column(ForeignKey("customer_types.code"), default="direct",
                                               server_default="direct")
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    """`sync.field.CustomerStatus`: `pending` (made on a tablet, cash on delivery only) until head
    office reviews it (sets credit, or just marks it active)."""
    client_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    """The tablet's id of a customer made offline (`customer.created`): later events name it."""
    created_by_terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    """The head office of a branch (总分店)."""
    discount_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    """Discount rate on group prices in basis points (`sync.catalog.CustomerTerms.percent_off_bp`)."""
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """More people to talk to: [{"name", "phone", "role"}] (the main one is contact_name/phone)."""
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
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


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _customer_pinyin(_mapper: Any, _connection: Any, customer: Customer) -> None:
    customer.name_pinyin = pinyin_initials(customer.name or "")


def customer_dict(c: Customer) -> dict[str, Any]:
    """The customer's editable fields as a plain dict (history diffs and API answers)."""
    return {f: getattr(c, f) for f in (
        "code", "name", "contact_name", "contact_phone", "address", "region", "industry", "source",
        "tags", "rep_id", "group_id", "price_list_id", "credit_limit_fen", "credit_days", "notes", "active",
        "customer_type", "status", "parent_id", "discount_bp", "contacts")}
