"""Real processes: kill -9 of a till between commit and push, during a push, after central
committed but before the till got the answer; kill -9 of central in the middle of a batch; and a
fault-injecting TCP proxy between till and central. After restarts and sync: exactly once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from central.db import session_scope
from central.sales.models import Sale, SaleLine
from central.syncing.models import SyncEvent
from terminal.store import open_store
from terminal.sync_client import setup
from terminal.sync_client.client import SyncClient
from terminal.sync_client.transport import SyncError, Transport

from .faultproxy import FaultProxy
from .procs import Central, kill9, start_till, terminal_cli, wait_for_line
from .world import Seeded, Till, enrolment_code, seed

pytestmark = pytest.mark.slow

# The till-side crash tests and the proxy test do not depend on central's database: they run on
# PostgreSQL (production) only; killing central mid-batch runs on both; the loop test on SQLite.
ON_PG = pytest.mark.parametrize("central_url", [pytest.param("pg", marks=pytest.mark.pg)], indirect=True)
ON_SQLITE = pytest.mark.parametrize("central_url", ["sqlite"], indirect=True)


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    return seed(central_engine, products=15, members=2)


@pytest.fixture
def central(central_url: str, seeded: Seeded, tmp_path: Path) -> Iterator[Central]:
    server = Central(central_url, tmp_path / "central.log").start()
    yield server
    server.stop()


def enrol(engine: Engine, central: Central, store_id: int, data: Path) -> None:
    code = enrolment_code(engine, store_id)
    done = terminal_cli("enroll", "--server", central.url, "--code", code, "--data", str(data))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["products"] == 15
    assert summary["pending"] == 0


def till_sales(data: Path) -> set[str]:
    with open_store(data) as store:
        return {r[0] for r in store.all(
            "SELECT coalesce(record_id, json_extract(payload, '$.sale_id')) FROM outbox WHERE type='sale.completed'")}


def assert_exactly_once(engine: Engine, data: Path, lines_per_sale: int) -> None:
    sales = till_sales(data)
    with session_scope(engine, write=False) as s:
        central_sales = set(s.execute(select(Sale.id)).scalars())
        events = s.execute(select(func.count()).select_from(SyncEvent).where(SyncEvent.type == "sale.completed")).scalar()
        line_count = s.execute(select(func.count()).select_from(SaleLine)).scalar()
    assert central_sales == sales
    assert events == len(sales)
    assert line_count == len(sales) * lines_per_sale
    with open_store(data) as store:
        assert store.scalar("SELECT count(*) FROM outbox WHERE status <> 'acked'") == 0


def sync_until_done(data: Path, attempts: int = 20) -> None:
    for _ in range(attempts):
        done = terminal_cli("sync", "--data", str(data), "--retries", "2", "--timeout", "10")
        if done.returncode == 0:
            assert json.loads(done.stdout.strip().splitlines()[-1])["pending"] == 0
            return
    raise AssertionError(f"sync never completed: {done.stdout} {done.stderr}")


def central_sale_count(engine: Engine) -> int:
    with session_scope(engine, write=False) as s:
        return int(s.execute(select(func.count()).select_from(Sale)).scalar_one())


@ON_PG
def test_kill_till_between_commit_and_push_during_push_and_before_the_answer(
        central_engine: Engine, central: Central, seeded: Seeded, tmp_path: Path) -> None:
    data = tmp_path / "till"
    enrol(central_engine, central, seeded.store_ids["S01"], data)

    # 1. killed between the local commit and the push
    proc = start_till(data, sales=5, then="wait")
    wait_for_line(proc, "COMMITTED")
    kill9(proc)
    assert central_sale_count(central_engine) == 0
    sync_until_done(data)
    assert_exactly_once(central_engine, data, 2)

    # 2. killed while the push is on the wire (a slow link holds the request)
    proxy = FaultProxy(central.port, weights={"delay": 1.0}, delay_s=1.5).start()
    try:
        proc = start_till(data, sales=5, then="push", server=proxy.url)
        wait_for_line(proc, "PUSHING")
        time.sleep(0.3)
        kill9(proc)
    finally:
        proxy.stop()
    with open_store(data) as store:
        unacked = store.scalar("SELECT count(*) FROM outbox WHERE status <> 'acked'")
        assert store.scalar("SELECT count(*) FROM outbox WHERE status='sending'") == unacked > 0
    sync_until_done(data)
    assert_exactly_once(central_engine, data, 2)

    # 3. killed after central committed, before the answer came back
    proxy = FaultProxy(central.port, weights={"delay": 1.0}, delay_s=2.5).start()
    try:
        proc = start_till(data, sales=6, then="push", server=proxy.url)
        wait_for_line(proc, "PUSHING")
        deadline = time.monotonic() + 30
        while central_sale_count(central_engine) < 16 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert central_sale_count(central_engine) == 16  # committed at central; the answer is held back
        kill9(proc)
    finally:
        proxy.stop()
    with open_store(data) as store:
        unacked = store.scalar("SELECT count(*) FROM outbox WHERE status <> 'acked'")
        assert store.scalar("SELECT count(*) FROM outbox WHERE status='sending'") == unacked > 0
    sync_until_done(data)  # the resend is answered "duplicate", nothing is applied twice
    assert_exactly_once(central_engine, data, 2)


def test_kill_central_in_the_middle_of_a_batch(central_engine: Engine, central: Central, seeded: Seeded,
                                               tmp_path: Path) -> None:
    data = tmp_path / "till"
    enrol(central_engine, central, seeded.store_ids["S01"], data)
    proc = start_till(data, sales=200, then="push", server=central.url, lines=5, batch=200)
    wait_for_line(proc, "PUSHING", timeout=120)
    time.sleep(0.3)
    central.kill9()
    kill9(proc)
    # a batch is one transaction: central holds whole batches (the shift's event and 199 sales, then
    # the last sale), never part of one
    with open_store(data) as store:
        types = [str(r[0]) for r in store.all("SELECT type FROM outbox ORDER BY seq")]
    whole_batches = {sum(t == "sale.completed" for t in types[:end]) for end in range(0, len(types) + 200, 200)}
    assert len(whole_batches) > 2  # the till sent more than one batch: a cut between them is possible
    assert central_sale_count(central_engine) in whole_batches
    central.start()
    sync_until_done(data)
    assert_exactly_once(central_engine, data, 5)


@ON_PG
def test_sync_through_a_fault_injecting_proxy(central_engine: Engine, central: Central, seeded: Seeded,
                                              tmp_path: Path) -> None:
    data = tmp_path / "till"
    proxy = FaultProxy(central.port, weights={"pass": 2, "drop": 1, "lose_answer": 1, "cut_answer": 1, "delay": 1},
                       seed=7, delay_s=0.1).start()
    try:
        # enrolment itself goes direct (a one-time code); the first download and every sync go through faults
        with open_store(data) as store:
            setup.enroll(store, central.url, enrolment_code(central_engine, seeded.store_ids["S01"]))
            store.set_setting("server_url", proxy.url)
        sync_until_done(data, attempts=40)  # the CLI: bootstrap through the faults
        with open_store(data) as store:
            assert store.scalar("SELECT count(*) FROM master WHERE entity='product'") == 15
            till = Till(store=store, client=None, server=proxy.url)
            products = [int(r[0]) for r in store.all("SELECT id FROM master WHERE entity='product'")]
            rounds = 0
            while not {"drop", "lose_answer", "cut_answer", "delay"} <= set(proxy.counts) or rounds < 3:
                rounds += 1
                assert rounds <= 30, proxy.counts
                for i in range(5):
                    till.sell([products[(rounds + i) % 15], products[(rounds + i + 1) % 15]])
                for _ in range(30):
                    transport = Transport(proxy.url, store.get_setting("credential"), timeout=5, retries=2,
                                          backoff=0.01)
                    try:
                        if SyncClient(store, transport, batch=4).sync_round().current:
                            break
                    except SyncError:
                        continue
                    finally:
                        transport.close()
        assert_exactly_once(central_engine, data, 2)
    finally:
        proxy.stop()


@ON_SQLITE
def test_background_loop_shows_offline_in_plain_words_then_catches_up(
        central_engine: Engine, central: Central, seeded: Seeded, tmp_path: Path) -> None:
    from terminal.sync_client.loop import SyncLoop, SyncStatus

    from .procs import free_port

    data = tmp_path / "till"
    enrol(central_engine, central, seeded.store_ids["S01"], data)
    seen: list[SyncStatus] = []
    with open_store(data) as store:
        store.set_setting("server_url", f"http://127.0.0.1:{free_port()}")  # nobody listens there
        till = Till(store=store, client=None, server="")
        sale = till.sell([int(store.scalar("SELECT min(CAST(id AS INTEGER)) FROM master WHERE entity='product'"))])
    loop = SyncLoop(data, interval=0.2, max_interval=0.5, timeout=3, on_change=seen.append).start()
    try:
        deadline = time.monotonic() + 60
        while not (seen and seen[-1].last_error) and time.monotonic() < deadline:
            time.sleep(0.1)
        offline = loop.status
        assert not offline.online
        assert offline.pending == 2  # the shift and the sale wait; selling goes on
        assert offline.last_error is not None
        assert "无法连接" in offline.last_error
        assert "offline" in offline.summary_en
        assert "待上传 2 笔" in offline.summary
        with open_store(data) as store:
            store.set_setting("server_url", central.url)
        loop.trigger()
        while not (loop.status.online and loop.status.pending == 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert loop.status.online
        assert loop.status.pending == 0
        assert loop.status.last_success is not None
    finally:
        loop.stop()
    with session_scope(central_engine, write=False) as s:
        assert s.get(Sale, sale.sale_id) is not None


@ON_PG
def test_tills_of_one_store_pushing_at_once_all_get_through_exactly_once(
        central_engine: Engine, central: Central, seeded: Seeded, tmp_path: Path) -> None:
    import threading

    tills: list[Till] = []
    for i in range(4):
        store = open_store(tmp_path / f"t{i}")
        setup.enroll(store, central.url, enrolment_code(central_engine, seeded.store_ids["S01"]))
        setup.bootstrap(store)
        tills.append(Till(store=store, client=None, server=central.url))
    products = seeded.product_ids
    for n, till in enumerate(tills):
        for k in range(40):  # every till sells the same few products: the same on-hand rows
            till.sell([products[(n + k) % 4], products[(n + k + 1) % 4], products[4 + k % 3]])
    failures: list[BaseException] = []

    def push(till: Till) -> None:
        try:
            with Transport(central.url, till.store.get_setting("credential"), timeout=60, retries=3) as transport:
                SyncClient(till.store, transport, batch=20).push()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=push, args=(t,)) for t in tills]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not failures
    with session_scope(central_engine, write=False) as s:
        central_sales = set(s.execute(select(Sale.id)).scalars())
    assert central_sales == {sid for t in tills for sid in t.sales}
    for till in tills:
        assert till.pending() == 0
        till.store.close()
