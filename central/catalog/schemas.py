"""Request and response bodies of the catalogue API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from central.api.types import Code, Fen, Name, OptLong, OptName, OptShort, RefId, Strict
from central.catalog.models import Product

Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32,
                                       pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16,
                                            pattern=r"^[^\x00-\x1f\x7f\s]+$")]
UnitName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16, pattern=r"^[^\x00-\x1f\x7f]*$")]
BarcodeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                             pattern=r"^[^\x00-\x1f\x7f]+$")]
OptShortName = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=50,
                                                       pattern=r"^[^\x00-\x1f\x7f]*$")]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CategoryIn(Strict):
    code: Code
    name: ShortName
    name_en: OptShortName = None
    parent_id: RefId | None = None
    sort_order: int = Field(default=0, ge=-100000, le=100000)


class CategoryPatch(Strict):
    code: Code | None = None
    name: ShortName | None = None
    name_en: OptShortName = None
    parent_id: RefId | None = None
    sort_order: int | None = Field(default=None, ge=-100000, le=100000)
    active: bool | None = None


class CategoryOut(Out):
    id: int
    code: str
    name: str
    name_en: str | None
    parent_id: int | None
    sort_order: int
    active: bool


class CategoryNode(BaseModel):
    id: int
    code: str
    name: str
    name_en: str | None
    children: list[CategoryNode] = []


class BrandIn(Strict):
    name: ShortName
    name_en: OptShortName = None


class BrandPatch(Strict):
    name: ShortName | None = None
    name_en: OptShortName = None
    active: bool | None = None


class BrandOut(Out):
    id: int
    name: str
    name_en: str | None
    active: bool


class SupplierIn(Strict):
    code: Code
    name: Name
    contact_name: OptShortName = None
    phone: OptShort = None
    address: OptLong = None
    tax_id: OptShort = None


class SupplierPatch(Strict):
    code: Code | None = None
    name: Name | None = None
    contact_name: OptShortName = None
    phone: OptShort = None
    address: OptLong = None
    tax_id: OptShort = None
    active: bool | None = None


class SupplierOut(Out):
    id: int
    code: str
    name: str
    contact_name: str | None
    phone: str | None
    address: str | None
    tax_id: str | None
    active: bool


class UnitIn(Strict):
    code: UnitCode
    """e.g. 个, 瓶, 箱, kg."""
    name: UnitName = ""
    factor: int = Field(default=1, ge=1, le=100000)
    """How many base units one of this unit holds (a box of 24 → 24)."""
    price_fen: Fen
    barcodes: list[BarcodeText] = Field(default_factory=list, max_length=20)


class ProductIn(Strict):
    sku: Sku
    name: Name
    name_en: OptName = None
    spec: OptShortName = None
    category_id: RefId | None = None
    brand_id: RefId | None = None
    supplier_id: RefId | None = None
    tax_rate_bp: int = Field(default=1300, ge=0, le=10000)
    weighed: bool = False
    shelf_life_tracked: bool = False
    shelf_life_days: int | None = Field(default=None, ge=1, le=36500)
    active: bool = True
    units: list[UnitIn] = Field(min_length=1, max_length=10)


class UnitPatch(Strict):
    """A unit in a product PATCH, matched by code: a field left out (or null) keeps the unit's value —
    its barcodes, name, factor, price; a new unit takes UnitIn's defaults and needs its price."""

    code: UnitCode
    name: UnitName | None = None
    factor: int | None = Field(default=None, ge=1, le=100000)
    price_fen: Fen | None = None
    barcodes: list[BarcodeText] | None = Field(default=None, max_length=20)


class ProductPatch(Strict):
    sku: Sku | None = None
    name: Name | None = None
    name_en: OptName = None
    spec: OptShortName = None
    category_id: RefId | None = None
    brand_id: RefId | None = None
    supplier_id: RefId | None = None
    tax_rate_bp: int | None = Field(default=None, ge=0, le=10000)
    weighed: bool | None = None
    shelf_life_tracked: bool | None = None
    shelf_life_days: int | None = Field(default=None, ge=1, le=36500)
    active: bool | None = None
    units: list[UnitPatch] | None = Field(default=None, min_length=1, max_length=10)
    """When given, the product's units are these (matched by code; units not listed are removed); within a
    unit only the fields given change."""


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    factor: int
    price_fen: int
    barcodes: list[str]


class ProductOut(BaseModel):
    id: int
    sku: str
    name: str
    name_en: str | None
    pinyin: str
    spec: str | None
    category_id: int | None
    brand_id: int | None
    supplier_id: int | None
    tax_rate_bp: int
    weighed: bool
    shelf_life_tracked: bool
    shelf_life_days: int | None
    active: bool
    units: list[UnitOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Product) -> ProductOut:
        return cls(
            id=p.id, sku=p.sku, name=p.name, name_en=p.name_en, pinyin=p.pinyin, spec=p.spec,
            category_id=p.category_id, brand_id=p.brand_id, supplier_id=p.supplier_id, tax_rate_bp=p.tax_rate_bp,
            weighed=p.weighed, shelf_life_tracked=p.shelf_life_tracked, shelf_life_days=p.shelf_life_days,
            active=p.active, created_at=p.created_at, updated_at=p.updated_at,
            units=[UnitOut(id=u.id, code=u.code, name=u.name, factor=u.factor, price_fen=u.price_fen,
                           barcodes=[b.barcode for b in u.barcodes])
                   for u in sorted(p.units, key=lambda u: (u.factor, u.code))])
