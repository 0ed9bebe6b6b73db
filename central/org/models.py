"""Tables of the organisation: the company, its stores, warehouses, terminals, enrolment codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class Organisation(Base):
    """The company running the stores (one row)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    """统一社会信用代码."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Store(Base):
    """A shop. Codes like S01 are what people type; ids are what the wire carries."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    rounding_mode: Mapped[str] = mapped_column(String(16), default="none")
    """抹零 rule applied at the till (values as in sync/rounding.py)."""
    receipt_header: Mapped[str | None] = mapped_column(String(200))
    receipt_footer: Mapped[str | None] = mapped_column(String(200))
    receipt_language: Mapped[str] = mapped_column(String(8), default="zh-CN", server_default="zh-CN")
    """Language the store's tills print receipts in (`zh-CN` or `en`), whatever the cashier's screen shows."""
    scale_layout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """How the store's scales lay out their EAN-13 labels (称重条码), as `sync.scale_barcode.ScaleLayout.to_dict()`
    (checked with it before it is written); None = the default weight-embedded layout `2P IIIII VVVVV C`.
    Shipped to the store's tills as `StoreSettings.extra["scale_layout"]`."""
    credit_policy: Mapped[str] = mapped_column(String(8), default="hold", server_default="hold")
    """`sync.field.CreditPolicy`: an order failing the credit check is held for approval (`hold`) or
    refused on the tablet and at head office (`block`)."""
    allowed_overdue_days: Mapped[int] = mapped_column(default=0, server_default="0")
    """Receivables overdue by up to this many days do not hold an order."""
    chain_returns: Mapped[bool] = mapped_column(default=False, server_default=false())
    """跨店退货: the store's tills may take back receipts of other stores (head office's decision).
    Off: a till refuses another store's receipt and central flags such a return if one arrives.
    Shipped to the store's tills as `StoreSettings.chain_returns`."""
    void_needs_manager: Mapped[bool] = mapped_column(default=False, server_default=false())
    """删除商品需店长授权: voiding a line of a sale at the store's tills needs a manager's PIN (loss
    prevention). Shipped to the tills as `StoreSettings.void_needs_manager`."""
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Warehouse(Base):
    """Where stock is kept: a store has one or more; central warehouses have no store."""

    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Terminal(Base):
    """An enrolled device: a cashier POS in a store or a sales rep's tablet.

    The device secret is random (256 bits), so a SHA-256 of it is enough to store: unlike a
    password it cannot be guessed, and checking it must be cheap on every sync request.
    """

    __tablename__ = "terminals"
    __table_args__ = (CheckConstraint("kind in ('pos', 'rep')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    rep_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_used_at: Mapped[datetime | None]
    """When the terminal first authenticated with its credential (`central.auth.deps`); from then on its
    enrolment code is spent for good: a replay cannot take the credential away from the real till."""
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EnrolmentCode(Base):
    """A one-time, expiring code a terminal exchanges for its credential (kept hashed); the terminal
    that used it may repeat the exchange with its nonce until the code expires."""

    __tablename__ = "enrolment_codes"
    __table_args__ = (CheckConstraint("kind in ('pos', 'rep')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    rep_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    nonce_hash: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the random nonce the terminal sent with the code (None: sent none, or not used yet).
    The same code with the same nonce, before `expires_at`, enrols that same terminal again (a retry
    after a lost answer): see `central.org.service.enroll`."""
