"""Retail barcodes: EAN-13, EAN-8 and UPC-A check digits, and UPC-A ↔ EAN-13 normalisation.

The barcode index stores every GTIN in its EAN-13 form when one exists (a UPC-A "036000291452"
is the EAN-13 "0036000291452"), so a product is found whichever form the scanner reports.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from sync.errors import BarcodeError


class BarcodeKind(StrEnum):
    EAN13 = "ean13"
    EAN8 = "ean8"
    UPCA = "upca"


_KIND_BY_LENGTH = {13: BarcodeKind.EAN13, 8: BarcodeKind.EAN8, 12: BarcodeKind.UPCA}


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of `body` (all digits but the last): weights 3,1,3,… from the right."""
    if not body.isascii() or not body.isdigit():
        raise BarcodeError(f"条码只能包含数字：{body!r}", f"a barcode has digits only: {body!r}")
    total = 3 * sum(map(int, body[-1::-2])) + sum(map(int, body[-2::-2]))
    return (10 - total % 10) % 10


def _clean(code: str) -> str:
    if not isinstance(code, str):
        raise BarcodeError("条码必须是文本", "a barcode must be text")
    return code.strip()


def barcode_kind(code: str) -> BarcodeKind:
    """The kind of a valid barcode; raises BarcodeError when length, digits or check digit are wrong."""
    c = _clean(code)
    if not c.isascii() or not c.isdigit():
        raise BarcodeError(f"条码只能包含数字：{code!r}", f"a barcode has digits only: {code!r}",
                           code="barcode_not_digits")
    kind = _KIND_BY_LENGTH.get(len(c))
    if kind is None:
        raise BarcodeError(f"条码长度应为 8、12 或 13 位：{code!r}",
                           f"a barcode has 8, 12 or 13 digits: {code!r}", code="barcode_length")
    if gtin_check_digit(c[:-1]) != int(c[-1]):
        raise BarcodeError(f"条码校验位错误：{code!r}", f"wrong check digit in barcode: {code!r}",
                           code="barcode_check_digit")
    return kind


def is_valid(code: str, kind: BarcodeKind | None = None) -> bool:
    """True when `code` is a valid barcode (of `kind`, when given)."""
    try:
        found = barcode_kind(code)
    except BarcodeError:
        return False
    return kind is None or found is kind


def is_valid_ean13(code: str) -> bool:
    return is_valid(code, BarcodeKind.EAN13)


def is_valid_ean8(code: str) -> bool:
    return is_valid(code, BarcodeKind.EAN8)


def is_valid_upca(code: str) -> bool:
    return is_valid(code, BarcodeKind.UPCA)


def upca_to_ean13(code: str) -> str:
    """A valid UPC-A as EAN-13 (a leading 0; the check digit stays the same)."""
    c = _clean(code)
    if barcode_kind(c) is not BarcodeKind.UPCA:
        raise BarcodeError(f"不是 UPC-A 条码：{code!r}", f"not a UPC-A barcode: {code!r}")
    return "0" + c


def ean13_to_upca(code: str) -> str:
    """A valid EAN-13 starting with 0 as UPC-A; other EAN-13s have no UPC-A form."""
    c = _clean(code)
    if barcode_kind(c) is not BarcodeKind.EAN13:
        raise BarcodeError(f"不是 EAN-13 条码：{code!r}", f"not an EAN-13 barcode: {code!r}")
    if c[0] != "0":
        raise BarcodeError(f"此 EAN-13 条码没有 UPC-A 形式：{code!r}",
                           f"this EAN-13 has no UPC-A form: {code!r}", code="no_upca_form")
    return c[1:]


def normalize_barcode(code: str) -> str:
    """Canonical form for lookup: validated, UPC-A turned into EAN-13, EAN-13/EAN-8 as they are."""
    return _normalized(_clean(code))


@lru_cache(maxsize=16384)
def _normalized(code: str) -> str:
    """Remembered: an import checks each barcode as a cell, as a unit and as the contract's SaleUnit,
    and a bootstrap builds every product's units (invalid codes raise and are not remembered)."""
    kind = barcode_kind(code)
    return "0" + code if kind is BarcodeKind.UPCA else code


def with_check_digit(body: str) -> str:
    """`body` followed by its check digit (for making in-store codes and test data)."""
    return body + str(gtin_check_digit(body))
