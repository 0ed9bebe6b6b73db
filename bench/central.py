"""Central server: product lookup by barcode over the API, and sale ingest through the model layer.

On SQLite (a temporary file) and PostgreSQL (a fresh database on POS_TEST_PG_URL, skipped with a
note when none answers), each seeded with `pos-central demo` (2,000 products):

- lookup: `pos-central serve --workers 2` (uvloop + httptools), and the same app under plain uvicorn
  with h11 + TCP_NODELAY (`central.api.server.NoDelayH11Protocol`) for comparison, then client processes on the same machine
  send `GET /api/v1/products/by-barcode/{code}` over keep-alive connections (an admin's bearer token,
  random real barcodes) for a few seconds; p50/p99 latency, requests per second, and the server's
  CPU time per request (its processes' user+system time from /proc, Linux): the one figure that
  does not depend on what else the machine is doing. The clients share the machine's 2 cores with
  the server, so req/s and latency are a floor.
- ingest: 5-line sales (random demo products, a cash payment, some with a member) applied with
  `central.sales.ingest.apply_sale_completed`: one sale per transaction, 100 per transaction (a sync
  push batch), and runs of 100 through `apply_sales_completed` (one statement per table per run);
  sales per second.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

LOOKUP_SECONDS = 6.0
INGEST_SALES = 1500


def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name, make in (("SQLite", _sqlite_db), ("PostgreSQL", _pg_db)):
        with make() as url:
            if url is None:
                rows.append((f"{name}: skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)"))
                continue
            rows.extend(_bench_backend(name, url))
    return rows


@contextmanager
def _sqlite_db() -> Iterator[str | None]:
    with tempfile.TemporaryDirectory(prefix="bench-central-") as d:
        yield f"sqlite:///{Path(d) / 'central.sqlite3'}"


@contextmanager
def _pg_db() -> Iterator[str | None]:
    base = os.environ.get("POS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        plain = base.replace("postgresql+psycopg://", "postgresql://")
        name = f"pos_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(plain, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:
        yield None
        return
    url = f"{base.rsplit('/', 1)[0]}/{name}"
    try:
        yield url
    finally:
        from central.db import dispose_engine

        dispose_engine(url)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _bench_backend(name: str, url: str) -> list[tuple[str, str]]:
    from central.db import get_engine, session_scope
    from central.demo.seed import seed_demo
    from central.migrations import upgrade

    rows = []
    upgrade(url)
    started = time.perf_counter()
    with session_scope(get_engine(url)) as s:
        seed_demo(s)
    rows.append((f"{name}: demo seed (2,000 products, 500 members, 200 customers)",
                 f"{time.perf_counter() - started:.1f} s"))
    rows.extend(_lookup(name, url))
    rows.extend(_ingest(name, url))
    return rows


# ---------------------------------------------------------------------------- lookup over HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(port: int, token: str, codes: list[str], seconds: float, queue: multiprocessing.Queue[tuple[list[float], int]]) -> None:
    rng = random.Random(os.getpid())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        conn.request("GET", f"/api/v1/products/by-barcode/{rng.choice(codes)}", headers=headers)
        resp = conn.getresponse()
        resp.read()
        latencies.append(time.perf_counter() - t0)
        if resp.status != 200:
            errors += 1
    queue.put((latencies, errors))


def _lookup(name: str, url: str) -> list[tuple[str, str]]:
    rows = _lookup_with(name, url, "pos-central serve --workers 2", [
        sys.executable, "-m", "central.cli", "serve", "--db", url, "--workers", "2", "--log-level", "warning"])
    rows += _lookup_with(name, url, "same app, uvicorn --workers 2, h11 + TCP_NODELAY", [
        sys.executable, "-m", "uvicorn", "central.app:app_from_env", "--factory", "--workers", "2",
        "--http", "central.api.server:NoDelayH11Protocol", "--log-level", "warning", "--no-access-log"])
    return rows


def _lookup_with(name: str, url: str, label: str, command: list[str]) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from central.catalog.models import Barcode
    from central.db import get_engine, session_scope

    with session_scope(get_engine(url), write=False) as s:
        codes = list(s.scalars(select(Barcode.barcode)))
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "POS_DATABASE_URL": url}
    server = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        token = _wait_and_login(port)
        rows = []
        for clients in (2, 4):
            queue: multiprocessing.Queue[tuple[list[float], int]] = multiprocessing.Queue()
            procs = [multiprocessing.Process(target=_client, args=(port, token, codes, LOOKUP_SECONDS, queue))
                     for _ in range(clients)]
            cpu_before = _tree_cpu_seconds(server.pid)
            for p in procs:
                p.start()
            results = [queue.get(timeout=LOOKUP_SECONDS + 30) for _ in procs]
            cpu_after = _tree_cpu_seconds(server.pid)
            for p in procs:
                p.join()
            lat = sorted(x for r in results for x in r[0])
            errors = sum(r[1] for r in results)
            p50 = statistics.median(lat) * 1000
            p99 = lat[int(len(lat) * 0.99) - 1] * 1000
            cpu = ""
            if cpu_before is not None and cpu_after is not None:
                cpu = f", server CPU {(cpu_after - cpu_before) / len(lat) * 1e6:,.0f} µs/req"
            rows.append((f"{name}: lookup by barcode, {label}, {clients} clients",
                         f"{len(lat) / LOOKUP_SECONDS:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms{cpu}"
                         + (f", {errors} errors" if errors else "")))
        return rows
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def _tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of `pid` and its descendants (the uvicorn workers), or None off Linux."""
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, cpu seconds)
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _cpu) in stats.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(stats[p][1] for p in tree if p in stats)


