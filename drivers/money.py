"""A tiny fen formatter for paper and pole displays (drivers import nothing of ours).

Receipts print the full-width `￥` (GBK `A3 A4`): the half-width `¥` is a 4-byte GB18030
sequence that GBK-only printers misprint.
"""

from __future__ import annotations

from decimal import Decimal

YUAN_SIGN = "￥"


def format_fen(fen: int, *, symbol: str = YUAN_SIGN) -> str:
    """`1250` → `￥12.50`, `-300` → `-￥3.00`; refuses floats so a rounding bug cannot hide."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"money must be integer fen, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}".replace(",", "")


def format_quantity(quantity: int | Decimal) -> str:
    """Pieces as `3` (int or `Decimal("3")`), weights with 3 places: `Decimal("0.35")` → `0.350`."""
    if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal):
        raise TypeError(f"quantity must be int or Decimal, got {type(quantity).__name__}")
    if isinstance(quantity, int):
        return str(quantity)
    exponent = quantity.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return str(int(quantity))
    return format(quantity.quantize(Decimal("0.001")), "f")
