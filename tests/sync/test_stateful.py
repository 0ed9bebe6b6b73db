"""Hypothesis stateful test: several tills and a rep's tablet, random offline periods, sales, returns
and points redemptions, field orders, visits and collections, and a network that drops, duplicates,
delays and reorders requests and answers. When the network heals, central holds exactly the union of
what every terminal committed: every sale and return once, the stock ledger and the points ledger
equal to what the tills did, every order, visit and collection of the tablet once.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine

from central.db import dispose_engine, get_engine
from terminal.sync_client.transport import Offline, SyncError, Transport

from .world import Seeded, Tablet, Till, central_counts, enrol_tablet, enrol_till, seed, seed_rep

TILLS = 3


class Network:
    """The shared, misbehaving network: per-till links up or down, and requests held back."""

    def __init__(self) -> None:
        self.up: dict[int, bool] = {}
        self.delayed: list[tuple[Transport, str, dict[str, Any]]] = []
        self.faults = True


class FaultyTransport(Transport):
    """A transport whose requests and answers get lost, doubled, or held back and sent later."""

    def __init__(self, *args: Any, net: Network, till: int, rng: random.Random, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.net, self.till, self.rng = net, till, rng

    def _once(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if not self.net.up.get(self.till, True):
            raise Offline("link down")
        fate = self.rng.choice(["ok", "ok", "ok", "drop_request", "drop_answer", "duplicate", "delay"]) \
            if self.net.faults else "ok"
        if fate == "drop_request":
            raise Offline("request lost")
        if fate == "delay":
            self.net.delayed.append((self, path, body))  # it will arrive later, after newer requests
            raise Offline("timed out")
        answer = super()._once(path, body)
        if fate == "duplicate":
            answer = super()._once(path, body)
        if fate == "drop_answer":
            raise Offline("answer lost")
        return answer

    def deliver(self, path: str, body: dict[str, Any]) -> None:
        try:
            Transport._once(self, path, body)
        except SyncError:
            pass


def make_machine(new_central: Callable[[], tuple[str, Seeded]]) -> type[RuleBasedStateMachine]:
    class SyncMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.url, self.seeded = new_central()
            self.engine: Engine = get_engine(self.url)
            from central.app import create_app

            self.api = TestClient(create_app(self.url), base_url="http://central")
            self.api.__enter__()
            self.dir = Path(tempfile.mkdtemp(prefix="sync-machine-"))
            self.net = Network()
            self.tills: list[Till] = []
            self.tablet: Tablet | None = None
            self.customers: list[int] = []
            self.returned: set[str] = set()

        @initialize()
        def enrol(self) -> None:
            stores = list(self.seeded.store_ids.values())
            for i in range(TILLS):
                till = enrol_till(self.engine, self.dir / f"t{i}", stores[i % len(stores)], "http://central",
                                  self.api, seed_=i)
                self.tills.append(till)
            rep, self.customers = seed_rep(self.engine, stores[0])
            self.tablet = enrol_tablet(self.engine, self.dir / "tablet", stores[0], rep, "http://central", self.api,
                                       seed_=TILLS)

        def terminal(self, i: int) -> Till:
            """Tills 0 … TILLS-1, then the rep's tablet."""
            if i == TILLS:
                assert self.tablet is not None
                return self.tablet
            return self.tills[i]

        def teardown(self) -> None:
            try:
                self.api.__exit__(None, None, None)
                for till in [*self.tills, *([self.tablet] if self.tablet else [])]:
                    till.store.close()
            finally:
                shutil.rmtree(self.dir, ignore_errors=True)
                dispose_engine(self.url)

        def client(self, i: int, seed_: int) -> Any:
            till = self.terminal(i)
            transport = FaultyTransport("http://central", till.store.get_setting("credential"), client=self.api,
                                        retries=1, sleep=lambda _s: None, net=self.net, till=i,
                                        rng=random.Random(seed_))
            return till.sync_client(transport)

        @rule(i=st.integers(0, TILLS - 1), picks=st.lists(st.integers(0, 11), min_size=1, max_size=4, unique=True),
              member=st.sampled_from([None, 0, 1, 2]), redeem=st.sampled_from([0, 0, 30, 2000]))
        def sell(self, i: int, picks: list[int], member: int | None, redeem: int) -> None:
            member_id = None if member is None else self.seeded.member_ids[member]
            self.tills[i].sell([self.seeded.product_ids[p] for p in picks], member_id=member_id,
                               redeem=redeem if member_id else 0)

        @precondition(lambda self: any(t.sales for t in self.tills))
        @rule(i=st.integers(0, TILLS - 1), which=st.integers(0, 100))
        def give_back(self, i: int, which: int) -> None:
            till = self.tills[i]
            open_sales = [s for s in till.sales.values() if s.sale_id not in self.returned]
            if open_sales:
                sale = open_sales[which % len(open_sales)]
                till.give_back(sale)
                self.returned.add(sale.sale_id)

        @rule(customer=st.integers(0, 2), picks=st.lists(st.integers(0, 11), min_size=1, max_size=3, unique=True),
              qty=st.integers(1, 30))
        def rep_takes_an_order(self, customer: int, picks: list[int], qty: int) -> None:
            assert self.tablet is not None  # over the limit or cash on delivery: held or not, never lost
            self.tablet.take_order(self.customers[customer], [self.seeded.product_ids[p] for p in picks], qty=qty,
                                   on_credit=customer == 0)

        @rule(customer=st.integers(0, 2), amount=st.sampled_from([1, 500, 20_000]))
        def rep_visits_and_collects(self, customer: int, amount: int) -> None:
            assert self.tablet is not None
            self.tablet.visit(self.customers[customer])
            self.tablet.collect(self.customers[customer], amount)

        @rule(i=st.integers(0, TILLS))
        def link_flips(self, i: int) -> None:
            self.net.up[i] = not self.net.up.get(i, True)

        @rule(i=st.integers(0, TILLS), seed_=st.integers(0, 2**16))
        def sync(self, i: int, seed_: int) -> None:
            client = self.client(i, seed_)
            try:
                client.push()
                client.pull()
            except SyncError:
                pass

        @precondition(lambda self: bool(self.net.delayed))
        @rule()
        def late_requests_arrive(self) -> None:
            delayed, self.net.delayed = self.net.delayed, []
            for transport, path, body in reversed(delayed):  # and out of order
                transport.deliver(path, body)

        @invariant()
        def nothing_acked_that_central_lacks(self) -> None:
            if not self.tills:
                return
            got = central_counts(self.engine)
            for till in self.tills:
                acked = {r[0] for r in till.store.all(
                    "SELECT coalesce(record_id, json_extract(payload, '$.sale_id')) FROM outbox "
                    "WHERE status='acked' AND type='sale.completed'")}
                assert acked <= got["sales"]
            if self.tablet is not None:
                acked = {r[0] for r in self.tablet.store.all(
                    "SELECT json_extract(payload, '$.order_id') FROM outbox WHERE status='acked' "
                    "AND type='field_order.created'")}
                assert acked <= set(got["orders"])

        def heal_and_check(self) -> None:
            self.net.faults = False
            self.net.up.clear()
            for transport, path, body in self.net.delayed:
                transport.deliver(path, body)  # type: ignore[attr-defined]
            for _ in range(3):
                for i in range(TILLS + 1):
                    report = self.client(i, 0).sync_round()
                assert report is not None
            for till in [*self.tills, *([self.tablet] if self.tablet else [])]:
                assert till.pending() == 0
            got = central_counts(self.engine)
            sales = {sid: s for t in self.tills for sid, s in t.sales.items()}
            returns = {rid: r for t in self.tills for rid, r in t.returns.items()}
            assert got["sales"] == set(sales)
            assert got["returns"] == set(returns)
            stock: dict[int, int] = {}
            for s in sales.values():
                for ln in s.lines:
                    stock[ln.product_id] = stock.get(ln.product_id, 0) - int(ln.qty) * ln.unit_factor * 1000
            for r in returns.values():
                for rl in r.lines:
                    stock[rl.product_id] = stock.get(rl.product_id, 0) + int(rl.qty) * rl.unit_factor * 1000
            assert got["stock"] == stock
            points: dict[str, int] = {}
            for s in sales.values():
                if s.member_id:
                    points[s.member_id] = points.get(s.member_id, 0) + s.points_earned - s.points_redeemed
            nonzero = {m: p for m, p in points.items() if p}
            assert {m: p for m, p in got["points"].items() if p} == nonzero
            if self.tablet is not None:  # every order, visit and collection of the tablet, once
                assert got["orders"] == {o.order_id: o.total_fen for o in self.tablet.orders.values()}
                assert got["visits"] == set(self.tablet.visits)
                assert got["collections"] == {c.collection_id: c.amount_fen for c in self.tablet.collections.values()}

    return SyncMachine


