"""The rooms of the code base and their doors, as ARCHITECTURE.md writes them down, checked on the
source: which top-level package may import which, and where SQL against the till's database may live.

Imports are read with `ast` (module level and inside functions alike), so a door cannot be passed
by importing late. SQL is recognised by its statements in string constants (upper-case keywords,
as every statement in this code base is written) and by calls of the DB-API's `execute` family.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

OURS = ("sync", "drivers", "terminal", "central", "bench", "tests")
"""Our top-level packages (anything else imported is the standard library or a dependency)."""

MAY_IMPORT: dict[str, frozenset[str]] = {
    "sync": frozenset({"sync"}),
    "drivers": frozenset({"drivers"}),
    "terminal": frozenset({"terminal", "sync", "drivers"}),
    "central": frozenset({"central", "sync"}),
}
"""Which of our packages each product package may import (bench/ and tests/ may import all)."""

KIVY_ROOMS = ("terminal/ui/", "terminal/commands/run.py")
"""Only the Kivy app (and the command that starts it) may import kivy or terminal.ui."""

SQL_ROOM = "terminal/store/"
"""The one door to the till's database: no SQL and no sqlite3 anywhere else in the product's
terminal, sync and drivers packages (central talks to its own database through SQLAlchemy)."""

_SQL = re.compile(
    r"\b(SELECT\b[\s\S]+?\bFROM\b|INSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|"
    r"REPLACE\s+INTO\b|CREATE\s+(TEMP\s+|UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b|DROP\s+(TABLE|INDEX)\b|"
    r"ALTER\s+TABLE\b|PRAGMA\s+\w+|BEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)\b|SAVEPOINT\s+\w+)")
_DB_CALLS = frozenset({"execute", "executemany", "executescript"})
_DB_MODULES = frozenset({"sqlite3", "sqlite_utils", "apsw"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def python_files(root: Path, packages: tuple[str, ...]) -> Iterator[Path]:
    for package in packages:
        base = root / package
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*.py") if "migrations/versions" not in p.as_posix())


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def import_violations(root: Path = ROOT) -> list[Violation]:
    """Imports that cross a door: a product package importing one of ours it may not, or Kivy
    outside the app."""
    found: list[Violation] = []
    for path in python_files(root, tuple(MAY_IMPORT)):
        rel = path.relative_to(root).as_posix()
        room = rel.split("/", 1)[0]
        for line, module in _imports(ast.parse(path.read_text(encoding="utf-8"), rel)):
            top = module.split(".", 1)[0]
            if top in OURS and top not in MAY_IMPORT[room]:
                found.append(Violation(rel, line, f"{room}/ may not import {module}"))
            if (top == "kivy" or module.startswith("terminal.ui")) and not rel.startswith(KIVY_ROOMS):
                found.append(Violation(rel, line, f"only terminal/ui/ may import {module}"))
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    """The string constants that are docstrings (prose about SQL is not SQL)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def sql_violations(root: Path = ROOT) -> list[Violation]:
    """SQL, sqlite3 or DB-API calls in terminal/, sync/ or drivers/ outside terminal/store/."""
    found: list[Violation] = []
    for path in python_files(root, ("terminal", "sync", "drivers")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(SQL_ROOM):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        for line, module in _imports(tree):
            if module.split(".", 1)[0] in _DB_MODULES:
                found.append(Violation(rel, line, f"imports {module}: the database is terminal/store/'s"))
        docstrings = _docstrings(tree)
        in_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                    and id(node) not in in_fstrings and _SQL.search(node.value)):
                found.append(Violation(rel, node.lineno, f"SQL outside {SQL_ROOM}: {node.value.strip()[:60]!r}"))
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
                if _SQL.search(text):
                    found.append(Violation(rel, node.lineno, f"SQL outside {SQL_ROOM}: {text.strip()[:60]!r}"))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in _DB_CALLS):
                found.append(Violation(rel, node.lineno, f".{node.func.attr}() outside {SQL_ROOM}"))
            elif isinstance(node, ast.Attribute) and node.attr == "conn":
                found.append(Violation(rel, node.lineno, f"the store's connection used outside {SQL_ROOM}"))
    return found
