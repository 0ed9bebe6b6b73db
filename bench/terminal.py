"""Terminal checkout speed on a 200,000-product local catalog with 30 active promotions.

- scan-to-line: one scan on a 19-line cart (barcode lookup in SQLite, product parse when not
  cached, re-pricing the whole 20-line cart with every promotion) — target p99 ≤ 1 ms;
- commit: `Checkout.complete()` of a paid 20-line sale (re-price, build the event, one
  BEGIN IMMEDIATE … COMMIT with synchronous=FULL: sale, lines, payments, outbox) — target p99 ≤ 2 ms;
  the database part alone (the transaction with its fsync) is reported too;
- push from the till: those sales' events pushed by the real sync client in 500-event batches
  (outbox read, marked sending, body encoded and gzipped, answer recorded) to a stand-in for
  central that answers at once: the till's own cost of a push.
Runs on a real file in a temporary directory on the machine's disk, set up as an enrolled till
(settings as enrolment writes them, including the receipt prefix). Every 100 commits the till's
background thread checkpoints the WAL and restarts it (terminal/store/db.py); the bench waits,
untimed, until such a checkpoint is done before the next sale, as the seconds between two
customers allow at a real till. The same holds for the background backup every N sales
(terminal/store/backup.py): the bench waits for it, untimed, and reports what one backup takes.
Once set up, the bench settles its start-up objects (collect + gc.freeze) as the app does.
CPU figures are this thread's CPU time (time.thread_time), which the load of a shared machine
disturbs much less than wall-clock time.
"""

from __future__ import annotations

import gc
import gzip
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from sync.barcodes import with_check_digit
from sync.catalog import Product, SaleUnit
from sync.events import Tender
from sync.master import Entity
from sync.pricing import price_cart
from sync.promotions import Promotion, PromotionKind
from terminal.catalog import Catalog
from terminal.checkout import Checkout, record_sale
from terminal.runtime import settle_after_startup
from terminal.session import Session
from terminal.shift import open_shift
from terminal.store import Store, open_store
from terminal.store.seed import pinyin_initials, put_master, put_products
from terminal.sync_client.client import PUSH_BATCH, SyncClient
from terminal.sync_client.transport import GZIP_LEVEL, encode

PRODUCTS = 200_000
PROMOTIONS = 30
SCANS = 2_000
COMMITS = 400

_BRANDS = ("康师傅", "统一", "农夫", "蒙牛", "伊利", "海天", "金龙鱼", "立白", "维达", "双汇", "三全", "良品",
           "旺旺", "百事", "可口", "雀巢", "光明", "娃哈哈", "今麦郎", "李锦记")
_ITEMS = ("方便面", "矿泉水", "纯牛奶", "酸奶", "酱油", "食用油", "洗衣液", "抽纸", "火腿肠", "水饺", "饼干", "薯片",
          "绿茶", "可乐", "咖啡", "果汁", "米粉", "醋", "牙膏", "香皂")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.3f} ms, p99 {_pct(values, 0.99) * 1000:.3f} ms"


