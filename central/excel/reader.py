"""Reading an uploaded workbook into numbered rows keyed by column, whatever shape people give it.

python-calamine (Rust) parses the sheet; rows are then handed out one at a time as dicts of the
columns the layout knows, with the sheet row number a person sees in Excel (1-based). What real
files hold and how it is taken:

- Title rows above the header ("2024 年商品资料"): the header is the first of the first 10 rows
  that names every required column; rows above it are skipped.
- Header cells in Chinese, English or both (`商品编码`, `SKU`, `商品编码\\nSKU`, `商品编码 (SKU)`).
  A column the layout does not know, or the same column twice, is refused with the list of the
  expected headers: silently ignoring a misspelt "零售价格" column would drop every price in it.
- A second header row of English names under the Chinese one is skipped.
- Merged cells: a range inside one column (a category merged down over the rows it applies to)
  gives its value to every row of the range; a range across columns in the data is refused for
  the rows it covers.
- Empty rows are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from central.excel.cells import is_empty
from central.excel.columns import Column

HEADER_SEARCH_ROWS = 10


class WorkbookError(ValueError):
    """The file as a whole cannot be imported (not a workbook, no sheet, wrong headers)."""

    def __init__(self, message: str, message_en: str, *, code: str = "bad_workbook") -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.code = code


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Row:
    """One data row: its sheet row number, the raw value of each known column, and any problem
    found while reading it (a merged range across columns)."""

    number: int
    values: dict[str, Any]
    problems: list[tuple[str | None, str, str]] = field(default_factory=list)


@dataclass
class Table:
    """The rows of a sheet under its header, and where each known column is."""

    sheet: str
    header_row: int
    columns: dict[str, Column]
    """Known columns found in the header, by name."""
    letters: dict[str, str]
    """Column name → its letter in the sheet (for messages)."""
    rows: Iterator[Row]


MAX_UNPACKED_BYTES = 400 * 1024 * 1024
"""An uploaded .xlsx (a zip) whose parts inflate beyond this is refused before it is parsed: 100,000
product rows are ~70 MB of sheet XML, and a zip bomb of a few KB could otherwise ask for gigabytes."""


def check_unpacked_size(data: bytes, limit: int | None = None) -> None:
    """Refuse an upload whose zip parts declare more than `limit` (MAX_UNPACKED_BYTES) bytes in all."""
    import io
    import zipfile

    limit = MAX_UNPACKED_BYTES if limit is None else limit
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: calamine says what it is not
    if unpacked > limit:
        raise WorkbookError(f"文件解压后太大（{unpacked / 1024**2:,.0f} MB，上限 {limit / 1024**2:,.0f} MB）",
                            f"the workbook unpacks to {unpacked / 1024**2:,.0f} MB, more than the "
                            f"{limit / 1024**2:,.0f} MB allowed", code="workbook_too_large")


def open_workbook(source: str | Path | bytes | IO[bytes]) -> CalamineWorkbook:
    """The workbook of a path (a command's own file) or of uploaded bytes (checked for size first)."""
    if isinstance(source, bytes):
        check_unpacked_size(source)
    try:
        if isinstance(source, str | Path):
            return CalamineWorkbook.from_path(str(source))
        if isinstance(source, bytes):
            import io

            return CalamineWorkbook.from_filelike(io.BytesIO(source))
        return CalamineWorkbook.from_filelike(source)
    except (CalamineError, OSError, ValueError) as exc:
        raise WorkbookError("无法读取文件：不是有效的 Excel (.xlsx) 文件",
                            f"cannot read the file: not a valid Excel (.xlsx) workbook ({exc})",
                            code="not_a_workbook") from None


def _expected(columns: Sequence[Column]) -> tuple[str, str]:
    required = [c for c in columns if c.required]
    return ("、".join(f"{c.zh}" for c in required), ", ".join(c.en or c.zh for c in required))


def _match(cell: Any, columns: Sequence[Column]) -> Column | None:
    if not isinstance(cell, str) or not cell.strip():
        return None
    for col in columns:
        if col.matches(cell):
            return col
    return None


def _header_row(rows: list[list[Any]], columns: Sequence[Column]) -> int | None:
    required = [c for c in columns if c.required]
    for i, cells in enumerate(rows):
        found = {c.name for cell in cells if (c := _match(cell, columns)) is not None}
        if all(c.name in found for c in required):
            return i
    return None


def read_table(source: str | Path | bytes | IO[bytes] | CalamineWorkbook, columns: Sequence[Column], *,
               sheet: str | None = None, extra: Sequence[Column] = ()) -> Table:
    """The rows of `sheet` (default: the first) under a header naming `columns` (plus `extra`, the
    columns a layout accepts but does not require); WorkbookError when it cannot be read."""
    book = source if isinstance(source, CalamineWorkbook) else open_workbook(source)
    known = [*columns, *extra]
    try:
        ws: CalamineSheet = book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)
    except Exception:
        raise WorkbookError(f"找不到工作表：{sheet or '第一个工作表'}", f"no such sheet: {sheet or 'the first sheet'}",
                            code="no_sheet") from None
    start_row, start_col = ws.start or (0, 0)
    rows = ws.iter_rows()
    head: list[list[Any]] = []
    for cells in rows:
        head.append(list(cells))
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    at = _header_row(head, known)
    zh, en = _expected(known)
    if at is None:
        raise WorkbookError(f"表头不对：没有找到必需的列 {zh}（工作表“{ws.name}”的前 {HEADER_SEARCH_ROWS} 行）",
                            f"wrong headers: the required columns {en} are not in the first "
                            f"{HEADER_SEARCH_ROWS} rows of sheet {ws.name!r}", code="wrong_headers")
    header_cells = head[at]
    positions: dict[int, Column] = {}
    unknown: list[str] = []
    for j, cell in enumerate(header_cells):
        if is_empty(cell):
            continue
        col = _match(cell, known)
        if col is None:
            unknown.append(str(cell).replace("\n", " "))
        elif col in positions.values():
            raise WorkbookError(f"表头重复：{col.zh} 出现了两次", f"the column {col.en or col.zh} appears twice",
                                code="wrong_headers")
        else:
            positions[j] = col
    if unknown:
        all_zh = "、".join(c.zh for c in known)
        all_en = ", ".join(c.en or c.zh for c in known)
        raise WorkbookError(f"表头不对：不认识的列 {'、'.join(unknown)}；可用的列为 {all_zh}",
                            f"wrong headers: unknown column(s) {', '.join(unknown)}; the columns are {all_en}",
                            code="wrong_headers")
    header_number = start_row + at + 1
    merged = _merged(ws, header_number, start_row, start_col)
    table = Table(sheet=ws.name, header_row=header_number, columns={c.name: c for c in positions.values()},
                  letters={c.name: column_letter(start_col + j) for j, c in positions.items()},
                  rows=iter(()))
    table.rows = _rows(head[at + 1:], rows, positions, header_number, merged, start_col)
    return table


