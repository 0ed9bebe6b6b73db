"""Running an import: read the sheet, check every row, write all of it or nothing.

Each kind (products, customers, members, opening stock, price lists) is an `Importer`: its
columns, how one row becomes a record (`parse`), and how a chunk of records is checked against
the database and written through its domain's services (`apply`). `run_import` drives them:

- every bad row is reported — sheet row number, column, reason in Chinese and English — not just
  the first; a dry run writes nothing and lists them all;
- a real import writes chunk after chunk in the caller's transaction while no row is bad; at the
  first bad row it stops writing, goes on checking the rest (so the report is complete), and then
  rolls the transaction back: all rows or none;
- rows are read and checked a chunk at a time, so memory stays bounded however long the file;
- counts of created / updated / unchanged records, and the ids of those that changed;
- one audit entry per record created or changed (`<entity>.import`, before → after of the fields
  that changed, reason "Excel 导入 <file>"), written in bulk: each record's history then shows the
  import like any other edit, which a single entry per import listing ids would not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy.orm import Session

from central.auth.principal import Principal
from central.auth.roles import Permission
from central.errors import DomainError, Forbidden
from central.excel.cells import READERS, CellError
from central.excel.columns import Column
from central.excel.reader import Row, Table, WorkbookError, read_table
from sync.errors import ContractError

CHUNK = 2000
"""Rows read, checked and written together (bounded memory; a few statements per chunk)."""


@dataclass(frozen=True)
class Problem:
    """Why one row (or the whole file, row None) cannot be imported."""

    row: int | None
    column: str | None
    column_en: str | None
    cell: str | None
    message: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "column_en": self.column_en, "cell": self.cell,
                "message": self.message, "message_en": self.message_en}

    def line(self) -> str:
        where = f"第 {self.row} 行 row {self.row}" if self.row else "文件 file"
        if self.column:
            where += f"，{self.column} / {self.column_en or self.column}"
            if self.cell:
                where += f" ({self.cell})"
        return f"{where}：{self.message} / {self.message_en}"


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    written: bool = False
    """True when the rows were written (a real import with no bad row)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})

    def to_dict(self, *, problem_limit: int | None = None) -> dict[str, Any]:
        shown = self.problems if problem_limit is None else self.problems[:problem_limit]
        return {"kind": self.kind, "dry_run": self.dry_run, "written": self.written, "rows": self.rows,
                "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "bad_rows": self.bad_rows, "problems": [p.to_dict() for p in shown],
                "problems_not_shown": len(self.problems) - len(shown)}


