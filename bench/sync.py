"""Sync engine benchmarks, central on PostgreSQL (a fresh database on POS_TEST_PG_URL).

- push ingest: `pos-central serve --workers 2`; 1, 10 and 100 simulated terminals (threads spread
  over client processes on the same 2-core machine) push pre-built 5-line sales in batches through
  the real sync client transport (JSON + gzip over HTTP); aggregate sales/s and p99 batch latency.
- bootstrap: a fresh terminal downloads a 50,000- and a 200,000-product catalog (every tenth
  product also sold by the box) through `SyncClient.bootstrap`; seconds and terminal database size.
- delta pull: 1,000 price changes at central (ORM writes, feed rows by the session hooks), then the
  bootstrapped terminal pulls them; seconds.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

PUSH_SCENARIOS = ((1, 1000, 200), (10, 200, 100), (100, 20, 20))
"""(terminals, sales per terminal, batch size)."""
CATALOG_SIZES = (50_000, 200_000)


def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with _pg_db() as url:
        if url is None:
            return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
        rows.extend(_bench_push(url))
    for size in CATALOG_SIZES:
        with _pg_db() as url:
            assert url is not None
            rows.extend(_bench_bootstrap(url, size))
    return rows


# ---------------------------------------------------------------------------- plumbing


@contextmanager
def _pg_db() -> Iterator[str | None]:
    base = os.environ.get("POS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        plain = base.replace("postgresql+psycopg://", "postgresql://")
        name = f"pos_bench_sync_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(plain, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:
        yield None
        return
    url = f"{base.rsplit('/', 1)[0]}/{name}"
    try:
        from central.migrations import upgrade

        upgrade(url)
        yield url
    finally:
        from central.db import dispose_engine

        dispose_engine(url)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(url: str, workers: int = 2) -> Iterator[str]:
    import httpx

    port = _free_port()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(20)


def _ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    return body12 + str((10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10)


def _bulk_products(url: str, count: int) -> list[int]:
    """Insert `count` products with units and barcodes by bulk SQL (the hooks cannot see it), then
    build their feed rows with `entities.rebuild` as a bulk import must."""
    from sqlalchemy import insert, select

    from central.catalog.models import Barcode, Product, ProductUnit
    from central.db import get_engine, session_scope

    engine = get_engine(url)
    now = datetime.now(UTC)
    chunk = 5000
    with session_scope(engine) as s:
        first = (s.execute(select(Product.id).order_by(Product.id.desc()).limit(1)).scalar() or 0) + 1
    for start in range(0, count, chunk):
        ids = range(first + start, first + min(count, start + chunk))
        with session_scope(engine) as s:
            s.execute(insert(Product), [{
                "id": i, "sku": f"B{i:08d}", "name": f"测试商品{i}号 可口可乐味", "pinyin": f"cssp{i}",
                "tax_rate_bp": 1300, "weighed": False, "shelf_life_tracked": False, "active": True,
                "created_at": now, "updated_at": now} for i in ids])
            units = [{"id": i * 2, "product_id": i, "code": "pc", "name": "个", "factor": 1, "price_fen": 100 + i % 900}
                     for i in ids]
            units += [{"id": i * 2 + 1, "product_id": i, "code": "box", "name": "箱", "factor": 12,
                       "price_fen": (100 + i % 900) * 12 - 50} for i in ids if i % 10 == 0]
            s.execute(insert(ProductUnit), units)
            s.execute(insert(Barcode), [{"barcode": _ean13(f"{2 if u['code'] == 'box' else 6}{u['id']:011d}"),
                                         "product_id": u["product_id"], "unit_id": u["id"]} for u in units])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("products", "product_units", "barcodes"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return list(range(first, first + count))


def _enrol(url: str, store_id: int) -> tuple[int, str]:
    from central.auth.roles import DeviceKind
    from central.db import get_engine, session_scope
    from central.org import service as org

    with session_scope(get_engine(url)) as s:
        code, _ = org.make_enrolment_code(s, store_id=store_id, kind=DeviceKind.POS)
        terminal, secret = org.enroll(s, code=code)
        return terminal.id, f"{terminal.id}:{secret}"


def _stores(url: str, n: int) -> list[int]:
    """`n` stores, and a cashier (id kept in _CASHIER) for the shifts."""
    from central.db import get_engine, session_scope
    from central.org import service as org
    from central.users.models import User

    with session_scope(get_engine(url)) as s:
        ids = [org.create_store(s, code=f"B{i:02d}", name=f"压测门店{i}").id for i in range(n)]
        user = User(username=f"bench{uuid.uuid4().hex[:6]}", display_name="压测收银员", role="cashier")
        s.add(user)
        s.flush()
        _CASHIER[0] = user.id
        return ids


_CASHIER = [1]


# ---------------------------------------------------------------------------- push ingest


def _sale_events(terminal_id: int, store_id: int, products: list[int], sales: int, rng: random.Random) -> list[dict[str, Any]]:
    from sync.events import (
        PaymentPayload,
        SaleCompleted,
        SaleLinePayload,
        ShiftOpened,
        Tender,
        make_event,
        uuid7,
    )

    shift = uuid7()
    now = datetime.now(UTC)
    events = [make_event(terminal_id=terminal_id, seq=1, payload=ShiftOpened(
        shift_id=shift, store_id=store_id, terminal_id=terminal_id, cashier_id=_CASHIER[0], opened_at=now,
        opening_float_fen=0)).model_dump(mode="json")]
    for n in range(sales):
        lines = []
        for ln, pid in enumerate(rng.sample(products, 5), start=1):
            price = 100 + pid % 900
            lines.append(SaleLinePayload(
                line_no=ln, product_id=pid, sku=f"B{pid:08d}", name=f"测试商品{pid}号", unit_code="pc",
                unit_factor=1, qty=Decimal(1), unit_price_fen=price, price_source="base", list_amount_fen=price,
                line_discount_fen=0, order_discount_fen=0, amount_fen=price, tax_rate_bp=1300,
                tax_fen=price * 1300 // 11300))
        total = sum(x.amount_fen for x in lines)
        sale = SaleCompleted(
            sale_id=uuid7(), receipt_no=f"B{terminal_id}-{n}", store_id=store_id, terminal_id=terminal_id,
            shift_id=shift, sold_at=now, lines=lines, payments=[PaymentPayload(tender=Tender.CASH, amount_fen=total)],
            subtotal_fen=total, discount_fen=0, rounding_fen=0, total_fen=total,
            tax_fen=sum(x.tax_fen for x in lines))
        events.append(make_event(terminal_id=terminal_id, seq=n + 2, payload=sale).model_dump(mode="json"))
    return events


def _client_proc(base: str, jobs: list[tuple[int, str, list[dict[str, Any]]]], batch: int, start_at: float,
                 out: Any) -> None:
    """One client process: a thread per terminal, each pushing its events in batches."""
    from sync.protocol import PROTOCOL_VERSION
    from terminal.sync_client.transport import Transport

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def terminal(tid: int, credential: str, events: list[dict[str, Any]]) -> None:
        try:
            push_all(tid, credential, events)
        except Exception as exc:  # report it in the figures instead of hanging the benchmark
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}"[:120])

    def push_all(tid: int, credential: str, events: list[dict[str, Any]]) -> None:
        with Transport(base, credential, timeout=300, retries=5) as transport:
            # the shift first, untimed, so each sale's shift exists
            transport.post("/api/v1/sync/push", {"protocol_version": PROTOCOL_VERSION, "terminal_id": tid,
                                                 "events": events[:1]})
            while time.time() < start_at:
                time.sleep(0.005)
            for i in range(1, len(events), batch):
                t0 = time.perf_counter()
                answer = transport.post("/api/v1/sync/push", {"protocol_version": PROTOCOL_VERSION,
                                                               "terminal_id": tid, "events": events[i:i + batch]})
                took = time.perf_counter() - t0
                bad = [r for r in answer["results"] if r["status"] not in ("applied", "duplicate")]
                with lock:
                    latencies.append(took)
                    errors.extend(f"{r['status']} {r.get('code')}" for r in bad[:1])

    threads = [threading.Thread(target=terminal, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors, time.time()))


def _bench_push(url: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    stores = _stores(url, 10)
    products = _bulk_products(url, 1000)
    rng = random.Random(7)
    with _server(url, workers=2) as base:
        for terminals, per_terminal, batch in PUSH_SCENARIOS:
            jobs = []
            for t in range(terminals):
                store_id = stores[t % len(stores)]
                tid, credential = _enrol(url, store_id)
                jobs.append((tid, credential, _sale_events(tid, store_id, products, per_terminal, rng)))
            procs_n = min(terminals, 3)
            ctx = multiprocessing.get_context("fork")
            queue = ctx.Queue()
            start_at = time.time() + 3.0
            procs = [ctx.Process(target=_client_proc, args=(base, jobs[i::procs_n], batch, start_at, queue))
                     for i in range(procs_n)]
            for p in procs:
                p.start()
            results = [queue.get() for _ in procs]
            for p in procs:
                p.join()
            latencies = [x for r in results for x in r[0]]
            errors = [x for r in results for x in r[1]]
            wall = max(r[2] for r in results) - start_at
            total = terminals * per_terminal
            p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 2 else latencies[0]
            label = f"push {terminals} terminal{'s' if terminals > 1 else ''} ({batch}/batch, 5-line sales)"
            rows.append((f"{label}: sales/s", f"{total / wall:,.0f} ({total:,} sales in {wall:.1f} s)"))
            rows.append((f"{label}: p99 batch latency", f"{p99 * 1000:,.0f} ms"))
            if errors:
                rows.append((f"{label}: refused", f"{len(errors)} e.g. {errors[0]}"))
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
    store_id = _stores(url, 1)[0]
    t0 = time.perf_counter()
    ids = _bulk_products(url, size)
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = get_engine(url)
    for start in range(0, len(ids), 10_000):
        with session_scope(engine) as s:
            feed.rebuild(s, "product", ids[start:start + 10_000])
    rows.append((f"{size:,} products: central bulk load / feed build", f"{loaded:.1f} s / {time.perf_counter() - t0:.1f} s"))
    tid, credential = _enrol(url, store_id)
    with tempfile.TemporaryDirectory(prefix="bench-till-") as d, _server(url, workers=1) as base:
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