def _run(new_central: Callable[[], tuple[str, Seeded]], examples: int) -> None:
    machine = make_machine(new_central)
    original_teardown = machine.teardown

    def teardown(self: Any) -> None:
        try:
            if self.tills:
                self.heal_and_check()
        finally:
            original_teardown(self)

    machine.teardown = teardown  # type: ignore[method-assign]
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=25, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, Seeded]:
    path = tmp_path_factory.mktemp("machine") / "seeded.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    seeded = seed(get_engine(url), products=12, members=3)
    dispose_engine(url)
    return path, seeded


def test_exactly_once_under_a_misbehaving_network_sqlite(seeded_sqlite: tuple[Path, Seeded], tmp_path: Path) -> None:
    template, seeded = seeded_sqlite

    def new_central() -> tuple[str, Seeded]:
        path = tmp_path / f"c-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copy(template, path)
        return f"sqlite:///{path}", seeded

    _run(new_central, examples=6)


@pytest.mark.pg
def test_exactly_once_under_a_misbehaving_network_postgresql(pg_server_url: str, pg_template: str) -> None:
    import psycopg

    plain = pg_server_url.replace("postgresql+psycopg://", "postgresql://")
    base = pg_server_url.rsplit("/", 1)[0]
    seeded_name = f"pos_sync_seed_{uuid.uuid4().hex[:8]}"
    made = [seeded_name]
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{seeded_name}" TEMPLATE "{pg_template}"')
    seeded = seed(get_engine(f"{base}/{seeded_name}"), products=12, members=3)
    dispose_engine(f"{base}/{seeded_name}")

    def new_central() -> tuple[str, Seeded]:
        name = f"pos_sync_m_{uuid.uuid4().hex[:8]}"
        made.append(name)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{seeded_name}"')
        return f"{base}/{name}", seeded

    try:
        _run(new_central, examples=3)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
