"""Bootstrap and delta-pull benchmark, central on PostgreSQL (a fresh database on POS_TEST_PG_URL).

- central bulk load: 50,000 / 200,000 products (every tenth also sold by the box) written by COPY,
  then their feed rows built by `feed.rebuild` as a bulk import must (timed: the feed build).
- bootstrap: a fresh terminal downloads the catalog through `SyncClient.bootstrap`; seconds and
  terminal database size.
- delta pull: 1,000 price changes at central (ORM writes, feed rows by the session hooks), then the
  bootstrapped terminal pulls them; seconds.

Progress lines go to stderr as the bench runs.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import _sync_common as common

CATALOG_SIZES = (50_000, 200_000)


def _say(message: str) -> None:
    print(f"[sync_bootstrap {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for size in CATALOG_SIZES:
        with common.pg_db() as url:
            if url is None:
                return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
            rows.extend(_bench_bootstrap(url, size))
    return rows


def bulk_products_copy(url: str, count: int) -> list[int]:
    """The products of `common.bulk_products` (same names, units, barcodes), written by COPY: the
    bench's own set-up, minutes faster than multi-row INSERTs at 200,000 products."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        first = int(cur.execute("SELECT coalesce(max(id), 0) + 1 FROM products").fetchone()[0])  # type: ignore[index]
        ids = range(first, first + count)
        with cur.copy("COPY products (id, sku, name, pinyin, tax_rate_bp, weighed, shelf_life_tracked, active, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for i in ids:
                copy.write_row((i, f"B{i:08d}", f"测试商品{i}号 可口可乐味", f"cssp{i}", 1300, False, False, True,
                                now, now))
        units = [(i * 2, i, "pc", "个", 1, 100 + i % 900) for i in ids]
        units += [(i * 2 + 1, i, "box", "箱", 12, (100 + i % 900) * 12 - 50) for i in ids if i % 10 == 0]
        with cur.copy("COPY product_units (id, product_id, code, name, factor, price_fen) FROM STDIN") as copy:
            for unit in units:
                copy.write_row(unit)
        with cur.copy("COPY barcodes (barcode, product_id, unit_id) FROM STDIN") as copy:
            for uid, pid, code, *_ in units:
                copy.write_row((common.ean13(f"{2 if code == 'box' else 6}{uid:011d}"), pid, uid))
        for table in ("products", "product_units", "barcodes"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    return list(ids)


def _db_size_mb(store: Any, directory: Path) -> float:
    """The terminal database's size with its WAL checkpointed into it (the store's background
    checkpointer is waited for first: while it runs, a TRUNCATE checkpoint answers busy)."""
    for _ in range(50):
        store.wait_checkpointed(30)
        if int(store.one("PRAGMA wal_checkpoint(TRUNCATE)")[0]) == 0:
            break
        time.sleep(0.1)
    return sum(f.stat().st_size for f in directory.iterdir()) / 1e6


# ---------------------------------------------------------------------------- bootstrap and delta


def _bench_bootstrap(url: str, size: int) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from central.catalog.models import ProductUnit
    from central.db import get_engine, session_scope
    from central.syncing import feed
    from terminal.store import open_store
    from terminal.sync_client.client import SyncClient
    from terminal.sync_client.transport import Transport

    rows: list[tuple[str, str]] = []
    store_id = common.stores(url, 1)[0]
    _say(f"{size:,} products: bulk load (COPY) …")
    t0 = time.perf_counter()
    ids = bulk_products_copy(url, size)
    loaded = time.perf_counter() - t0
    _say(f"{size:,} products: loaded in {loaded:.1f} s; building the feed …")
    t0 = time.perf_counter()
    engine = get_engine(url)
    for start in range(0, len(ids), 10_000):
        with session_scope(engine) as s:
            feed.rebuild(s, "product", ids[start:start + 10_000])
        if (start // 10_000) % 5 == 4:
            _say(f"  feed: {start + 10_000:,} / {size:,} products ({time.perf_counter() - t0:.1f} s)")
    built = time.perf_counter() - t0
    _say(f"{size:,} products: feed built in {built:.1f} s")
    rows.append((f"{size:,} products: central bulk load (COPY) / feed build", f"{loaded:.1f} s / {built:.1f} s"))
    tid, credential = common.enrol(url, store_id)
    with tempfile.TemporaryDirectory(prefix="bench-till-") as d, common.server(url, workers=1) as base:
        store = open_store(d)
        with store.transaction():
            for k, v in {"server_url": base, "credential": credential, "terminal_id": str(tid),
                         "store_id": str(store_id)}.items():
                store.set_setting(k, v)
        t0 = time.perf_counter()
        shown = [0]

        def progress(done: int) -> None:
            if done - shown[0] >= 50_000:
                shown[0] = done
                _say(f"  bootstrap: {done:,} rows ({time.perf_counter() - t0:.1f} s)")

        client = SyncClient(store, Transport(base, credential, timeout=120), on_progress=progress)
        _say(f"{size:,} products: bootstrap of a fresh terminal …")
        t0 = time.perf_counter()
        client.bootstrap()
        took = time.perf_counter() - t0
        size_mb = _db_size_mb(store, Path(d))
        products = store.scalar("SELECT count(*) FROM master WHERE entity='product'")
        _say(f"{size:,} products: bootstrapped in {took:.1f} s, {size_mb:,.0f} MB")
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
        pulled = time.perf_counter() - t0
        _say(f"{size:,} products: delta pull of {changed} rows in {pulled:.2f} s")
        rows.append((f"{size:,} products: delta pull after 1,000 price changes", f"{pulled:.2f} s ({changed} rows)"))
        client.transport.close()
        store.close()
    return rows
