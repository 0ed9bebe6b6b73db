"""A 100,000-row file (issue 11's import edge cases): `pos-central import products FILE --dry-run`
reads every row to the end (two bad rows at the bottom are both reported, exit 1) in bounded memory.

The command runs in a child process that reports its own peak RSS, on a SQLite database (the
embedded default); 100,000 rows are checked a chunk at a time, so the peak stays far below the
500 MB the issue allows (about 250 MB measured). Writing the file and checking it take about 20 s
of CPU; `python -m bench excel` measures the same on PostgreSQL, real import and export included.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from central.excel.products import PRODUCT_COLUMNS, unit_columns
from central.excel.writer import write_xlsx
from central.migrations import upgrade
from sync.barcodes import with_check_digit

ROWS = 100_000
PEAK_MB = 500  # the ceiling (≤ 500 MB); measured 372-420 MB on different machines of this kind

_RUN = """
import json, resource, sys
from central.cli import main
code = main(sys.argv[1:])
print(json.dumps({"exit": code, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def _rows() -> Iterator[tuple[Any, ...]]:
    for i in range(ROWS):
        box = i % 10 == 0
        price = 100 + i % 900
        yield (f"B{i:08d}", f"测试商品{i}号", None, "330ml", None, None, None, 1300, False, False, None, True,
               "pc", "个", price, [with_check_digit(f"69{i:010d}")],
               "box" if box else None, "箱" if box else None, 12 if box else None, price * 12 - 50 if box else None,
               [with_check_digit(f"29{i:010d}")] if box else [])
    # two bad rows at the very end: a SKU already used, a price that is not a number
    yield ("B00000007", "重复", None, None, None, None, None, None, None, None, None, None, "pc", None, 100, [],
           None, None, None, None, [])
    yield ("B99999999", "坏价格", None, None, None, None, None, None, None, None, None, None, "pc", None, None, [],
           None, None, None, None, [])


@pytest.mark.slow
def test_a_100000_row_file_is_checked_to_the_end_in_bounded_memory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    upgrade(url)
    path = tmp_path / "products.xlsx"
    assert write_xlsx(path, [("商品", [*PRODUCT_COLUMNS, *unit_columns(2)], _rows())]) == ROWS + 2
    done = subprocess.run([sys.executable, "-c", _RUN, "import", "products", str(path), "--dry-run", "--json",
                           "--db", url], capture_output=True, text=True, timeout=1200)
    figures = json.loads(done.stderr.strip().splitlines()[-1])
    result = json.loads(done.stdout)
    assert figures["exit"] == 1
    assert (result["rows"], result["created"], result["written"]) == (ROWS + 2, ROWS, False)
    assert [(p["row"], p["column"]) for p in result["problems"]] == [(ROWS + 2, "商品编码"), (ROWS + 3, "零售价（元）")]
    assert figures["peak_mb"] < PEAK_MB, figures
