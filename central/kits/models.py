"""Kit templates (组合/拆分) and the documents that assemble or take kits apart.

A template says what one unit of its product is made of: a gift box of N items, or a bulk sack
that is re-packed into packs. Assembly turns components into kits, disassembly kits back into
components; both move stock and cost (the kit is worth what its components cost). A template
marked `explode_on_sale` makes a kit sold at the till (or delivered) take its components out of
stock instead of the kit itself (a gift box that is never pre-assembled).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, utcnow


class KitTemplate(Base):
    __tablename__ = "kit_templates"
    __table_args__ = (CheckConstraint("kind in ('kit', 'repack')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8), default="kit")
    """kit: a set sold as one (礼盒); repack: a bulk unit split into smaller ones (大包拆小包)."""
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), unique=True)
    """The kit (or the bulk unit): one template per product."""
    explode_on_sale: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KitComponent(Base):
    __tablename__ = "kit_components"
    __table_args__ = (CheckConstraint("qty_m > 0", name="qty_m"),)

    template_id: Mapped[int] = mapped_column(ForeignKey("kit_templates.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    qty_m: Mapped[int] = mapped_column(BigInteger)
    """Base units (thousandths) of the component in one unit of the kit."""


class KitDocument(Base):
    """An assembly (组装) or disassembly (拆卸) of `qty_m` kits in a warehouse."""

    __tablename__ = "kit_documents"
    __table_args__ = (CheckConstraint("direction in ('assembly', 'disassembly')", name="direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(24), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("kit_templates.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    direction: Mapped[str] = mapped_column(String(12))
    qty_m: Mapped[int] = mapped_column(BigInteger)
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    """What moved between kit and components (None: at unknown cost)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(200))
