"""Streaming .xlsx writer: any list to a spreadsheet, row by row, in bounded memory.

Every "export this list" in the product goes through `write_xlsx` (files, the CLI) or
`xlsx_response` (an HTTP download). Rows may be any iterable — a generator over a database cursor
is the intended one: xlsxwriter's `constant_memory` mode writes each row to a temporary file as it
comes and keeps nothing of it, so 100,000 rows cost no more memory than 100.

Cells are written by their column's kind (`central.excel.columns.Kind`): money from integer fen as
yuan with two decimals (exactly: `n / 100` is the double nearest the decimal, and its shortest text,
which is what goes into the file, is that decimal), quantities from thousandths, times in the
store's time zone, text always as text (never a formula, leading zeros kept).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from central.excel.columns import Column, Kind, as_column
from sync.store_time import STORE_TZ

MAX_TEXT = 32_767
"""Excel's limit on one cell's text."""
MAX_ROWS = 1_048_575
"""Data rows that fit under the header row of one sheet."""
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_WIDTHS = {Kind.MONEY: 12, Kind.QTY: 10, Kind.PERCENT: 8, Kind.BOOL: 6, Kind.DATE: 11, Kind.DATETIME: 19,
           Kind.INT: 10, Kind.LIST: 28}


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its tab title, its columns (Column, or a plain header text) and its rows."""

    title: str
    columns: Sequence[Column | str]
    rows: Iterable[Sequence[Any]]
    english_first: bool = False
    """Headers English over Chinese and 是/否 as Yes/No (a console viewer reading in English); an
    import reads either layout."""


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEF2F7",
                                       "border": 1})
        self.by_kind: dict[Kind, Format | None] = {
            Kind.MONEY: book.add_format({"num_format": "#,##0.00"}),
            Kind.QTY: book.add_format({"num_format": "0.###"}),
            Kind.PERCENT: book.add_format({"num_format": "0.##"}),
            Kind.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
            Kind.DATETIME: book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the book."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet"
    candidate, n = clean[:31], 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(candidate.casefold())
    return candidate


def _write_cell(ws: Worksheet, row: int, col: int, kind: Kind, value: Any, fmt: Format | None,
                english: bool = False) -> None:
    if value is None or value == "":
        return
    if kind is Kind.TEXT or kind is Kind.LIST:
        if kind is Kind.LIST and not isinstance(value, str):
            value = ";".join(str(v) for v in value)
        ws.write_string(row, col, str(value)[:MAX_TEXT])
    elif kind is Kind.MONEY:
        ws.write_number(row, col, _exact(value, 100), fmt)
    elif kind is Kind.QTY:
        ws.write_number(row, col, _exact(value, 1000), fmt)
    elif kind is Kind.PERCENT:
        ws.write_number(row, col, _exact(value, 100), fmt)
    elif kind is Kind.INT:
        ws.write_number(row, col, int(value))
    elif kind is Kind.BOOL:
        ws.write_string(row, col, ("Yes" if value else "No") if english else ("是" if value else "否"))
    elif kind is Kind.DATETIME:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"a DATETIME cell needs an aware datetime, got {value!r}")
        ws.write_datetime(row, col, value.astimezone(STORE_TZ).replace(tzinfo=None), fmt)
    elif kind is Kind.DATE:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"a DATE cell needs a date, got {value!r}")
        ws.write_datetime(row, col, value, fmt)
    else:  # pragma: no cover - every Kind is handled above
        raise ValueError(kind)


def _exact(value: Any, scale: int) -> float:
    """An integer number of hundredths/thousandths as the double nearest its decimal value."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"expected an integer (fen, thousandths, basis points), got {value!r}")
    return float(Decimal(value) / scale)


def _write_sheet(book: xlsxwriter.Workbook, formats: _Formats, sheet: Sheet, title: str) -> int:
    columns = [as_column(c) for c in sheet.columns]
    ws = book.add_worksheet(title)
    for i, col in enumerate(columns):
        width = col.width or _WIDTHS.get(col.kind) or max(10, min(40, 2 * len(col.zh) + 2, len(col.en) + 2))
        ws.set_column(i, i, width)
    ws.set_row(0, 32)
    ws.write_row(0, 0, [c.header_en_first if sheet.english_first else c.header for c in columns], formats.header)
    ws.freeze_panes(1, 0)
    kinds = [(c.kind, formats.by_kind.get(c.kind)) for c in columns]
    count = 0
    for count, values in enumerate(sheet.rows, start=1):
        if count > MAX_ROWS:
            raise ValueError(f"sheet {title!r} has more rows than Excel can hold ({MAX_ROWS:,})")
        if len(values) != len(columns):
            raise ValueError(f"sheet {title!r} row {count + 1}: {len(values)} values for {len(columns)} columns")
        for j, value in enumerate(values):
            kind, fmt = kinds[j]
            _write_cell(ws, count, j, kind, value, fmt, sheet.english_first)
    ws.autofilter(0, 0, max(count, 1), len(columns) - 1)
    return count


def write_xlsx(target: str | Path | IO[bytes], sheets: Iterable[Sheet | tuple[str, Sequence[Column | str],
                                                                              Iterable[Sequence[Any]]]]) -> int:
    """Write `sheets` (Sheet or (title, columns, rows) tuples) as an .xlsx to a path or a binary file;
    returns the number of data rows written. Memory stays flat whatever the number of rows."""
    book = xlsxwriter.Workbook(str(target) if isinstance(target, str | Path) else target,
                               {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                "strings_to_numbers": False, "strings_to_formulas": False,
                                "strings_to_urls": False})
    formats, used, total = _Formats(book), set[str](), 0
    try:
        for sheet in sheets:
            if not isinstance(sheet, Sheet):
                sheet = Sheet(*sheet)
            total += _write_sheet(book, formats, sheet, _sheet_title(sheet.title, used))
    finally:
        book.close()
    return total


def xlsx_to_tempfile(sheets: Iterable[Sheet]) -> IO[bytes]:
    """The workbook in an anonymous temporary file, rewound (the caller closes it)."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_xlsx(handle, sheets)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def _chunks(handle: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name (RFC 6266/5987), for Chinese file names."""
    ascii_name = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(sheets: Iterable[Sheet], filename: str) -> Any:
    """A FastAPI response downloading the workbook (built in a temporary file, then streamed)."""
    from starlette.responses import StreamingResponse

    handle = xlsx_to_tempfile(sheets)
    size = os.fstat(handle.fileno()).st_size
    return StreamingResponse(_chunks(handle), media_type=XLSX_MEDIA_TYPE,
                             headers={"Content-Disposition": content_disposition(filename),
                                      "Content-Length": str(size)})
