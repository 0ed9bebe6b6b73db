"""Quantities as integer thousandths ("milli units"): exact on every database.

The conversion into thousandths is `sync.quantity.to_milli` (one rule for the till and central);
this module only holds central's ways of showing a stored thousandths value again.
"""

from __future__ import annotations

from decimal import Decimal

MILLI = 1000


def from_milli(qty_m: int) -> Decimal:
    """Integer thousandths → Decimal with 3 places (1255 → Decimal('1.255'))."""
    return (Decimal(qty_m) / MILLI).quantize(Decimal("0.001"))


def display_qty(qty_m: int) -> str:
    """For people: whole numbers without decimals, weights with up to 3 ("12", "1.255")."""
    value = from_milli(qty_m)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value.normalize())
