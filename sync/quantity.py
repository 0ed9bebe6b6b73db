"""Quantities: whole numbers for pieces, Decimal with exactly 3 places (kg, g precision) for weighed goods.

Internally the pricing engine works in integer thousandths ("milli-units") so that no float and
no Decimal arithmetic appears in the hot path; `to_milli` is the only conversion.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from sync.errors import QuantityError

MAX_QTY: Final = Decimal(100_000)
"""Largest quantity on one line; more is a keying mistake (a barcode typed into the qty field)."""
_MILLI: Final = Decimal("0.001")
_ONE: Final = Decimal(1)


def normalize_qty(value: int | str | Decimal, *, weighed: bool) -> Decimal:
    """Validate and normalise a quantity: pieces → whole Decimal ("3"), weighed → 3 places ("0.450").

    Raises QuantityError for floats, garbage, non-finite, zero or negative values, fractions of a
    piece, more than 3 decimals, or more than MAX_QTY.
    """
    if type(value) is int and 0 < value <= 100_000:  # fast path: the common scan of whole pieces
        return Decimal(value) if not weighed else Decimal(value).quantize(_MILLI)
    if isinstance(value, bool) or isinstance(value, float) or not isinstance(value, int | str | Decimal):
        raise QuantityError("数量必须是整数或十进制数（不能是浮点数）",
                            "quantity must be an int, a decimal string or a Decimal (never float)",
                            field="qty")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise QuantityError(f"无法识别的数量：{value!r}", f"not a quantity: {value!r}", field="qty") from None
    if not d.is_finite():
        raise QuantityError(f"无法识别的数量：{value!r}", f"not a quantity: {value!r}", field="qty")
    if d <= 0:
        raise QuantityError(f"数量必须大于零：{value}", f"quantity must be greater than zero: {value}",
                            code="non_positive_quantity", field="qty")
    if d > MAX_QTY:
        raise QuantityError(f"数量过大：{value}", f"quantity too large: {value}", field="qty")
    if weighed:
        q = d.quantize(_MILLI)
        if q != d:
            raise QuantityError(f"称重数量最多三位小数：{value}",
                                f"a weighed quantity has at most 3 decimals: {value}", field="qty")
        return q
    q = d.quantize(_ONE)
    if q != d:
        raise QuantityError(f"计件商品数量必须是整数：{value}",
                            f"a quantity of pieces must be a whole number: {value}",
                            code="fractional_pieces", field="qty")
    return q


def to_milli(qty: Decimal | int | str) -> int:
    """A quantity in integer thousandths (1.5 → 1500, 3 → 3000, "1.255" → 1255).

    The one conversion both ends use (the till's pricing and returns, central's stock ledger, orders,
    purchasing, counts). Beyond 3 places it rounds half up (1.2345 → 1235, 0.0005 → 1): quantities
    that reached the wire or a form are already bounded to 3 places, so this only matters for a
    computed quantity such as a box split. Floats and bools are refused like `normalize_qty` does.
    """
    if type(qty) is int:  # the common whole-piece case, exact and fast
        return qty * 1000
    if isinstance(qty, bool | float) or not isinstance(qty, int | str | Decimal):
        raise TypeError(f"to_milli takes an int, a decimal string or a Decimal, not {type(qty).__name__}")
    d = qty if isinstance(qty, Decimal) else Decimal(str(qty).strip() if isinstance(qty, str) else qty)
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -3:  # at most 3 places: exact, no rounding needed
        return int(d.scaleb(3))
    return int(d.scaleb(3).quantize(_ONE, rounding=ROUND_HALF_UP))


def from_milli(milli: int, *, weighed: bool) -> Decimal:
    """Inverse of `to_milli`, as the normalised Decimal (pieces have no decimal places)."""
    d = Decimal(milli).scaleb(-3)
    return d.quantize(_MILLI) if weighed else d.quantize(_ONE)
