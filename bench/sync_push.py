"""Push ingest benchmark, central on PostgreSQL (a fresh database on POS_TEST_PG_URL).

`pos-central serve --workers 2`; 1, 10 and 100 simulated terminals (threads spread over client
processes on the same 2-core machine) push pre-built 5-line sales in batches through the real sync
client transport (JSON + gzip over HTTP); aggregate sales/s and p99 batch latency.
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bench import _sync_common as common

PUSH_SCENARIOS = ((1, 1000, 200), (10, 200, 100), (100, 20, 20))
"""(terminals, sales per terminal, batch size)."""


def run() -> list[tuple[str, str]]:
    with common.pg_db() as url:
        if url is None:
            return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
        return _bench_push(url)


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
        shift_id=shift, store_id=store_id, terminal_id=terminal_id, cashier_id=common.CASHIER[0], opened_at=now,
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
    stores = common.stores(url, 10)
    products = common.bulk_products(url, 1000)
    rng = random.Random(7)
    with common.server(url, workers=2) as base:
        for terminals, per_terminal, batch in PUSH_SCENARIOS:
            jobs = []
            for t in range(terminals):
                store_id = stores[t % len(stores)]
                tid, credential = common.enrol(url, store_id)
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


