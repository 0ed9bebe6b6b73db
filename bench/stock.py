"""Stock at scale on PostgreSQL: 200,000 products and 10,000,000 stock movements loaded by COPY.

A fresh database (POS_TEST_PG_URL's server) gets one central warehouse holding 200,000 products,
a year of ledger (10,000,000 movements: receipts, sales, returns, transfers, losses, spread over
365 days, busier products moving more), on-hand with value and average cost summed from it,
supplier prices for every product and minimum/maximum levels for a quarter of them. Then:

- a 20,000-line stock count: the sheet opened (snapshot), counted, and **posted** (the figure the
  issue sets: ≤ 5 s);
- last month's stock summary (进销存汇总) over every product of the warehouse (≤ 3 s);
- reorder suggestions for the 200,000-product warehouse (≤ 5 s).

Each figure is wall time with the CPU time of this process beside it (PostgreSQL runs in its own
processes); the load average at the start of each step is printed, since on a shared machine the
wall time mostly measures the load. Smaller sizes (a shared machine): POS_BENCH_STOCK_PRODUCTS,
POS_BENCH_STOCK_MOVEMENTS.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench import _sync_common as common

PRODUCTS = int(os.environ.get("POS_BENCH_STOCK_PRODUCTS", "200000"))
MOVEMENTS = int(os.environ.get("POS_BENCH_STOCK_MOVEMENTS", "10000000"))
COUNT_LINES = min(20_000, PRODUCTS)
DAYS = 365


def run() -> list[tuple[str, str]]:
    with common.pg_db() as url:
        if url is None:
            return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
        return _bench(url)


def _timed(label: str, rows: list[tuple[str, str]], fn: Any) -> Any:
    load = os.getloadavg()[0]
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows.append((label, f"{wall:.2f} s (CPU here {cpu:.2f} s, load {load:.1f})"))
    print(f"[stock] {label}: {wall:.2f} s", flush=True)
    return out


def _bench(url: str) -> list[tuple[str, str]]:
    from sqlalchemy import func, select

    from central.catalog.models import Product
    from central.counts import service as counts
    from central.db import get_engine, session_scope
    from central.org.models import Warehouse
    from central.purchasing.reorder import reorder
    from central.reporting.stock_summary import stock_summary
    from sync.store_time import business_date

    rows: list[tuple[str, str]] = []
    engine = get_engine(url)
    today = business_date(datetime.now(UTC))
    _timed(f"load {PRODUCTS:,} products, {MOVEMENTS:,} movements (COPY)", rows, lambda: _load(url, today))
    with session_scope(engine) as s:
        wid = s.scalars(select(Warehouse.id).where(Warehouse.code == "BW01")).one()
        first_product = int(s.execute(select(func.min(Product.id))).scalar_one())
    rng = random.Random(7)
    counted = rng.sample(range(first_product, first_product + PRODUCTS), COUNT_LINES)

    def open_sheet() -> int:
        with session_scope(engine) as s:
            return counts.open_sheet(s, actor=None, warehouse_id=wid, product_ids=counted).id

    sheet_id = _timed(f"count: open a {COUNT_LINES:,}-line sheet (snapshot)", rows, open_sheet)

    def enter() -> None:
        with session_scope(engine) as s:
            expected = counts.counts_of(s, counts.get_sheet(s, sheet_id))
            counts.enter(s, actor=None, sheet_id=sheet_id, source="tablet", entries=[
                counts.Entry(qty=Decimal(max(0, e + rng.choice([0, 0, 0, 1000, -1000]))) / 1000, product_id=pid)
                for pid, (e, _c, _a) in expected.items()])

    _timed(f"count: enter {COUNT_LINES:,} counts", rows, enter)

    def post() -> int:
        with session_scope(engine) as s:
            return counts.post_sheet(s, actor=None, sheet_id=sheet_id).movements

    moved = _timed(f"count: post {COUNT_LINES:,} lines (target ≤ 5 s)", rows, post)
    rows.append(("count: differences posted", f"{moved:,}"))
    last_to = today.replace(day=1) - timedelta(days=1)
    last_from = last_to.replace(day=1)

    def summary() -> int:
        with session_scope(engine, write=False) as s:
            return len(stock_summary(s, date_from=last_from, date_to=last_to, warehouse_code="BW01").lines)

    lines = _timed(f"stock summary {last_from:%Y-%m}, all products (target ≤ 3 s)", rows, summary)
    rows.append(("stock summary: products in it", f"{lines:,}"))

    def summary_json() -> int:
        with session_scope(engine, write=False) as s:
            return len(stock_summary(s, date_from=last_from, date_to=last_to, warehouse_code="BW01").to_json()["products"])

    _timed("stock summary: the same with its JSON built", rows, summary_json)

    def suggest() -> int:
        with session_scope(engine, write=False) as s:
            return len(reorder(s, warehouse_id=wid).suggestions)

    suggested = _timed(f"reorder for the {PRODUCTS:,}-product warehouse (target ≤ 5 s)", rows, suggest)
    rows.append(("reorder: products suggested", f"{suggested:,}"))
    return rows


def _load(url: str, today: date) -> None:
    """Products, units, a supplier with a price for each, a warehouse and a year of ledger, by COPY;
    on-hand (quantity, value, average) summed from the ledger in SQL; then ANALYZE."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    with psycopg.connect(plain) as conn:
        conn.execute("INSERT INTO suppliers (code, name, active, created_at, updated_at) "
                     "VALUES ('BSUP', '基准供应商', true, now(), now())")
        conn.execute("INSERT INTO warehouses (code, name, active, created_at, updated_at) "
                     "VALUES ('BW01', '基准仓', true, now(), now())")
        wid = conn.execute("SELECT id FROM warehouses WHERE code = 'BW01'").fetchone()[0]  # type: ignore[index]
        sid = conn.execute("SELECT id FROM suppliers WHERE code = 'BSUP'").fetchone()[0]  # type: ignore[index]
        with conn.cursor() as cur, cur.copy(
                "COPY products (sku, name, pinyin, tax_rate_bp, weighed, shelf_life_tracked, active, created_at, "
                "updated_at) FROM STDIN") as copy:
            stamp = now.isoformat()
            for i in range(PRODUCTS):
                copy.write_row((f"B{i:07d}", f"基准商品{i}", "jzsp", 1300, False, i % 20 == 0, True, stamp, stamp))
        first = conn.execute("SELECT min(id) FROM products").fetchone()[0]  # type: ignore[index]
        ids = range(first, first + PRODUCTS)
        with conn.cursor() as cur, cur.copy("COPY product_units (product_id, code, name, factor, price_fen) "
                                            "FROM STDIN") as copy:
            for pid in ids:
                copy.write_row((pid, "pc", "个", 1, 100 + pid % 5000))
        with conn.cursor() as cur, cur.copy(
                "COPY supplier_products (supplier_id, product_id, unit_code, unit_factor, price_fen, lead_time_days, "
                "min_order_units, preferred, updated_at) FROM STDIN") as copy:
            for pid in ids:
                copy.write_row((sid, pid, "pc", 1, 70 + pid % 3500, 3, 1, True, stamp))
        conn.commit()
        with conn.cursor() as cur, cur.copy(
                "COPY stock_movements (warehouse_id, product_id, kind, qty_m, balance_after_m, unit_cost_fen, value_fen, "
                "source_type, source_id, source_line, occurred_at, recorded_at) FROM STDIN") as copy:
            for row in _movements(wid, first, today):
                copy.write_row(row)
        conn.commit()
        conn.execute(
            "INSERT INTO stock_on_hand (warehouse_id, product_id, qty_m, value_fen, avg_cost_mfen, updated_at) "
            "SELECT warehouse_id, product_id, sum(qty_m), sum(value_fen), "
            "CASE WHEN sum(qty_m) > 0 THEN sum(value_fen) * 1000000 / sum(qty_m) ELSE 1000000 END, now() "
            "FROM stock_movements GROUP BY warehouse_id, product_id")
        # a quarter of the products have minimum / maximum levels
        conn.execute(
            "INSERT INTO stock_levels (warehouse_id, product_id, min_m, max_m, updated_at) "
            "SELECT warehouse_id, product_id, 20000, 80000, now() FROM stock_on_hand WHERE product_id % 4 = 0")
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()


