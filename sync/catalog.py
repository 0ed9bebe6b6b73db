"""Pricing inputs from the catalog: products, units of sale, price lists, member levels, customers.

These frozen dataclasses are what `price_cart` reads. Their `to_dict()` / `from_dict()` forms are
the wire form central ships to terminals (plain JSON: ints, strings, ISO-8601 UTC times), so
both ends price from the same data. Validation happens at construction: an object that exists
is consistent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sync.barcodes import normalize_barcode
from sync.errors import CatalogError, UnknownUnitError
from sync.money import check_fen

# ---------------------------------------------------------------------------- time helpers

VALID_TAX_RATES_BP: frozenset[int] = frozenset({1300, 900, 600, 300, 100, 0})
"""China VAT rates in basis points: 13%, 9%, 6%, small-taxpayer 3% and 1%, and 0%."""


def require_utc(value: datetime, *, what: str = "time") -> datetime:
    """A timezone-aware datetime converted to UTC; naive times are refused (terminal clocks vary)."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise CatalogError(f"时间必须带时区：{what}", f"{what} must be a timezone-aware datetime",
                           code="naive_time", field=what)
    return value.astimezone(UTC)


def time_to_wire(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def time_from_wire(value: str | None, *, what: str = "time") -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise CatalogError(f"无法识别的时间：{value!r}", f"not an ISO-8601 time: {value!r}",
                           field=what) from None
    return require_utc(parsed, what=what)


def in_window(at: datetime, start: datetime | None, end: datetime | None) -> bool:
    """Half-open validity [start, end): a price that ends at midnight is gone at midnight."""
    return (start is None or start <= at) and (end is None or at < end)


def _check_window(start: datetime | None, end: datetime | None, what: str) -> None:
    if start is not None and end is not None and end <= start:
        raise CatalogError(f"{what}的结束时间必须晚于开始时间", f"{what}: the end must be after the start",
                           code="end_before_start")


def _check_bp(value: object, what: str, *, upper: int = 10000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
        raise CatalogError(f"比例无效（0–{upper} 基点）：{what}", f"{what} must be 0–{upper} basis points",
                           field=what)
    return value


def _check_id(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogError(f"编号必须是整数：{what}", f"{what} must be an integer id", field=what)
    return value


# ---------------------------------------------------------------------------- products


@dataclass(frozen=True, slots=True)
class SaleUnit:
    """A unit a product is sold in (多规格计价): piece, box of 24 ..., each with its own barcodes and price.

    `factor` is how many base units the unit holds (stock moves by qty × factor); `price_fen` is
    the base price of ONE of this unit (per kg for weighed products).
    """

    code: str
    factor: int
    price_fen: int
    barcodes: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code or len(self.code) > 16:
            raise CatalogError("单位代码必须是 1–16 个字符", "a unit code has 1–16 characters", field="code")
        if isinstance(self.factor, bool) or not isinstance(self.factor, int) or self.factor < 1:
            raise CatalogError(f"单位换算系数必须是正整数：{self.code}",
                               f"unit factor must be a positive integer: {self.code}", field="factor")
        check_fen(self.price_fen, field="price_fen")
        object.__setattr__(self, "barcodes", tuple(normalize_barcode(b) for b in self.barcodes))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "factor": self.factor, "price_fen": self.price_fen,
                "barcodes": list(self.barcodes), "name": self.name}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SaleUnit:
        return cls(code=d["code"], factor=d["factor"], price_fen=d["price_fen"],
                   barcodes=tuple(d.get("barcodes", ())), name=d.get("name", ""))


@dataclass(frozen=True, slots=True)
class Product:
    """A sellable product with its units of sale. `tax_rate_bp`: VAT included in prices (1300 = 13%)."""

    id: int
    sku: str
    name: str
    tax_rate_bp: int
    weighed: bool
    category_id: int | None
    units: tuple[SaleUnit, ...]

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        if not isinstance(self.sku, str) or not self.sku:
            raise CatalogError("商品编码不能为空", "a product needs a SKU", field="sku")
        if self.tax_rate_bp not in VALID_TAX_RATES_BP:
            raise CatalogError(f"无效的增值税率：{self.tax_rate_bp} 基点",
                               f"not a VAT rate: {self.tax_rate_bp} bp (use 1300, 900, 600, 300, 100 or 0)",
                               code="invalid_tax_rate", field="tax_rate_bp")
        if not self.units:
            raise CatalogError(f"商品 {self.sku} 没有销售单位", f"product {self.sku} has no unit of sale",
                               field="units")
        codes = [u.code for u in self.units]
        if len(set(codes)) != len(codes):
            raise CatalogError(f"商品 {self.sku} 的单位代码重复", f"product {self.sku} repeats a unit code",
                               field="units")
        if self.weighed and any(u.factor != 1 for u in self.units):
            raise CatalogError(f"称重商品 {self.sku} 的单位系数必须为 1",
                               f"weighed product {self.sku} must have unit factor 1", field="units")

    def unit(self, code: str) -> SaleUnit:
        """The unit with `code`; UnknownUnitError when the product is not sold in it."""
        for u in self.units:
            if u.code == code:
                return u
        raise UnknownUnitError(f"商品 {self.sku}（{self.name}）没有单位 {code!r}",
                               f"product {self.sku} ({self.name}) has no unit {code!r}", field="unit_code")

    @property
    def base_unit(self) -> SaleUnit:
        """The unit with the smallest factor (the piece, or the kg for weighed goods)."""
        return min(self.units, key=lambda u: (u.factor, u.code))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sku": self.sku, "name": self.name, "tax_rate_bp": self.tax_rate_bp,
                "weighed": self.weighed, "category_id": self.category_id,
                "units": [u.to_dict() for u in self.units]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Product:
        return cls(id=d["id"], sku=d["sku"], name=d.get("name", ""), tax_rate_bp=d["tax_rate_bp"],
                   weighed=bool(d.get("weighed", False)), category_id=d.get("category_id"),
                   units=tuple(SaleUnit.from_dict(u) for u in d["units"]))


def build_barcode_index(products: Mapping[int, Product] | list[Product]) -> dict[str, tuple[int, str]]:
    """Barcode (normalised) → (product id, unit code); CatalogError when two units share a barcode."""
    items = products.values() if isinstance(products, Mapping) else products
    index: dict[str, tuple[int, str]] = {}
    for p in items:
        for u in p.units:
            for b in u.barcodes:
                if b in index and index[b] != (p.id, u.code):
                    raise CatalogError(f"条码 {b} 被多个商品使用", f"barcode {b} is used twice",
                                       code="duplicate_barcode")
                index[b] = (p.id, u.code)
    return index


# ---------------------------------------------------------------------------- price lists


class PriceListScope(StrEnum):
    CUSTOMER_GROUP = "customer_group"
    """For every customer of a group (e.g. 批发客户, 二级经销商)."""
    CUSTOMER = "customer"
    """For one customer (negotiated net prices)."""


@dataclass(frozen=True, slots=True)
class PriceListEntry:
    product_id: int
    unit_code: str
    price_fen: int

    def __post_init__(self) -> None:
        _check_id(self.product_id, "product_id")
        check_fen(self.price_fen, field="price_fen")

    def to_dict(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "unit_code": self.unit_code, "price_fen": self.price_fen}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PriceListEntry:
        return cls(product_id=d["product_id"], unit_code=d["unit_code"], price_fen=d["price_fen"])


@dataclass(frozen=True, slots=True)
class PriceList:
    """Prices for a customer group or one customer, valid in [valid_from, valid_to)."""

    id: int
    name: str
    scope: PriceListScope
    target_id: int
    """The customer group id or the customer id, by `scope`."""
    entries: tuple[PriceListEntry, ...]
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    priority: int = 0
    """Higher wins when two lists of the same scope price the same item."""

    def __post_init__(self) -> None:
        _check_id(self.id, "id")
        _check_id(self.target_id, "target_id")
        object.__setattr__(self, "scope", PriceListScope(self.scope))
        if self.valid_from is not None:
            object.__setattr__(self, "valid_from", require_utc(self.valid_from, what="valid_from"))
        if self.valid_to is not None:
            object.__setattr__(self, "valid_to", require_utc(self.valid_to, what="valid_to"))
        _check_window(self.valid_from, self.valid_to, f"价目表 {self.name}")
        keys = [(e.product_id, e.unit_code) for e in self.entries]
        if len(set(keys)) != len(keys):
            raise CatalogError(f"价目表 {self.name} 中同一商品单位出现多次",
                               f"price list {self.name} prices the same product unit twice")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "scope": self.scope.value, "target_id": self.target_id,
                "entries": [e.to_dict() for e in self.entries], "valid_from": time_to_wire(self.valid_from),
                "valid_to": time_to_wire(self.valid_to), "priority": self.priority}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PriceList:
        return cls(id=d["id"], name=d.get("name", ""), scope=PriceListScope(d["scope"]),
                   target_id=d["target_id"], entries=tuple(PriceListEntry.from_dict(e) for e in d["entries"]),
                   valid_from=time_from_wire(d.get("valid_from"), what="valid_from"),
                   valid_to=time_from_wire(d.get("valid_to"), what="valid_to"),
                   priority=int(d.get("priority", 0)))


# ---------------------------------------------------------------------------- members


def _parse_rate(value: object, what: str) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise CatalogError(f"无效的比率：{what}", f"{what} is not a number", field=what) from None
    if isinstance(value, float) or not d.is_finite() or d < 0 or d.as_tuple().exponent < -3:  # type: ignore[operator]
        raise CatalogError(f"比率必须是非负数且最多三位小数：{what}",
                           f"{what} must be non-negative with at most 3 decimals", field=what)
    return d


@dataclass(frozen=True, slots=True)
class MemberLevel:
    """A membership level (普通会员, 银卡, 金卡 ...): its points earn rate and optional discount."""

    code: str
    name: str
    points_per_yuan: Decimal = Decimal(1)
    """Points earned per yuan actually paid (after discounts, points and before 抹零); floored."""
    percent_off_bp: int = 0
    """Member discount on the base price (500 = 5% off, i.e. 95折); 0 = none."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "points_per_yuan", _parse_rate(self.points_per_yuan, "points_per_yuan"))
        _check_bp(self.percent_off_bp, "percent_off_bp", upper=9999)

    @property
    def earn_milli(self) -> int:
        """Points per yuan in thousandths (1.5 → 1500), for integer arithmetic."""
        return int(self.points_per_yuan.scaleb(3))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "points_per_yuan": str(self.points_per_yuan),
                "percent_off_bp": self.percent_off_bp}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MemberLevel:
        return cls(code=d["code"], name=d.get("name", ""),
                   points_per_yuan=_parse_rate(d.get("points_per_yuan", "1"), "points_per_yuan"),
                   percent_off_bp=int(d.get("percent_off_bp", 0)))


@dataclass(frozen=True, slots=True)
class MemberLevelPrice:
    """A member price (会员价) for one product unit at one level, valid in [valid_from, valid_to)."""

    level: str
    product_id: int
    unit_code: str
    price_fen: int
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def __post_init__(self) -> None:
        _check_id(self.product_id, "product_id")
        check_fen(self.price_fen, field="price_fen")
        if self.valid_from is not None:
            object.__setattr__(self, "valid_from", require_utc(self.valid_from, what="valid_from"))
        if self.valid_to is not None:
            object.__setattr__(self, "valid_to", require_utc(self.valid_to, what="valid_to"))
        _check_window(self.valid_from, self.valid_to, "会员价")

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "product_id": self.product_id, "unit_code": self.unit_code,
                "price_fen": self.price_fen, "valid_from": time_to_wire(self.valid_from),
                "valid_to": time_to_wire(self.valid_to)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MemberLevelPrice:
        return cls(level=d["level"], product_id=d["product_id"], unit_code=d["unit_code"],
                   price_fen=d["price_fen"], valid_from=time_from_wire(d.get("valid_from"), what="valid_from"),
                   valid_to=time_from_wire(d.get("valid_to"), what="valid_to"))


@dataclass(frozen=True, slots=True)
class MemberRef:
    """The member at the till: who, which level, how many points they hold."""

    member_id: str
    level: str
    points_balance: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.points_balance, bool) or not isinstance(self.points_balance, int) \
                or self.points_balance < 0:
            raise CatalogError("积分余额必须是非负整数", "points balance must be a non-negative integer",
                               field="points_balance")

    def to_dict(self) -> dict[str, Any]:
        return {"member_id": self.member_id, "level": self.level, "points_balance": self.points_balance}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MemberRef:
        return cls(member_id=d["member_id"], level=d["level"], points_balance=d.get("points_balance", 0))


# ---------------------------------------------------------------------------- B2B customers


@dataclass(frozen=True, slots=True)
class CustomerTerms:
    """A B2B customer's pricing terms: group (for group price lists) and discount rate (折扣率)."""

    customer_id: int
    group_id: int | None = None
    percent_off_bp: int = 0
    """Customer discount on base and group prices (300 = 3% off, 97折); not on their own net prices."""

    def __post_init__(self) -> None:
        _check_id(self.customer_id, "customer_id")
        _check_bp(self.percent_off_bp, "percent_off_bp", upper=9999)

    def to_dict(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "group_id": self.group_id,
                "percent_off_bp": self.percent_off_bp}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CustomerTerms:
        return cls(customer_id=d["customer_id"], group_id=d.get("group_id"),
                   percent_off_bp=int(d.get("percent_off_bp", 0)))


__all__ = [
    "VALID_TAX_RATES_BP", "CustomerTerms", "MemberLevel", "MemberLevelPrice", "MemberRef", "PriceList",
    "PriceListEntry", "PriceListScope", "Product", "SaleUnit", "build_barcode_index", "in_window",
    "require_utc", "time_from_wire", "time_to_wire",
]

