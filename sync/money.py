"""Money: integer fen (分) in CNY, formatting, safe parsing, and the ONE rounding function.

Every division that can leave a fraction of a fen (weights × price, percentages, tax, points,
抹零) goes through `div_round`, so the terminal and central round identically. Floats are refused.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Final

from sync.errors import MoneyError

MAX_FEN: Final = 10**12
"""Largest amount accepted anywhere (¥10,000,000,000.00): beyond this, input is a mistake."""


class Rounding(StrEnum):
    """How `div_round` resolves a fraction of the unit."""

    HALF_UP = "half_up"
    """Halves away from zero (四舍五入): 0.5 → 1, −0.5 → −1."""
    DOWN = "down"
    """Towards zero (舍去): 0.9 → 0, −0.9 → 0."""


def div_round(numerator: int, denominator: int, mode: Rounding = Rounding.HALF_UP) -> int:
    """`numerator / denominator` rounded to an integer with `mode`; exact integer arithmetic.

    The single rounding point of the contract: never round anywhere else.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    negative = numerator < 0
    q, r = divmod(abs(numerator), denominator)
    if mode is Rounding.HALF_UP and 2 * r >= denominator:
        q += 1
    return -q if negative else q


def format_fen(fen: int) -> str:
    """`1250` → `"¥12.50"`, `-300` → `"-¥3.00"`."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError("金额必须是整数分", "amount must be an integer number of fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan}.{cents:02d}"


def format_yuan(fen: int) -> str:
    """`1250` → `"12.50"` (no currency sign), for receipts' amount columns."""
    return format_fen(fen).replace("¥", "", 1)


_AMOUNT = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?")


def parse_yuan(text: str, *, allow_negative: bool = False) -> int:
    """Parse a yuan amount typed by a person into fen: "12.5" → 1250, "¥3" → 300, "12.50元" → 1250.

    Accepts full-width digits and ￥/¥, a trailing 元, spaces and thousands commas ("1,234.5").
    Refuses floats, garbage, exponents, more than 2 decimals and (unless allowed) negatives.
    """
    if not isinstance(text, str):
        raise MoneyError("金额必须是文本输入", "amount must be given as text (never float)")
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if s.endswith("元"):
        s = s[:-1]
    sign = ""
    if s[:1] in "+-" and s:
        sign, s = s[0], s[1:]
    if s.startswith("¥"):
        s = s[1:]
    if s[:1] in "+-" and s and not sign:
        sign, s = s[0], s[1:]
    m = _AMOUNT.fullmatch(s)
    if not s or m is None or m.group(1):
        raise MoneyError(f"无法识别的金额：{text!r}", f"not an amount: {text!r}")
    whole, frac = m.group(2).replace(",", ""), m.group(3)
    if not whole and not frac:
        raise MoneyError(f"无法识别的金额：{text!r}", f"not an amount: {text!r}")
    if frac is not None and len(frac) > 2:
        raise MoneyError(f"金额最多两位小数：{text!r}", f"an amount has at most 2 decimals: {text!r}")
    fen = int(whole or "0") * 100 + int((frac or "").ljust(2, "0"))
    if sign == "-" and fen:
        if not allow_negative:
            raise MoneyError(f"金额不能为负：{text!r}", f"amount must not be negative: {text!r}")
        fen = -fen
    check_fen(fen, allow_negative=allow_negative)
    return fen


def check_fen(fen: object, *, field: str = "amount", allow_negative: bool = False) -> int:
    """Validate an integer fen amount (not bool, not float, within range); returns it."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(f"金额必须是整数分：{field}", f"{field} must be an integer number of fen",
                         field=field)
    if fen < 0 and not allow_negative:
        raise MoneyError(f"金额不能为负：{field}", f"{field} must not be negative", field=field)
    if abs(fen) > MAX_FEN:
        raise MoneyError(f"金额超出范围：{field}", f"{field} is out of range", field=field)
    return fen