def _catalog(store: Store) -> None:
    cache: dict[str, str] = {}

    def pinyin(name: str) -> str:
        head = name.split(" ")[0]
        if head not in cache:
            cache[head] = pinyin_initials(head)
        return cache[head]

    def products() -> list[Product]:
        out = []
        for i in range(1, PRODUCTS + 1):
            brand, item = _BRANDS[i % len(_BRANDS)], _ITEMS[(i // len(_BRANDS)) % len(_ITEMS)]
            units = [SaleUnit("pc", 1, 100 + (i * 37) % 9900, (with_check_digit(f"69{i:010d}"),))]
            if i % 5 == 0:
                units.append(SaleUnit("box", 12, (100 + (i * 37) % 9900) * 11, (with_check_digit(f"68{i:010d}"),)))
            out.append(Product(id=i, sku=f"S{i:07d}", name=f"{brand}{item} {i}号", tax_rate_bp=1300,
                               weighed=False, category_id=i % 200, units=tuple(units)))
        return out

    batch = products()
    for k in range(0, len(batch), 20_000):
        put_products(store, batch[k:k + 20_000], pinyin_of=pinyin)


def _promotions(store: Store) -> None:
    now = datetime.now(UTC)
    start, end = now - timedelta(days=1), now + timedelta(days=30)
    rng = random.Random(5)
    for pid in range(1, PROMOTIONS + 1):
        kind = (PromotionKind.PERCENT_OFF, PromotionKind.PRICE_CUT, PromotionKind.BUY_X_GET_Y,
                PromotionKind.THRESHOLD, PromotionKind.GIFT)[pid % 5]
        targets = frozenset(rng.randrange(1, PRODUCTS) for _ in range(2_000))
        params: dict[str, object] = {}
        if kind is PromotionKind.PERCENT_OFF:
            params = {"category_ids": frozenset(rng.sample(range(200), 20)), "percent_off_bp": 500 + 100 * (pid % 10)}
        elif kind is PromotionKind.PRICE_CUT:
            params = {"product_ids": targets, "amount_off_fen": 10}
        elif kind is PromotionKind.BUY_X_GET_Y:
            params = {"product_ids": targets, "buy_qty": 2, "free_qty": 1}
        elif kind is PromotionKind.THRESHOLD:
            params = {"threshold_fen": 5_000 * (1 + pid % 3), "amount_off_fen": 500, "repeat": pid % 2 == 0}
        else:
            params = {"product_ids": targets, "buy_qty": 3, "gift_product_id": 7, "gift_unit_code": "pc",
                      "gift_qty": 1}
        promo = Promotion(id=pid, name=f"促销{pid}", kind=kind, starts_at=start, ends_at=end,
                          exclusive=pid == 30, **params)  # type: ignore[arg-type]
        put_master(store, Entity.PROMOTION, pid, promo.to_dict())


def _setup(directory: Path) -> tuple[Store, Checkout, list[str]]:
    store = open_store(directory)
    with store.transaction():
        for k, v in {"terminal_id": "1", "store_id": "1", "store_code": "S01", "terminal_code": "T01",
                     "receipt_prefix": "S01-T01"}.items():
            store.set_setting(k, v)
    put_master(store, Entity.STORE, 1, {"id": 1, "code": "S01", "name": "基准门店", "rounding_mode": "jiao_down"})
    put_master(store, Entity.USER, 1, {"id": 1, "code": "1001", "name": "收银员", "role": "cashier",
                                       "store_id": 1, "active": True})
    _catalog(store)
    _promotions(store)
    session = Session(store)
    session.sign_in_as(1, reason="bench")
    open_shift(store, session, 0)
    barcodes = [str(r[0]) for r in store.all("SELECT barcode FROM barcode_index")]
    return store, Checkout(store, session, Catalog(store)), barcodes


def _raw_sqlite_floor(path: Path) -> list[float]:
    """What the disk allows: 22 plain inserts and a durable COMMIT, no Python objects around them."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (a INTEGER, b INTEGER, c TEXT, d INTEGER, e INTEGER, f INTEGER)")
    out: list[float] = []
    for i in range(COMMITS):
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", [(i, j, "x" * 40, j, j, j) for j in range(22)])
        conn.execute("COMMIT")
        out.append(time.perf_counter() - t)
    conn.close()
    return out


class _GcPauses:
    """Collector pauses while measuring (a full collection walks every tracked object)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def summary(self) -> str:
        return ", ".join(f"gen{g} {len(v)}× (max {max(v) * 1000:.1f} ms)" if v else f"gen{g} 0×"
                         for g, v in self.pauses.items())


class _AnsweringTransport:
    """Stands in for central: encodes each push body as the real transport does (JSON, gzip) and
    answers every event `applied`, so only the till's side of a push is measured."""

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = gzip.compress(encode(body), compresslevel=GZIP_LEVEL)
        events = orjson.loads(gzip.decompress(raw))["events"]
        return {"results": [{"event_id": e["event_id"], "status": "applied"} for e in events]}


def _push_from_till(store: Store) -> tuple[int, float, float]:
    """Every pending event pushed through `SyncClient.push` (batches of `PUSH_BATCH`: read from the
    outbox, marked sending, encoded, acknowledged); returns (events, wall s, CPU s)."""
    pending = store.outbox.pending_count()
    client = SyncClient(store, _AnsweringTransport())  # type: ignore[arg-type]
    t, c = time.perf_counter(), time.thread_time()
    client.push()
    return pending, time.perf_counter() - t, time.thread_time() - c


def _load() -> str:
    import os

    return f"{os.getloadavg()[0]:.1f}"


def run() -> list[tuple[str, str]]:
    directory = Path(tempfile.mkdtemp(prefix="bench-terminal-"))
    try:
        started = time.perf_counter()
        store, co, barcodes = _setup(directory)
        load_s = time.perf_counter() - started
        rng = random.Random(1)
        size_mb = (directory / "terminal.db").stat().st_size / 1e6
        settle_after_startup()  # as the app does 1 s after it starts (terminal/ui/app.py)

        gc_pauses = _GcPauses()
        gc.callbacks.append(gc_pauses)
        # scan-to-line on a 19-line cart
        for code in rng.sample(barcodes, 19):
            co.scan(code)
        scans: list[float] = []
        scans_cpu: list[float] = []
        for code in rng.sample(barcodes, SCANS):
            t, c = time.perf_counter(), time.thread_time()
            index = co.scan(code)
            scans.append(time.perf_counter() - t)
            scans_cpu.append(time.thread_time() - c)
            if index == 19:
                co._s.items.pop()  # back to 19 lines without an audited void (not what is measured)
                co._changed()
        promos_on_cart = len(co.priced.promotion_ids)
        # the share of sync.pricing.price_cart alone (same 19-line cart + one line, same context)
        co.scan(rng.choice(barcodes))
        cart, ctx = co._cart(), co.catalog.pricing_context(co.clock())
        pricing_only: list[float] = []
        for _ in range(SCANS // 2):
            c = time.thread_time()
            price_cart(cart, ctx)
            pricing_only.append(time.thread_time() - c)
        co.cancel("bench")

        # commit of a paid 20-line sale
        commits: list[float] = []
        commits_cpu: list[float] = []
        db_only: list[float] = []
        for _ in range(COMMITS):
            for code in rng.sample(barcodes, 20):
                co.scan(code)
            co.add_payment(Tender.WECHAT, reference="WX123")
            store.wait_checkpointed()  # a checkpoint under way: done while the customer leaves
            store.wait_backups()  # the background backup every N sales: done while the next is scanned
            t, c = time.perf_counter(), time.thread_time()
            sale = co.complete()
            commits.append(time.perf_counter() - t)
            commits_cpu.append(time.thread_time() - c)
            # the same sale's rows again under new ids: the transaction alone
            payload = sale.payload.model_copy(update={"sale_id": sale.sale_id + "-b",
                                                      "receipt_no": sale.receipt_no + "-b"})
            store.wait_checkpointed()
            t = time.perf_counter()
            with store.transaction():
                env, payload_json = store.outbox.append_for_record(payload, payload.sale_id)
                record_sale(store, payload, env.seq, payload_json)
            db_only.append(time.perf_counter() - t)
        gc.callbacks.remove(gc_pauses)
        t = time.perf_counter()
        store.backup_now("bench")
        backup_s = time.perf_counter() - t
        every, _keep = store.backup_policy()
        lines = store.scalar("SELECT count(*) FROM sale_lines") // (2 * COMMITS)
        pushed, push_s, push_cpu = _push_from_till(store)
        store.close()
        raw = _raw_sqlite_floor(directory / "raw.db")
        return [
            ("catalog", f"{PRODUCTS:,} products, {PROMOTIONS} promotions, {size_mb:.0f} MB, loaded in {load_s:.1f} s"),
            ("scan-to-line (lookup + re-price 20-line cart), wall", _ms(scans) + f" ({SCANS} scans)"),
            ("scan-to-line, CPU time of this thread", _ms(scans_cpu) + f" ({promos_on_cart} promotions on the cart)"),
            ("  of which sync.pricing.price_cart, 20 lines, CPU", _ms(pricing_only)),
            ("commit 20-line sale: Checkout.complete(), wall", _ms(commits) + f" ({COMMITS} sales, {lines} lines)"),
            ("commit 20-line sale: CPU time (excl. waiting for fsync)", _ms(commits_cpu)),
            ("commit 20-line sale: transaction only (FULL fsync)", _ms(db_only)),
            ("floor: raw sqlite3, 22 rows, WAL + FULL, same disk", _ms(raw)),
            (f"backup of the database (background, every {every} sales)", f"{backup_s:.2f} s"),
            ("push from the till, no network: read, encode, acknowledge",
             f"{pushed / push_s:,.0f} events/s, CPU {push_cpu / pushed * 1e6:.0f} µs an event "
             f"({pushed} {lines}-line sale events, {PUSH_BATCH} a batch)"),
            ("Python GC collections while measuring", gc_pauses.summary()),
            ("machine load average (1 min) at the end", _load()),
        ]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
