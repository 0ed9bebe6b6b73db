"""Typed errors of the shared contract: bad input never becomes a wrong total.

Every error carries a stable machine `code`, a zh-CN `message` (shown to cashiers first) and an
English `message_en`. `str(err)` gives both, so logs are readable by everyone. They subclass
`ValueError` so callers that only know "bad input" still catch them.
"""

from __future__ import annotations


class ContractError(ValueError):
    """Base of every contract error: invalid money, quantity, unit, barcode, promotion or cart."""

    default_code = "contract_error"

    def __init__(self, message: str, message_en: str, *, code: str | None = None,
                 field: str | None = None) -> None:
        self.code: str = code or self.default_code
        self.message: str = message
        self.message_en: str = message_en
        self.field: str | None = field
        super().__init__(f"{message} ({message_en})")

    def to_dict(self) -> dict[str, str | None]:
        """The error as the API error body fields (`code`, `message`, `message_en`, `field`)."""
        return {"code": self.code, "message": self.message, "message_en": self.message_en,
                "field": self.field}


class MoneyError(ContractError):
    """An amount that is not a valid CNY amount (garbage, more than 2 decimals, out of range)."""

    default_code = "invalid_money"


class QuantityError(ContractError):
    """A quantity that is negative, zero, fractional for pieces or has more than 3 decimals."""

    default_code = "invalid_quantity"


class UnknownUnitError(ContractError):
    """A unit of sale the product does not have."""

    default_code = "unknown_unit"


class BarcodeError(ContractError):
    """A malformed barcode: wrong length, non-digits, wrong check digit, bad scale layout."""

    default_code = "invalid_barcode"


class CatalogError(ContractError):
    """Inconsistent master data: a product without units, a price list entry for nothing ..."""

    default_code = "invalid_catalog"


class PromotionError(ContractError):
    """An invalid promotion definition (end before start, missing parameters, bad rate ...)."""

    default_code = "invalid_promotion"


class PricingError(ContractError):
    """A cart that cannot be priced (unknown product, points over the cap, discount over total ...)."""

    default_code = "pricing_error"
