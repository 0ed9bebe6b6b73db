"""docs/roles.md holds the role → permission table exactly as central/auth/roles.py grants it."""

from __future__ import annotations

from pathlib import Path

from central.auth.roles import roles_table_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "roles.md"


def test_the_documented_table_is_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- roles-table -->\n", 1)[1].split("<!-- /roles-table -->", 1)[0]
    assert table == roles_table_markdown(), "regenerate the table: central.auth.roles.roles_table_markdown()"
