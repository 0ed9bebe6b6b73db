"""Excel import and export of 100,000 products, central on PostgreSQL (a fresh database on
POS_TEST_PG_URL): wall time and the peak RSS of the `pos-central` process doing it.

Targets (issue 11): import of 100,000 products ≤ 60 s, export ≤ 30 s, peak memory ≤ 500 MB each.
The products look like a shop's (a Chinese name, a spec, a barcode; every tenth also sold by the
box of 12 with its own barcode). Steps: write the file (`write_xlsx`), a dry run of the import, the
real import (creates 100,000), the same file again (100,000 unchanged), then export them all.
Each `pos-central` command runs in a child process that reports its own peak RSS (ru_maxrss) and
CPU time (user + system): on a machine shared with other work the wall time mostly says how busy it
was, the CPU time what the command cost; the load average when each step starts is shown beside.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import _sync_common as common

PRODUCTS = int(os.environ.get("POS_BENCH_EXCEL_PRODUCTS", "100000"))

_RUN = """
import json, resource, sys, time
from central.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"exit": code, "seconds": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024}), file=sys.stderr)
"""


def _say(message: str) -> None:
    print(f"[excel {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _pos_central(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, timeout=1800)
    figures: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    if figures["exit"] != 0:
        raise RuntimeError(f"pos-central {' '.join(args)} failed: {done.stdout[-2000:]}")
    return figures


def product_rows(count: int) -> Iterator[tuple[Any, ...]]:
    from sync.barcodes import with_check_digit

    for i in range(count):
        box = i % 10 == 0
        price = 100 + i % 900
        yield (f"B{i:08d}", f"测试商品{i}号 可口可乐味", None, "330ml", None, None, None, 1300, False, False, None, True,
               "pc", "个", price, [with_check_digit(f"69{i:010d}")],
               "box" if box else None, "箱" if box else None, 12 if box else None, price * 12 - 50 if box else None,
               [with_check_digit(f"29{i:010d}")] if box else [])


def run() -> list[tuple[str, str]]:
    from central.excel.products import PRODUCT_COLUMNS, unit_columns
    from central.excel.writer import write_xlsx

    rows: list[tuple[str, str]] = []
    with common.pg_db() as url, tempfile.TemporaryDirectory(prefix="bench-excel-") as d:
        if url is None:
            return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
        path = Path(d) / "products.xlsx"
        _say(f"writing {PRODUCTS:,} products to {path.name} …")
        t0 = time.perf_counter()
        write_xlsx(path, [("商品", [*PRODUCT_COLUMNS, *unit_columns(2)], product_rows(PRODUCTS))])
        rows.append((f"write a {PRODUCTS:,}-product file (write_xlsx)",
                     f"{time.perf_counter() - t0:.1f} s, {path.stat().st_size / 1e6:.1f} MB"))
        for label, args in (("import --dry-run", ["import", "products", str(path), "--dry-run", "--db", url]),
                            ("import (creates all)", ["import", "products", str(path), "--db", url]),
                            ("import again (all unchanged)", ["import", "products", str(path), "--db", url]),
                            ("export", ["export", "products", "--out", str(Path(d) / "out.xlsx"), "--db", url])):
            _say(f"{label} …")
            load = os.getloadavg()[0]
            figures = _pos_central(*args)
            _say(f"{label}: {figures['seconds']:.1f} s (CPU {figures['cpu']:.1f} s), peak {figures['peak_mb']:.0f} MB")
            rows.append((f"{PRODUCTS:,} products: {label}", f"{figures['seconds']:.1f} s (CPU {figures['cpu']:.1f} s, "
                         f"load {load:.1f}), peak RSS {figures['peak_mb']:.0f} MB"))
    return rows