@dataclass
class Applied:
    """What `Importer.apply` did (or, in a dry run, would do) with one chunk."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


class Reporter:
    """Collects problems of the rows being imported, naming the column and cell."""

    def __init__(self, table: Table, result: ImportResult, *, who: Principal | None = None,
                 reason: str | None = None) -> None:
        self.table = table
        self.result = result
        self.who = who
        self.reason = reason
        """For the audit trail: `Excel 导入 <file name>`."""
        self.bad: set[int] = set()
        self.plans: dict[int, Any] = {}
        """`read_cells`' plans of this import's table, by the identity of the readers given."""

    def __call__(self, row: int, column: str | None, message: str, message_en: str) -> None:
        col = self.table.columns.get(column) if column else None
        letter = self.table.letters.get(column) if column else None
        self.result.problems.append(Problem(row, col.zh if col else None, col.en if col else None,
                                            f"{letter}{row}" if letter else None, message, message_en))
        self.bad.add(row)

    def error(self, row: int, column: str | None, exc: DomainError | ContractError | CellError) -> None:
        self(row, column, exc.message, exc.message_en)


class Importer(Protocol):
    """One kind of import. `columns` are required or known; `extra` are accepted when present."""

    kind: str
    title: str
    permission: Permission
    columns: Sequence[Column]
    extra: Sequence[Column]

    def begin(self, session: Session, who: Principal | None, table: Table, report: Reporter) -> None: ...

    def parse(self, row: Row, report: Reporter) -> Any | None: ...

    def apply(self, session: Session, records: list[Any], report: Reporter, *, write: bool) -> Applied: ...


_Plan = list[tuple[str, Callable[[Any], Any], Any, Column]]
"""Per present column: its name, reader, what the reader makes of an empty cell, and the column."""


def _plan(table: Table, report: Reporter, readers: dict[str, Callable[[Any], Any]] | None) -> _Plan:
    """How to read each present column, worked out once per import (not once per row and column)."""
    key = id(readers)
    plan: _Plan | None = report.plans.get(key)
    if plan is None:
        plan = []
        for name, col in table.columns.items():
            reader = (readers or {}).get(name) or READERS[col.kind]
            plan.append((name, reader, reader(""), col))
        report.plans[key] = plan
    return plan


def read_cells(row: Row, table: Table, report: Reporter,
               readers: dict[str, Callable[[Any], Any]] | None = None) -> dict[str, Any] | None:
    """Every present column of `row` read by its kind (or `readers[name]`); None when a cell is bad.

    `readers` should be a constant of the caller (the plan is remembered by its identity)."""
    out: dict[str, Any] = {}
    ok = True
    raw_values = row.values
    for name, reader, empty, col in _plan(table, report, readers):
        raw = raw_values.get(name, "")
        if raw == "" and type(raw) is str:  # an empty cell, as calamine gives it: nothing to read
            value = empty
        else:
            try:
                value = reader(raw)
            except CellError as exc:
                report.error(row.number, name, exc)
                ok = False
                continue
        if col.required and value in (None, [], ""):
            report(row.number, name, f"{col.zh}不能为空", f"{col.en or col.zh} is required")
            ok = False
        out[name] = value
    return out if ok else None


def authorize(importer: Importer, who: Principal | None) -> None:
    """Raise Forbidden unless `who` may run this import: the kind's permission, and not a sales rep
    (a rep edits the contact fields of their own customers one at a time; `who` None is a command)."""
    if who is None:
        return
    who.require(importer.permission)
    if who.rep_id is not None:
        raise Forbidden("业务员不能批量导入数据", "a sales rep may not import spreadsheets", code="permission_denied")


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_import(session: Session, importer: Importer, source: str | Path | bytes | IO[bytes], *,
               who: Principal | None, dry_run: bool, file_name: str | None = None,
               on_progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import `source` with `importer` in `session`'s transaction (which should hold nothing else):
    written when no row is bad and not a dry run; otherwise the transaction is rolled back."""
    result = ImportResult(kind=importer.kind, dry_run=dry_run)
    authorize(importer, who)
    try:
        table = read_table(source, importer.columns, extra=importer.extra)
    except WorkbookError as exc:
        result.problems.append(Problem(None, None, None, None, exc.message, exc.message_en))
        return result
    name = file_name or (Path(source).name if isinstance(source, str | Path) else "")
    report = Reporter(table, result, who=who, reason=f"Excel 导入 import {name}".strip())
    importer.begin(session, who, table, report)
    for chunk in _chunks(table.rows, CHUNK):
        records = []
        for row in chunk:
            result.rows += 1
            for column, zh, en in row.problems:
                report(row.number, column, zh, en)
            if row.problems:
                continue
            record = importer.parse(row, report)
            if record is not None:
                records.append(record)
        applied = importer.apply(session, records, report, write=not dry_run and result.ok)
        result.created += len(applied.created)
        result.updated += len(applied.updated)
        result.unchanged += applied.unchanged
        result.changed_ids += applied.created + applied.updated
        if on_progress is not None:
            on_progress(result.rows)
    if result.rows == 0 and result.ok:
        result.problems.append(Problem(None, None, None, None, f"工作表“{table.sheet}”没有数据行",
                                       f"sheet {table.sheet!r} has no data rows"))
    result.problems.sort(key=lambda p: (p.row or 0))
    if dry_run or not result.ok:
        session.rollback()
    else:
        session.flush()
        result.written = True
    return result


_PYDANTIC_ZH = {
    "missing": "不能为空", "string_too_short": "不能为空", "string_too_long": "太长",
    "string_pattern_mismatch": "格式不对（只能用字母、数字和 _ . -）", "greater_than_equal": "太小",
    "less_than_equal": "太大", "greater_than": "太小", "less_than": "太大", "too_long": "太多",
    "too_short": "太少", "int_parsing": "应为整数", "date_from_datetime_parsing": "不是有效的日期",
}


def validation_problems(exc: Any, row: int, report: Reporter, column_of: Callable[[tuple[Any, ...]], str | None]) -> None:
    """Report each error of a pydantic ValidationError (the API's own request schema) on its column."""
    for err in exc.errors():
        column = column_of(tuple(err.get("loc", ())))
        zh = _PYDANTIC_ZH.get(err.get("type", ""), "不符合要求")
        ctx = err.get("ctx") or {}
        limit = ctx.get("max_length", ctx.get("le", ctx.get("ge", ctx.get("min_length"))))
        if limit is not None and err.get("type") in ("string_too_long", "less_than_equal", "greater_than_equal",
                                                     "too_long"):
            zh += f"（限 {limit}）"
        report(row, column, zh, str(err.get("msg", "invalid")))
