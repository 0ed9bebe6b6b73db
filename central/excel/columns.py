"""A spreadsheet column: its bilingual header and the kind of value it holds.

The header is written as one cell, Chinese on the first line and English on the second
(`商品编码⏎SKU`): one header row keeps Excel's sort, filter and freeze panes working, and an import
recognises a column by its Chinese name, its English name or both. The kind says how a value is
written (money from integer fen as yuan with two decimals, times in the store's time zone) and how
an imported cell is read back (`central.excel.cells`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    """Written as text whatever it looks like (codes with leading zeros, barcodes, `=…` never a formula)."""
    INT = "int"
    MONEY = "money"
    """Integer fen, shown as yuan with two decimals (1250 → 12.50)."""
    QTY = "qty"
    """Integer thousandths (qty_m), shown with up to three decimals (1255 → 1.255)."""
    PERCENT = "percent"
    """Basis points, shown as percent (1300 → 13, 650 → 6.5)."""
    BOOL = "bool"
    """是 / 否."""
    DATE = "date"
    DATETIME = "datetime"
    """A UTC instant, shown in the store's time zone."""
    LIST = "list"
    """Several short texts in one cell, separated by `;` (barcodes, tags)."""


@dataclass(frozen=True)
class Column:
    """One column of a sheet. `key` names the field it maps to on import (defaults to `en`)."""

    zh: str
    en: str = ""
    kind: Kind = Kind.TEXT
    key: str = ""
    width: float | None = None
    required: bool = False
    """An import refuses a row that leaves it empty."""
    note: str = ""
    """What goes in it, for the layout table in the README and the notes sheet."""

    @property
    def name(self) -> str:
        return self.key or self.en or self.zh

    @property
    def header(self) -> str:
        return f"{self.zh}\n{self.en}" if self.en else self.zh

    @property
    def header_en_first(self) -> str:
        """The header for a reader of the English console: English over Chinese."""
        return f"{self.en}\n{self.zh}" if self.en else self.zh

    def matches(self, cell: str) -> bool:
        """True when a header cell names this column (Chinese, English, or both in either layout)."""
        found = header_key(cell)
        return bool(found) and found in {header_key(self.zh), header_key(self.en), header_key(self.zh + self.en),
                                       header_key(self.en + self.zh)}


_NOISE = re.compile(r"[\s/（）()\[\]【】:：*＊_\-]+")


def header_key(text: str) -> str:
    """A header cell reduced for matching: full-width folded, case, spaces, brackets and `*` dropped
    (`商品编码 (SKU)*`, `商品编码\\nSKU`, `sku` all compare equal to the parts they hold)."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def as_column(header: Column | str) -> Column:
    return header if isinstance(header, Column) else Column(header)