def _movements(wid: int, first: int, today: date) -> Iterator[tuple[Any, ...]]:
    """A year of movements, in time order: 4% receipts (+24 at ¥1.00), sales of 1–3, some returns
    and losses; the first tenth of the products (the popular ones) get 60% of the movements.
    (`balance_after_m` is not kept up here: nothing below reads it.)"""
    rng = random.Random(3)
    per_day = MOVEMENTS // DAYS
    start = today - timedelta(days=DAYS - 1)
    n = 0
    for d in range(DAYS):
        day = start + timedelta(days=d)
        stamps = [datetime(day.year, day.month, day.day, h, tzinfo=UTC).isoformat() for h in range(1, 14)]
        count = per_day if d < DAYS - 1 else MOVEMENTS - n
        for _ in range(count):
            n += 1
            pid = first + (rng.randrange(PRODUCTS // 10) if rng.random() < 0.6 else rng.randrange(PRODUCTS))
            r = rng.random()
            if r < 0.04:
                kind, qty, value = "purchase_receipt", 24_000, 2400
            elif r < 0.96:
                q = rng.choice((1000, 1000, 2000, 3000))
                kind, qty, value = "sale", -q, -q // 10
            elif r < 0.99:
                kind, qty, value = "return", 1000, 100
            else:
                kind, qty, value = "loss", -1000, -100
            at = stamps[n % 13]
            yield (wid, pid, kind, qty, 0, 100, value, kind, f"B{n}", 1, at, at)
