"""Rep tablet benchmark (#13): a rep with 300 customers, each with its own price list, and a
200,000-product catalog, central on PostgreSQL (a fresh database on POS_TEST_PG_URL).

- bootstrap of a fresh rep tablet through `SyncClient.bootstrap` (target ≤ 10 s);
- re-pricing a 50-line order after a quantity change, as the order screen does on every change
  (`FieldOrders.price` with the customer card read once): p50 / p99 (target p99 ≤ 5 ms);
- committing an order with its outbox event (`FieldOrders.submit`, WAL + synchronous=FULL), one
  order for each customer in turn: p50 / p99 (target p99 ≤ 2 ms), with the CPU time beside the wall
  time. `submit` prices and checks the order again (the customer's card, credit, floor prices) before
  it writes, so the figure includes a re-price.

Progress lines go to stderr.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench import _sync_common as common
from bench.sync_bootstrap import bulk_products_copy

CATALOG = 200_000
CUSTOMERS = 300
PRICE_LIST_ITEMS = 50
ORDER_LINES = 50
REPRICES = 1000
COMMITS = 300


def _say(message: str) -> None:
    print(f"[field {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run() -> list[tuple[str, str]]:
    with common.pg_db() as url:
        if url is None:
            return [("skipped", "no PostgreSQL reachable (set POS_TEST_PG_URL)")]
        return _bench(url)


def _seed_rep(url: str, store_id: int, product_ids: list[int]) -> tuple[int, str]:
    """The rep, 300 customers with a price list of 50 products each, and the rep tablet's credential."""
    from argon2 import PasswordHasher

    from central.auth.roles import DeviceKind
    from central.customers.models import Customer
    from central.db import get_engine, session_scope
    from central.org import service as org
    from central.pricing.models import PriceList, PriceListItem
    from central.users.models import User

    rng = random.Random(5)
    with session_scope(get_engine(url)) as s:
        rep = User(username="benchrep", display_name="压测业务员", role="sales_rep", store_id=store_id,
                   staff_code="9150", pin_hash=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("2468"))
        s.add(rep)
        s.flush()
        customers = [Customer(code=f"BC{i:04d}", name=f"压测客户{i}", rep_id=rep.id, tags=[], contacts=[],
                              credit_limit_fen=5_000_000, credit_days=30, customer_type="direct", discount_bp=200,
                              contact_phone=f"139{i:08d}") for i in range(CUSTOMERS)]
        s.add_all(customers)
        s.flush()
        for c in customers:
            pl = PriceList(code=f"BPL{c.id}", name=f"{c.name} 协议价", scope="customer", target_id=c.id)
            for pid in rng.sample(product_ids[:20_000], PRICE_LIST_ITEMS):
                pl.items.append(PriceListItem(product_id=pid, unit_code="pc", price_fen=90 + pid % 500))
            s.add(pl)
        code, _ = org.make_enrolment_code(s, store_id=store_id, kind=DeviceKind.REP, rep_user_id=rep.id)
        terminal, secret = org.enroll(s, code=code)
        return rep.id, f"{terminal.id}:{secret}"


def _bench(url: str) -> list[tuple[str, str]]:
    from central.db import get_engine, session_scope
    from central.syncing import feed
    from terminal.field.app import FieldApp
    from terminal.field.orders import OrderDraft, OrderLineInput
    from terminal.store import open_store
    from terminal.sync_client.client import SyncClient
    from terminal.sync_client.transport import Transport

    rows: list[tuple[str, str]] = []
    store_id = common.stores(url, 1)[0]
    _say(f"{CATALOG:,} products by COPY and their feed …")
    ids = bulk_products_copy(url, CATALOG)
    engine = get_engine(url)
    for start in range(0, len(ids), 10_000):
        with session_scope(engine) as s:
            feed.rebuild(s, "product", ids[start:start + 10_000])
    _say(f"{CUSTOMERS} customers with {PRICE_LIST_ITEMS}-item price lists …")
    rep_id, credential = _seed_rep(url, store_id, ids)
    terminal_id = credential.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="bench-rep-") as d, common.server(url, workers=1) as base:
        store = open_store(d)
        with store.transaction():
            for k, v in {"server_url": base, "credential": credential, "terminal_id": terminal_id,
                         "store_id": str(store_id), "terminal_kind": "rep", "rep_id": str(rep_id)}.items():
                store.set_setting(k, v)
        client = SyncClient(store, Transport(base, credential, timeout=120))
        _say("bootstrap of a fresh rep tablet …")
        t0 = time.perf_counter()
        client.bootstrap()
        took = time.perf_counter() - t0
        size_mb = sum(f.stat().st_size for f in Path(d).iterdir()) / 1e6
        customers = len(store.master.rows("customer"))
        rows.append((f"rep tablet bootstrap: {CATALOG:,} products, {customers} customers with price lists",
                     f"{took:.1f} s ({size_mb:,.0f} MB)"))
        _say(f"bootstrapped in {took:.1f} s")
        client.transport.close()

        app = FieldApp(store)
        app.session.sign_in("2468")
        card = app.customers.card(str(app.customers.infos()[0].id), app.today_date())
        rng = random.Random(9)
        draft = OrderDraft(customer_key=card.key, lines=[
            OrderLineInput(pid, "box" if pid % 10 == 0 and n % 3 == 0 else "pc", rng.randint(1, 12))
            for n, pid in enumerate(rng.sample(ids[:20_000], ORDER_LINES))])
        app.orders.price(draft, card=card)  # warm the catalog's caches, as the open order screen has
        wall: list[float] = []
        for i in range(REPRICES):
            n = i % ORDER_LINES
            draft.lines[n] = replace(draft.lines[n], qty=rng.randint(1, 12))
            t0 = time.perf_counter()
            app.orders.price(draft, card=card)
            wall.append((time.perf_counter() - t0) * 1000)
        rows.append((f"re-price a {ORDER_LINES}-line order after a change: p50 / p99",
                     f"{_pct(wall, 50):.2f} ms / {_pct(wall, 99):.2f} ms"))
        commit_wall: list[float] = []
        commit_cpu: list[float] = []
        keys = [str(c.id) for c in app.customers.infos()]
        for n in range(COMMITS):  # one order for each customer in turn, as a rep's day goes
            order = replace(draft, customer_key=keys[n % len(keys)])
            t0, c0 = time.perf_counter(), time.process_time()
            app.orders.submit(app.session, order)
            commit_wall.append((time.perf_counter() - t0) * 1000)
            commit_cpu.append((time.process_time() - c0) * 1000)
        rows.append((f"commit a {ORDER_LINES}-line order + outbox event: p50 / p99 (CPU p50 / p99)",
                     f"{_pct(commit_wall, 50):.2f} ms / {_pct(commit_wall, 99):.2f} ms "
                     f"({_pct(commit_cpu, 50):.2f} / {_pct(commit_cpu, 99):.2f} ms)"))
        store.close()
    return rows