def _wait_and_login(port: int) -> str:
    deadline = time.time() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", "/api/v1/auth/login", body=json.dumps({"username": "admin", "password": "admin123"}),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 200:
                return str(json.loads(body)["access_token"])
        except OSError:
            pass
        if time.time() > deadline:
            raise RuntimeError("central did not start within 60 s")
        time.sleep(0.3)


# ---------------------------------------------------------------------------- ingest through the model layer


def _ingest(name: str, url: str) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from central.catalog.models import Product, ProductUnit
    from central.db import get_engine, session_scope
    from central.members.models import Member
    from central.org.models import Store, Terminal
    from central.sales.ingest import apply_sale_completed, apply_sales_completed
    from sync.events import PaymentPayload, SaleCompleted, SaleLinePayload, Tender, uuid7

    engine = get_engine(url)
    with session_scope(engine) as s:
        store_id = s.scalars(select(Store.id).where(Store.code == "S01")).one()
        terminal = Terminal(code=f"BENCH-{uuid.uuid4().hex[:6]}", store_id=store_id, kind="pos", secret_hash="0" * 64)
        s.add(terminal)
        s.flush()
        terminal_id = terminal.id
        units = s.execute(select(Product.id, Product.sku, Product.name, Product.tax_rate_bp, ProductUnit.price_fen)
                          .join(ProductUnit, ProductUnit.product_id == Product.id)
                          .where(ProductUnit.code == "pc", Product.weighed.is_(False))).all()
        members = list(s.scalars(select(Member.id).limit(200)))
    rng = random.Random(5)
    now = datetime.now(UTC)

    def make_sale(n: int) -> SaleCompleted:
        lines = []
        for i, (pid, sku, pname, tax, price) in enumerate(rng.sample(units, 5), start=1):
            qty = rng.randint(1, 3)
            amount = price * qty
            lines.append(SaleLinePayload(
                line_no=i, product_id=pid, sku=sku, name=pname[:200], unit_code="pc", unit_factor=1,
                qty=Decimal(qty), unit_price_fen=price, price_source="base", list_amount_fen=amount,
                line_discount_fen=0, order_discount_fen=0, amount_fen=amount, tax_rate_bp=tax,
                tax_fen=amount * tax // (10000 + tax)))
        total = sum(ln.amount_fen for ln in lines)
        member = rng.choice(members) if rng.random() < 0.3 else None
        return SaleCompleted(
            sale_id=uuid7(), receipt_no=f"B{terminal_id}-{n:07d}", store_id=store_id, terminal_id=terminal_id,
            shift_id=f"bench-shift-{terminal_id}", sold_at=now, lines=lines,
            payments=[PaymentPayload(tender=Tender.CASH, amount_fen=total)], subtotal_fen=total, discount_fen=0,
            rounding_fen=0, total_fen=total, tax_fen=sum(ln.tax_fen for ln in lines), member_id=member,
            points_earned=total // 100 if member else 0)

    rows = []
    sales = [make_sale(n) for n in range(INGEST_SALES * 3)]
    started = time.perf_counter()
    for ev in sales[:INGEST_SALES]:
        with session_scope(engine) as s:
            apply_sale_completed(s, ev, terminal_id=terminal_id, store_id=store_id, received_at=now)
    took = time.perf_counter() - started
    rows.append((f"{name}: ingest 5-line sales, 1 per transaction", f"{INGEST_SALES / took:,.0f} sales/s"))
    started = time.perf_counter()
    batch = sales[INGEST_SALES:INGEST_SALES * 2]
    for i in range(0, len(batch), 100):
        with session_scope(engine) as s:
            for ev in batch[i:i + 100]:
                apply_sale_completed(s, ev, terminal_id=terminal_id, store_id=store_id, received_at=now)
    took = time.perf_counter() - started
    rows.append((f"{name}: ingest 5-line sales, 100 per transaction", f"{len(batch) / took:,.0f} sales/s"))
    started = time.perf_counter()
    runs = sales[INGEST_SALES * 2:]
    for i in range(0, len(runs), 100):
        with session_scope(engine) as s:
            apply_sales_completed(s, runs[i:i + 100], terminal_id=terminal_id, store_id=store_id, received_at=now)
    took = time.perf_counter() - started
    rows.append((f"{name}: ingest 5-line sales, runs of 100 (apply_sales_completed)",
                 f"{len(runs) / took:,.0f} sales/s"))
    from central.inventory.check import check_stock

    with session_scope(engine, write=False) as s:
        assert check_stock(s).ok, "on-hand disagrees with the ledger after the ingest benchmark"
    return rows
