"""Helpers for the Excel tests: write a workbook cell by cell (numbers, text, merges as a person's
file would hold them), and a small catalogue to import into."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import Engine

from central.db import session_scope


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """A one-sheet workbook of `rows` in memory (an upload's body); `None` leaves a cell empty."""
    import io

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    ws = book.add_worksheet()
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    return out.getvalue()


@pytest.fixture
def make_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """make_xlsx([[header...], [cell...], ...], merges=[("A2:A3", "value")]) → path. Numbers stay
    numbers and text stays text, as typed; `None` leaves a cell empty."""
    counter = [0]

    def make(rows: Sequence[Sequence[Any]], *, merges: Sequence[tuple[str, Any]] = (), name: str = "") -> Path:
        counter[0] += 1
        path = tmp_path / (name or f"in{counter[0]}.xlsx")
        book = xlsxwriter.Workbook(str(path))
        ws = book.add_worksheet("Sheet1")
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write(r, c, value)
        for ref, value in merges:
            ws.merge_range(ref, value)
        book.close()
        return path

    return make


@pytest.fixture
def catalogue(engine: Engine) -> dict[str, int]:
    """Categories DRINK and SNACK, brand 可口可乐, supplier SUP1; returns their ids by name."""
    from central.catalog import service

    with session_scope(engine) as s:
        drink = service.create_category(s, code="DRINK", name="饮料").id
        snack = service.create_category(s, code="SNACK", name="零食").id
        brand = service.create_brand(s, name="可口可乐").id
        supplier = service.create_supplier(s, code="SUP1", name="太古饮料").id
    return {"DRINK": drink, "SNACK": snack, "brand": brand, "SUP1": supplier}
