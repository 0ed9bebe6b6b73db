"""Plumbing shared by the sync benchmarks: a throwaway PostgreSQL database, a central server
subprocess, bulk-loaded products, enrolled terminals."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------- plumbing


@contextmanager
def pg_db() -> Iterator[str | None]:
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, workers: int = 2) -> Iterator[str]:
    import httpx

    port = free_port()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    # POS_BENCH_SERVER_LOG=FILE keeps the server's log (a 500 during a benchmark is then readable)
    log_path = os.environ.get("POS_BENCH_SERVER_LOG")
    log: Any = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"],
                            stdout=log, stderr=log, env=env, cwd=root)
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
        if log_path:
            log.close()


def ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    return body12 + str((10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10)


def bulk_products(url: str, count: int) -> list[int]:
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
            s.execute(insert(Barcode), [{"barcode": ean13(f"{2 if u['code'] == 'box' else 6}{u['id']:011d}"),
                                         "product_id": u["product_id"], "unit_id": u["id"]} for u in units])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("products", "product_units", "barcodes"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return list(range(first, first + count))


def enrol(url: str, store_id: int) -> tuple[int, str]:
    from central.auth.roles import DeviceKind
    from central.db import get_engine, session_scope
    from central.org import service as org

    with session_scope(get_engine(url)) as s:
        code, _ = org.make_enrolment_code(s, store_id=store_id, kind=DeviceKind.POS)
        terminal, secret = org.enroll(s, code=code)
        return terminal.id, f"{terminal.id}:{secret}"


def stores(url: str, n: int) -> list[int]:
    """`n` stores, each with a cashier of its own (id kept in CASHIER by store) for its shifts and
    sales: central checks that a sale's cashier is till staff of the till's store."""
    from central.db import get_engine, session_scope
    from central.org import service as org
    from central.users.models import User

    with session_scope(get_engine(url)) as s:
        ids = [org.create_store(s, code=f"B{i:02d}", name=f"压测门店{i}").id for i in range(n)]
        for store_id in ids:
            user = User(username=f"bench{uuid.uuid4().hex[:6]}", display_name="压测收银员", role="cashier",
                        store_id=store_id)
            s.add(user)
            s.flush()
            CASHIER[store_id] = user.id
        return ids


CASHIER: dict[int, int] = {}
"""Store id → its cashier's user id."""


