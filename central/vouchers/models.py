"""Voucher tables: batches head office issues, one row per code, every redemption and voucher sale.

Single use is central's: a voucher's `status` moves `unsold → active → redeemed` (or `void`) only
here; every redemption a till reports is kept (`voucher_redemptions`), so a voucher used twice
offline shows both sales, the first counted and the second flagged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class VoucherBatch(Base):
    """A batch: what its vouchers are worth and where and when they may be used
    (`sync.vouchers.VoucherBatch` is its wire form)."""

    __tablename__ = "voucher_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    """value (代金券), percent (折扣券), goods (提货券)."""
    value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    percent_off_bp: Mapped[int] = mapped_column(default=0)
    max_off_fen: Mapped[int | None] = mapped_column(BigInteger)
    min_spend_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    unit_code: Mapped[str | None] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(default=1)
    sale_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    """Set for pre-sold vouchers (代金券销售): their codes start `unsold` until a till sells them."""
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    store_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    issued_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Voucher(Base):
    """One voucher code and where it stands."""

    __tablename__ = "vouchers"
    __table_args__ = (Index("ix_vouchers_batch", "batch_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("voucher_batches.id"))
    status: Mapped[str] = mapped_column(String(16))
    """unsold, active, redeemed, void (`sync.vouchers.VoucherStatus`)."""
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    sold_at: Mapped[datetime | None]
    sold_sale_id: Mapped[str | None] = mapped_column(String(36))
    sold_store_id: Mapped[int | None]
    redeemed_at: Mapped[datetime | None]
    redeemed_sale_id: Mapped[str | None] = mapped_column(String(36))
    redeemed_receipt_no: Mapped[str | None] = mapped_column(String(40))
    redeemed_store_id: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    """Redemptions reported (more than 1 = used twice: every one after the first is flagged)."""
    void_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VoucherRedemption(Base):
    """A redemption a till reported (`voucher.redeemed`), counted or flagged."""

    __tablename__ = "voucher_redemptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"), index=True)
    """None when central knows no voucher by that code (flagged)."""
    code: Mapped[str] = mapped_column(String(32), index=True)
    sale_id: Mapped[str] = mapped_column(String(36), index=True)
    receipt_no: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    terminal_id: Mapped[int]
    member_id: Mapped[str | None] = mapped_column(String(36))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    due_fen: Mapped[int] = mapped_column(BigInteger)
    redeemed_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    counted: Mapped[bool] = mapped_column(default=True)
    """The use that used the voucher up (the first); False for a second use, an unknown or void voucher."""
    flag_kind: Mapped[str | None] = mapped_column(String(40))
    restored_at: Mapped[datetime | None]
    """The sale was returned whole and the voucher given back."""


class VoucherSale(Base):
    """Pre-sold vouchers sold at a till (代金券销售): the money taken and the codes activated."""

    __tablename__ = "voucher_sales"
    __table_args__ = (Index("ix_voucher_sales_store_day", "store_id", "business_date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    terminal_id: Mapped[int]
    shift_id: Mapped[str] = mapped_column(String(36))
    cashier_id: Mapped[int | None]
    member_id: Mapped[str | None] = mapped_column(String(36))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    payments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sold_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    business_date: Mapped[date]
