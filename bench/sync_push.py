"""Push ingest benchmark, central on PostgreSQL (a fresh database on POS_TEST_PG_URL).

`pos-central serve --workers 2`; 1, 10 and 100 simulated terminals (threads spread over client
processes on the same 2-core machine), each in its own store (ten stores, so 100 terminals share
them ten to a store), push pre-built 5-line sales in batches of the size a real terminal uses
(`terminal.sync_client.client.PUSH_BATCH`) through the real sync client transport (JSON + gzip over
HTTP). All terminals start together (a barrier) after their shift is pushed, untimed.

Figures: aggregate sales/s (sales of the scenario / wall time from the start to the last answer)
and p50/p99 batch latency. Honest by construction: every event must come back `applied` (a
duplicate, rejection or deferral is reported as a failure row), and afterwards central must hold
exactly that many sales of these terminals with stock on-hand equal to the ledger.
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bench import _sync_common as common

PUSH_SCENARIOS = ((1, 5_000), (10, 2_000), (100, 200))
"""(terminals, sales per terminal)."""
CLIENT_PROCESSES = 2


def run() -> list[tuple[str, str]]:
    with common.pg_db() as url:
        if url is None:
            return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
        return _bench_push(url)


def _progress(message: str) -> None:
    print(f"[sync_push] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- push ingest


def _sale_events(terminal_id: int, store_id: int, products: list[int], sales: int,
                 rng: random.Random) -> list[dict[str, Any]]:
    """A shift.opened then `sales` 5-line cash sales, as outbox events in wire form."""
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
        shift_id=shift, store_id=store_id, terminal_id=terminal_id, cashier_id=common.CASHIER[store_id], opened_at=now,
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
            sale_id=uuid7(), receipt_no=f"B{terminal_id}-{n}", store_id=store_id,
            terminal_id=terminal_id, shift_id=shift, cashier_id=common.CASHIER[store_id], sold_at=now, lines=lines,
            payments=[PaymentPayload(tender=Tender.CASH, amount_fen=total)],
            subtotal_fen=total, discount_fen=0, rounding_fen=0, total_fen=total,
            tax_fen=sum(x.tax_fen for x in lines))
        events.append(make_event(terminal_id=terminal_id, seq=n + 2, payload=sale).model_dump(mode="json"))
    return events


def _client_proc(base: str, jobs: list[tuple[int, str, list[dict[str, Any]]]], batch: int, barrier: Any,
                 out: Any) -> None:
    """One client process: a thread per terminal, each pushing its events in batches."""
    from sync.protocol import PROTOCOL_VERSION
    from terminal.sync_client.client import PUSH_PATH
    from terminal.sync_client.transport import Transport

    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[str, int] = {}
    started: list[float] = []
    lock = threading.Lock()

    def terminal(tid: int, credential: str, events: list[dict[str, Any]]) -> None:
        try:
            push_all(tid, credential, events)
        except Exception as exc:  # report it in the figures instead of hanging the benchmark
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}"[:120])
            barrier.abort()

    def push_all(tid: int, credential: str, events: list[dict[str, Any]]) -> None:
        with Transport(base, credential, timeout=300, retries=5) as transport:
            # the shift first, untimed, so each sale's shift exists
            transport.post(PUSH_PATH, {"protocol_version": PROTOCOL_VERSION, "terminal_id": tid,
                                       "events": events[:1]})
            barrier.wait()
            with lock:
                started.append(time.time())
            for i in range(1, len(events), batch):
                chunk = events[i:i + batch]
                t0 = time.perf_counter()
                answer = transport.post(PUSH_PATH, {"protocol_version": PROTOCOL_VERSION, "terminal_id": tid,
                                                    "events": chunk})
                took = time.perf_counter() - t0
                results = answer["results"]
                with lock:
                    latencies.append(took)
                    for r in results:
                        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                    if len(results) != len(chunk):
                        errors.append(f"{len(chunk)} events sent, {len(results)} answered")
                    errors.extend(f"{r['status']} {r.get('code')}: {r.get('message_en')}"[:120]
                                  for r in results if r["status"] != "applied")

    threads = [threading.Thread(target=terminal, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors, statuses, min(started, default=time.time()), time.time()))


def _central_check(url: str, terminal_ids: list[int]) -> tuple[int, bool]:
    """Sales central holds for these terminals, and whether on-hand equals the stock ledger and no
    honest sale was flagged (central checks every sale's prices and cashier: a flag here would mean
    the benchmark measured the flagging, not the checks)."""
    from sqlalchemy import func, select

    from central.db import get_engine, session_scope
    from central.inventory.check import check_stock
    from central.review.models import ReviewFlag
    from central.sales.models import Sale

    with session_scope(get_engine(url), write=False) as s:
        held = int(s.scalar(select(func.count()).select_from(Sale).where(Sale.terminal_id.in_(terminal_ids))) or 0)
        flagged = int(s.scalar(select(func.count()).select_from(ReviewFlag)) or 0)
        return held, check_stock(s).ok and flagged == 0


def _bench_push(url: str) -> list[tuple[str, str]]:
    from terminal.sync_client.client import PUSH_BATCH

    rows: list[tuple[str, str]] = []
    stores = common.stores(url, 10)
    products = common.bulk_products(url, 1000)
    rng = random.Random(7)
    batch = PUSH_BATCH
    with common.server(url, workers=2) as base:
        for terminals, per_terminal in PUSH_SCENARIOS:
            _progress(f"{terminals} terminal(s) × {per_terminal:,} sales: building events")
            jobs = []
            for t in range(terminals):
                store_id = stores[t % len(stores)]
                tid, credential = common.enrol(url, store_id)
                jobs.append((tid, credential, _sale_events(tid, store_id, products, per_terminal, rng)))
            procs_n = min(terminals, CLIENT_PROCESSES)
            ctx = multiprocessing.get_context("fork")
            queue = ctx.Queue()
            barrier = ctx.Barrier(terminals)
            procs = [ctx.Process(target=_client_proc, args=(base, jobs[i::procs_n], batch, barrier, queue))
                     for i in range(procs_n)]
            for p in procs:
                p.start()
            results = [queue.get() for _ in procs]
            for p in procs:
                p.join()
            latencies = sorted(x for r in results for x in r[0])
            errors = [x for r in results for x in r[1]]
            statuses: dict[str, int] = {}
            for r in results:
                for k, v in r[2].items():
                    statuses[k] = statuses.get(k, 0) + v
            wall = max(r[4] for r in results) - min(r[3] for r in results)
            total = terminals * per_terminal
            held, stock_ok = _central_check(url, [j[0] for j in jobs])
            p50 = statistics.median(latencies) if latencies else float("nan")
            p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 2 else (
                latencies[0] if latencies else float("nan"))
            label = f"push {terminals} terminal{'s' if terminals > 1 else ''} ({batch}/batch, 5-line sales)"
            scenario = [(f"{label}: sales/s", f"{total / wall:,.0f} ({total:,} sales in {wall:.1f} s)"),
                        (f"{label}: batch latency p50 / p99",
                         f"{p50 * 1000:,.0f} ms / {p99 * 1000:,.0f} ms ({len(latencies)} batches)")]
            if errors or statuses.get("applied", 0) != total or held != total or not stock_ok:
                scenario.append((f"{label}: FAILED", f"applied {statuses.get('applied', 0):,} of {total:,}, "
                                 f"central holds {held:,}, stock {'ok' if stock_ok else 'MISMATCH'}; "
                                 f"{len(errors)} errors e.g. {errors[0] if errors else '-'}"))
            rows.extend(scenario)
            _progress("; ".join(f"{k}: {v}" for k, v in scenario))
    return rows