@dataclass
class _Merged:
    fill: dict[int, list[tuple[int, tuple[int, int]]]]
    """0-based sheet row → (sheet col, the range's top-left cell) of its cells in one-column ranges."""
    across: dict[int, str]
    """Sheet row → the range (A5:C5) that spans several columns on it."""


def _merged(ws: CalamineSheet, header_number: int, start_row: int, start_col: int) -> _Merged:
    """Merged ranges below the header (calamine gives 0-based (row, col) corners)."""
    out = _Merged({}, {})
    for (r0, c0), (r1, c1) in ws.merged_cell_ranges or []:
        if r1 + 1 <= header_number:
            continue
        if c0 == c1:
            for r in range(max(r0, header_number), r1 + 1):
                out.fill.setdefault(r, []).append((c0, (r0, c0)))
        else:
            ref = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
            for r in range(max(r0, header_number), r1 + 1):
                out.across[r + 1] = ref
    return out


def _rows(buffered: list[list[Any]], rest: Iterator[list[Any]], positions: dict[int, Column], header_number: int,
          merged: _Merged, start_col: int) -> Iterator[Row]:
    names = [(j, c.name) for j, c in positions.items()]
    tops: dict[tuple[int, int], Any] = {}
    number = header_number

    def all_rows() -> Iterator[list[Any]]:
        yield from buffered
        for cells in rest:
            yield list(cells)

    second_header_checked = False
    for cells in all_rows():
        number += 1
        if all(is_empty(cells[j]) for j in positions if j < len(cells)) and not any(
                (number - 1, c) == top for c, top in merged.fill.get(number - 1, ())):
            continue  # an empty row (cells a merged range reaches into do not make it a row)
        for c, top in merged.fill.get(number - 1, ()):
            if 0 <= c - start_col < len(cells):
                if (number - 1, c) == top:
                    tops[top] = cells[c - start_col]
                else:
                    cells[c - start_col] = tops.get(top, "")
        values = {name: cells[j] if j < len(cells) else "" for j, name in names}
        if all(is_empty(v) for v in values.values()):
            continue
        if not second_header_checked:
            second_header_checked = True
            if all(is_empty(v) or (isinstance(v, str) and positions[j].matches(v)) for j, v in
                   ((j, cells[j] if j < len(cells) else "") for j in positions)):
                continue  # an English (or repeated) header row under the first one
        row = Row(number, values)
        ref = merged.across.get(number)
        if ref is not None:
            row.problems.append((None, f"合并单元格 {ref} 跨越多列，请取消合并",
                                 f"merged cells {ref} span several columns: unmerge them"))
        yield row


__all__ = ["Row", "Table", "WorkbookError", "column_letter", "open_workbook", "read_table"]
