"""The doors of ARCHITECTURE.md hold: no import crosses one, no SQL outside terminal/store/.

The checks are first shown to catch what they should (a small fake tree with one of each
violation), then run on the real code base."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.doors import import_violations, sql_violations


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checks_catch_each_kind_of_crossing(tmp_path: Path) -> None:
    _write(tmp_path, "sync/rule.py", "import terminal.checkout\n")
    _write(tmp_path, "drivers/printer.py", "def f():\n    from sync import money\n")
    _write(tmp_path, "central/api.py", "from terminal.store import open_store\n")
    _write(tmp_path, "terminal/checkout.py", "from central.sales import ingest\nfrom kivy.app import App\n")
    _write(tmp_path, "terminal/ui/screen.py", "from kivy.app import App\nfrom terminal.checkout import x\n")
    _write(tmp_path, "terminal/members.py",
           "import sqlite3\n"
           "Q = 'SELECT data FROM master WHERE id=?'\n"
           "def f(store, t):\n"
           "    store.conn.execute(f\"DELETE FROM {t}\")\n")
    _write(tmp_path, "terminal/store/members.py", "import sqlite3\nQ = 'SELECT 1 FROM master'\n")
    _write(tmp_path, "terminal/printing.py", "DOC = 'Select the lines from the receipt'\n")

    imports = {(v.path, v.what.split(" may not")[0].split(":")[0]) for v in import_violations(tmp_path)}
    assert imports == {("sync/rule.py", "sync/"), ("drivers/printer.py", "drivers/"),
                       ("central/api.py", "central/"), ("terminal/checkout.py", "terminal/"),
                       ("terminal/checkout.py", "only terminal/ui/ may import kivy.app")}
    sql = sorted((v.path, v.line) for v in sql_violations(tmp_path))
    assert sql == [("terminal/members.py", 1), ("terminal/members.py", 2), ("terminal/members.py", 4),
                   ("terminal/members.py", 4), ("terminal/members.py", 4)]


def test_no_import_crosses_a_door() -> None:
    assert [str(v) for v in import_violations()] == []


def test_no_sql_outside_terminal_store() -> None:
    assert [str(v) for v in sql_violations()] == []
