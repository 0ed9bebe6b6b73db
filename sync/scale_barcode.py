"""Barcodes printed by shop scales (称重条码): EAN-13 with prefix 20–29, item code and weight or price.

The layout is configurable per store because scale brands differ; the common Chinese layout is
`2P IIIII VVVVV C` (flag "2" + one digit, 5-digit item code, 5-digit value, check digit). The
value is either the weight in grams (weight-embedded) or the amount in fen (price-embedded).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sync.barcodes import gtin_check_digit
from sync.errors import BarcodeError


class ScaleValue(StrEnum):
    WEIGHT = "weight"
    """The value is the weight in grams (3 decimal places of kg)."""
    PRICE = "price"
    """The value is the amount to pay in fen."""


@dataclass(frozen=True, slots=True)
class ScaleLayout:
    """Where the item code and the value sit in a 13-digit scale barcode."""

    prefixes: tuple[str, ...] = ("20", "21", "22", "23", "24", "25", "26", "27", "28", "29")
    prefix_digits: int = 2
    item_digits: int = 5
    value_digits: int = 5
    value: ScaleValue = ScaleValue.WEIGHT

    def __post_init__(self) -> None:
        if self.prefix_digits + self.item_digits + self.value_digits + 1 != 13:
            raise BarcodeError("称重条码格式各段长度之和必须为 12 位（另加校验位）",
                               "scale layout: prefix + item + value digits must be 12 (plus check digit)",
                               code="bad_scale_layout")
        if self.item_digits < 1 or self.value_digits < 1 or not self.prefixes:
            raise BarcodeError("称重条码格式无效", "invalid scale barcode layout", code="bad_scale_layout")
        for p in self.prefixes:
            if len(p) != self.prefix_digits or not p.isdigit() or not ("20" <= p[:2] <= "29"):
                raise BarcodeError(f"称重条码前缀必须在 20–29 之间：{p!r}",
                                   f"scale barcode prefixes must be in 20–29: {p!r}",
                                   code="bad_scale_layout")
        object.__setattr__(self, "value", ScaleValue(self.value))

    def to_dict(self) -> dict[str, Any]:
        return {"prefixes": list(self.prefixes), "prefix_digits": self.prefix_digits,
                "item_digits": self.item_digits, "value_digits": self.value_digits,
                "value": self.value.value}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScaleLayout:
        return cls(prefixes=tuple(d.get("prefixes", cls().prefixes)),
                   prefix_digits=int(d.get("prefix_digits", 2)), item_digits=int(d.get("item_digits", 5)),
                   value_digits=int(d.get("value_digits", 5)), value=ScaleValue(d.get("value", "weight")))


@dataclass(frozen=True, slots=True)
class ScaleReading:
    """What a scale barcode says: which item, and its weight (kg, 3 places) or its amount (fen)."""

    barcode: str
    prefix: str
    item_code: str
    weight_kg: Decimal | None
    amount_fen: int | None


def is_scale_barcode(code: str, layout: ScaleLayout | None = None) -> bool:
    """True when `code` has the shape of a scale barcode of `layout` (13 digits and a scale prefix)."""
    lay = layout or ScaleLayout()
    c = code.strip()
    return len(c) == 13 and c.isascii() and c.isdigit() and c[: lay.prefix_digits] in lay.prefixes


def parse_scale_barcode(code: str, layout: ScaleLayout | None = None) -> ScaleReading:
    """Split a scale barcode into item code and value; the check digit is verified.

    Raises BarcodeError when the code is not 13 digits, has no scale prefix, has a wrong check
    digit, or carries a zero value.
    """
    lay = layout or ScaleLayout()
    if not isinstance(code, str):
        raise BarcodeError("条码必须是文本", "a barcode must be text")
    c = code.strip()
    if len(c) != 13 or not c.isascii() or not c.isdigit():
        raise BarcodeError(f"称重条码必须是 13 位数字：{code!r}", f"a scale barcode has 13 digits: {code!r}",
                           code="barcode_length")
    prefix = c[: lay.prefix_digits]
    if prefix not in lay.prefixes:
        raise BarcodeError(f"不是称重条码（前缀 {prefix}）：{code!r}",
                           f"not a scale barcode (prefix {prefix}): {code!r}", code="not_scale_barcode")
    if gtin_check_digit(c[:12]) != int(c[12]):
        raise BarcodeError(f"称重条码校验位错误：{code!r}", f"wrong check digit in scale barcode: {code!r}",
                           code="barcode_check_digit")
    start = lay.prefix_digits
    item = c[start: start + lay.item_digits]
    raw = int(c[start + lay.item_digits: 12])
    if raw == 0:
        raise BarcodeError(f"称重条码中的重量或金额为零：{code!r}",
                           f"the scale barcode carries a zero weight or amount: {code!r}",
                           code="scale_zero_value")
    if lay.value is ScaleValue.WEIGHT:
        return ScaleReading(barcode=c, prefix=prefix, item_code=item,
                            weight_kg=Decimal(raw).scaleb(-3).quantize(Decimal("0.001")), amount_fen=None)
    return ScaleReading(barcode=c, prefix=prefix, item_code=item, weight_kg=None, amount_fen=raw)
