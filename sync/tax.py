"""VAT included in prices: the tax part of a line amount, for reporting (价税分离).

tax = amount × rate / (1 + rate), rounded half-up to the fen, per line; the sale's tax is the sum
of its lines' tax (never recomputed from the total), so returns can take back exactly a line's tax.
The 抹零 difference is not taxed (it is not part of any line).
"""

from __future__ import annotations

from sync.money import Rounding, div_round


def included_tax_fen(amount_fen: int, rate_bp: int) -> int:
    """The VAT contained in a tax-inclusive `amount_fen` at `rate_bp` (1300 = 13%), half-up."""
    if rate_bp == 0 or amount_fen == 0:
        return 0
    return div_round(amount_fen * rate_bp, 10000 + rate_bp, Rounding.HALF_UP)


def net_of_tax_fen(amount_fen: int, rate_bp: int) -> int:
    """The amount without VAT (amount − included tax)."""
    return amount_fen - included_tax_fen(amount_fen, rate_bp)
