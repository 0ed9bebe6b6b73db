"""Bootstrap and delta-pull benchmark, central on PostgreSQL (a fresh database on POS_TEST_PG_URL).

- bootstrap: a fresh terminal downloads a 50,000- and a 200,000-product catalog (every tenth
  product also sold by the box) through `SyncClient.bootstrap`; seconds and terminal database size.
- delta pull: 1,000 price changes at central (ORM writes, feed rows by the session hooks), then the
  bootstrapped terminal pulls them; seconds.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench import _sync_common as common

CATALOG_SIZES = (50_000, 200_000)


def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for size in CATALOG_SIZES:
        with common.pg_db() as url:
            if url is None:
                return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
            rows.extend(_bench_bootstrap(url, size))
    return rows


# ---------------------------------------------------------------------------- bootstrap and delta


def _bench_bootstrap(url: str, size: int) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from central.catalog.models import ProductUnit
    from central.db import get_engine, session_scope
    from central.syncing import feed
    from terminal.store.db import open_store
    from terminal.sync_client.client import SyncClient
    from terminal.sync_client.transport import Transport

    rows: list[tuple[str, str]] = []
    store_id = common.stores(url, 1)[0]
    t0 = time.perf_counter()
    ids = common.bulk_products(url, size)
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = get_engine(url)
    for start in range(0, len(ids), 10_000):
        with session_scope(engine) as s:
            feed.rebuild(s, "product", ids[start:start + 10_000])
    rows.append((f"{size:,} products: central bulk load / feed build", f"{loaded:.1f} s / {time.perf_counter() - t0:.1f} s"))
    tid, credential = common.enrol(url, store_id)
    with tempfile.TemporaryDirectory(prefix="bench-till-") as d, common.server(url, workers=1) as base:
        store = open_store(d)
        with store.transaction():
            for k, v in {"server_url": base, "credential": credential, "terminal_id": str(tid),
                         "store_id": str(store_id)}.items():
                store.set_setting(k, v)
        client = SyncClient(store, Transport(base, credential, timeout=120))
        t0 = time.perf_counter()
        client.bootstrap()
        took = time.perf_counter() - t0
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_mb = sum(f.stat().st_size for f in Path(d).iterdir()) / 1e6
        products = store.scalar("SELECT count(*) FROM master WHERE entity='product'")
        rows.append((f"{size:,} products: bootstrap of a fresh terminal", f"{took:.1f} s ({products:,} products, "
                     f"{size_mb:,.0f} MB terminal DB)"))
        # delta pull after 1,000 price changes made through the ORM (feed rows from the hooks)
        with session_scope(engine) as s:
            units = s.execute(select(ProductUnit).where(ProductUnit.code == "pc").order_by(ProductUnit.id)
                              .limit(1000)).scalars().all()
            for u in units:
                u.price_fen += 10
        t0 = time.perf_counter()
        changed = client.pull()
        rows.append((f"{size:,} products: delta pull after 1,000 price changes",
                     f"{time.perf_counter() - t0:.2f} s ({changed} rows)"))
        client.transport.close()
        store.close()
    return rows
