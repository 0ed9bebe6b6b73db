"""A script that changes master data through `central.db` alone (never importing the sync
package) still writes the change feed: otherwise the tills would silently never see it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from central.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]


def test_product_created_by_a_bare_script_reaches_the_feed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade(url)
    script = textwrap.dedent(f"""
        import sys
        from central.db import get_engine, session_scope
        from central.catalog import service
        with session_scope(get_engine({url!r})) as s:
            service.create_product(s, sku="SCRIPT1", name="脚本商品",
                                   units=[{{"code": "pc", "name": "个", "factor": 1, "price_fen": 350,
                                            "barcodes": ["6901234567892"]}}])
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "central.db") as db:
        rows = db.execute("SELECT entity, op FROM sync_feed WHERE entity = 'product'").fetchall()
    assert rows == [("product", "upsert")]
