"""Quantities as integer thousandths ("milli units"): exact on every database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MILLI = 1000


def to_milli(qty: Decimal | int | str) -> int:
    """Decimal quantity → integer thousandths (1.255 → 1255); more than 3 places is rounded."""
    value = Decimal(qty) * MILLI
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_milli(qty_m: int) -> Decimal:
    """Integer thousandths → Decimal with 3 places (1255 → Decimal('1.255'))."""
    return (Decimal(qty_m) / MILLI).quantize(Decimal("0.001"))


def display_qty(qty_m: int) -> str:
    """For people: whole numbers without decimals, weights with up to 3 ("12", "1.255")."""
    value = from_milli(qty_m)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value.normalize())
