"""Reading one imported cell into a value, the way a person who typed it meant it.

Spreadsheets hand back whatever the cell held: a number where the column was text ("numbers
stored as text" the other way round), text where a number was meant, floats for money, a barcode
that Excel turned into a number and so lost its leading zeros. Each reader here takes the raw
value (python-calamine gives str, float, int, bool, date, datetime; "" for empty) and returns the
field's value or raises `CellError` with a reason in Chinese and English. Money never goes
through float arithmetic: a float cell is read by its shortest decimal text (12.34 → "12.34").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from central.excel.columns import Kind
from sync.barcodes import gtin_check_digit, normalize_barcode
from sync.errors import BarcodeError
from sync.money import MAX_FEN


class CellError(ValueError):
    """A cell that cannot be read as its column's kind: why, in Chinese and English."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


def is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _number_text(value: float | int) -> str:
    """A numeric cell as the text it shows: 12.0 → "12", 12.5 → "12.5" (shortest repr, no exponent)."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("不是有效的数字", "not a valid number")
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def text(value: Any) -> str | None:
    """Text; a number typed into a text column reads as the digits it shows (12.0 → "12")."""
    if type(value) is str:  # the usual cell, first: an import reads a few hundred thousand of them
        stripped = value.strip()
        if not stripped:
            return None
        return stripped if stripped.isascii() else unicodedata.normalize("NFC", value).strip()
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _decimal(value: Any, what: str, what_en: str) -> Decimal:
    """A number from a numeric cell or from text ("1,234.50", "￥12", full-width digits, "12元")."""
    if isinstance(value, bool):
        raise CellError(f"{what}应为数字，不是是/否", f"{what_en} must be a number, not true/false")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(_number_text(value))
    if isinstance(value, date | datetime | timedelta):
        raise CellError(f"{what}应为数字，不是日期", f"{what_en} must be a number, not a date")
    s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    s = s.removesuffix("元").removeprefix("¥").removesuffix("%")
    try:
        number = Decimal(s)
    except InvalidOperation:
        raise CellError(f"{what}不是数字：{value!r}", f"{what_en} is not a number: {value!r}") from None
    if not number.is_finite():
        raise CellError(f"{what}不是数字：{value!r}", f"{what_en} is not a number: {value!r}")
    return number


def _scaled(value: Any, scale: int, places: int, what: str, what_en: str) -> int:
    number = _decimal(value, what, what_en)
    scaled = number * scale
    if scaled != scaled.to_integral_value():
        raise CellError(f"{what}最多{'两三'[places - 2] if places in (2, 3) else places}位小数：{number}", f"{what_en} has at most {places} decimals: {number}")
    return int(scaled)


def money(value: Any) -> int | None:
    """Yuan with at most two decimals → integer fen (12.5 → 1250); never negative."""
    if is_empty(value):
        return None
    fen = _scaled(value, 100, 2, "金额", "amount")
    if fen < 0:
        raise CellError("金额不能为负数", "an amount cannot be negative")
    if fen > MAX_FEN:
        raise CellError("金额过大", "the amount is too large")
    return fen


def quantity(value: Any) -> int | None:
    """A quantity with at most three decimals → thousandths (1.255 kg → 1255)."""
    if is_empty(value):
        return None
    qty_m = _scaled(value, 1000, 3, "数量", "quantity")
    if abs(qty_m) > 10**15:
        raise CellError("数量过大", "the quantity is too large")
    return qty_m


def percent(value: Any) -> int | None:
    """A percentage (13, "13%", 6.5) → basis points (1300, 650). A fraction such as 0.13 — what a
    cell formatted as % holds — is read as 13%."""
    if is_empty(value):
        return None
    number = _decimal(value, "百分比", "percentage")
    if isinstance(value, float) and 0 < number < 1:
        number *= 100
    bp = number * 100
    if bp != bp.to_integral_value():
        raise CellError(f"百分比最多两位小数：{number}", f"a percentage has at most two decimals: {number}")
    return int(bp)


def integer(value: Any) -> int | None:
    if is_empty(value):
        return None
    number = _decimal(value, "该值", "the value")
    if number != number.to_integral_value():
        raise CellError(f"应为整数：{number}", f"must be a whole number: {number}")
    if abs(number) > 2**53:
        raise CellError("数字过大", "the number is too large")
    return int(number)


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "启用", "有", "t", "对"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "停用", "无", "f", "不"}


def boolean(value: Any) -> bool | None:
    """是/否 (also Y/N, yes/no, true/false, 1/0, √/×, 启用/停用)."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    key = unicodedata.normalize("NFKC", text(value) or "").strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"应填“是”或“否”：{value!r}", f"must be 是 (yes) or 否 (no): {value!r}")


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = date(1899, 12, 30)


def day(value: Any) -> date | None:
    """A date cell, or text 2024-05-01 / 2024/5/1 / 2024年5月1日, or an Excel serial day number."""
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    match = _DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", str(value)).strip())
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise CellError(f"不是有效的日期（应为 2024-05-01）：{value!r}", f"not a date (use 2024-05-01): {value!r}")


_SEPARATORS = re.compile(r"[;；,，、/\s|]+")


def text_list(value: Any) -> list[str]:
    """Several values in one cell separated by ; ， 、 / or spaces."""
    if is_empty(value):
        return []
    return [part for part in _SEPARATORS.split(text(value) or "") if part]


def barcode(raw: str) -> str:
    """One barcode, normalised (UPC-A → EAN-13). A barcode that lost its leading zeros (Excel
    stored an EAN-13 such as 0012345678905 as the number 12345678905) is given them back only
    when the check digit proves the longer code; otherwise the cell is refused."""
    code = unicodedata.normalize("NFKC", raw).strip()
    if code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]
    if not code.isascii() or not code.isdigit():
        raise CellError(f"条码只能包含数字：{raw!r}（若显示为 6.9E+12，请把该列设为文本后重新输入）",
                        f"a barcode has digits only: {raw!r} (if it shows as 6.9E+12, format the column as "
                        "text and type it again)")
    if 9 <= len(code) <= 11:
        padded = code.zfill(13)
        if gtin_check_digit(padded[:-1]) == int(padded[-1]):
            return padded
        raise CellError(f"条码 {code} 只有 {len(code)} 位，补前导零后校验位也不对",
                        f"barcode {code} has {len(code)} digits, and its check digit is wrong with leading "
                        "zeros put back too")
    if len(code) < 8:
        raise CellError(f"条码 {code} 只有 {len(code)} 位：可能被 Excel 去掉了前导零，无法确定原条码，"
                        "请把该列设为文本后重新输入",
                        f"barcode {code} has {len(code)} digits: Excel may have dropped its leading zeros and "
                        "the original cannot be told; format the column as text and type it again")
    try:
        return normalize_barcode(code)
    except BarcodeError as e:
        raise CellError(e.message, e.message_en) from None


def barcodes(value: Any) -> list[str]:
    """The barcodes in one cell (a number cell holds one), each read by `barcode`."""
    if is_empty(value):
        return []
    if isinstance(value, float | int) and not isinstance(value, bool):
        return [barcode(_number_text(value))]
    return [barcode(part) for part in text_list(value)]


READERS = {
    Kind.TEXT: text, Kind.INT: integer, Kind.MONEY: money, Kind.QTY: quantity, Kind.PERCENT: percent,
    Kind.BOOL: boolean, Kind.DATE: day, Kind.LIST: text_list, Kind.DATETIME: lambda value: value,
}
"""The reader of each column kind (barcode columns use `barcodes` explicitly; DATETIME columns are
export-only times, such as when a member joined, and are passed through untouched)."""
