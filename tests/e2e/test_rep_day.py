"""A sales rep's whole day, every part a real process (#13): the tablet takes 30 field orders with no
network, syncs through a proxy that drops requests and loses answers, head office approves the held
order and delivers one order in two parts from two warehouses, the driver brings goods back, and
after the next sync the tablet shows every order's status and the customer's receivables.

Central is `pos-central serve` (SQLite file and PostgreSQL), head office works through
`pos-central orders …`, the tablet through `pos-terminal enroll|simulate|sync`; the test reads the
tablet's own database only at the end, through the same services its screens use."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from central.db import dispose_engine, get_engine, session_scope
from central.finance.models import ReceivableEntry
from central.orders.models import ProductDefaultWarehouse, SalesOrder
from central.org import service as org
from central.syncing.field_entities import load_customers
from terminal.field.customers import Customers
from terminal.field.order_status import my_orders
from terminal.store import open_store
from tests.field.world import seed_field, today
from tests.sync.conftest import central_url, pg_template, sqlite_template  # noqa: F401
from tests.sync.faultproxy import FaultProxy
from tests.sync.procs import ROOT, Central, _env, terminal_cli
from tests.sync.world import seed

ORDERS = 30


def central_cli(*args: str, db: str) -> Any:
    """Run `pos-central ARGS --db DB [--json]` and return its JSON answer."""
    done = subprocess.run([sys.executable, "-m", "central.cli", *args, "--db", db], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout) if "--json" in args else done.stdout


def sync_until_done(data: str, proxy: FaultProxy, tries: int = 25) -> int:
    """`pos-terminal sync` until nothing is pending (each run may fail on the faulty network)."""
    for attempt in range(1, tries + 1):
        ran = terminal_cli("sync", "--data", data, timeout=300)
        lines = ran.stdout.strip().splitlines()
        if ran.returncode == 0 and lines and json.loads(lines[-1]).get("pending") == 0:
            return attempt
    raise AssertionError(f"still pending after {tries} syncs; proxy fates {proxy.counts}")


def two_warehouse_order(db: str) -> dict[str, Any]:
    """An approved order on credit (so delivering it posts receivables) that central split over two
    warehouses, with a line of 2 or more to ship from the first (so it can go in two parts)."""
    for row in central_cli("orders", "list", "--status", "approved", "--json", db=db):
        detail = central_cli("orders", "show", row["order_no"], "--json", db=db)
        warehouses = {d["warehouse_id"] for d in detail["deliveries"]}
        gifts = {ln["line_no"]: ln["is_gift"] for ln in detail["lines"]}
        first, second = detail["deliveries"][:2] if len(warehouses) == 2 else (None, None)
        if (detail["on_credit"] and first and second and any(Decimal(ln["planned_qty"]) >= 2 for ln in first["lines"])
                and any(not gifts[ln["order_line_no"]] for ln in second["lines"])):
            return dict(detail)
    raise AssertionError("no approved order ships from two warehouses")


@pytest.mark.slow
def test_a_rep_day_offline_orders_through_a_faulty_network_then_approval_and_two_part_delivery(
        central_url: str, tmp_path: Path) -> None:  # noqa: F811
    engine = get_engine(central_url)
    seeded = seed(engine, products=30, members=0, stores=("S01",))
    store_id = seeded.store_ids["S01"]
    seed_field(engine, store_id, seeded.product_ids)
    with session_scope(engine) as s:  # even products ship from the store, odd ones from the central warehouse
        store_wh = org.default_warehouse_id(s, store_id)
        central_wh = org.create_warehouse(s, code="CW01", name="中心仓", store_id=None).id
        s.add_all([ProductDefaultWarehouse(product_id=pid, warehouse_id=central_wh if n % 2 else store_wh)
                   for n, pid in enumerate(seeded.product_ids)])
    dispose_engine(central_url)

    server = Central(central_url, tmp_path / "central.log").start()
    proxy = FaultProxy(server.port, seed=13).start()
    try:
        code = central_cli("enroll-code", "--store", "S01", "--kind", "rep", "--rep", "rep01",
                           db=central_url).strip().splitlines()[-1]
        data = str(tmp_path / "tablet")
        enrolled = terminal_cli("enroll", "--server", proxy.url, "--code", code, "--data", data)
        assert enrolled.returncode == 0, enrolled.stderr

        # the day in the field: no network at all
        proxy.set_weights(drop=1.0)
        ran = terminal_cli("simulate", "--orders", str(ORDERS), "--seed", "11", "--data", data, timeout=300)
        assert ran.returncode == 0, ran.stderr
        figures = json.loads(ran.stdout.strip().splitlines()[-1])
        assert figures["orders"] >= ORDERS - 5
        assert figures["held_for_approval"] >= 1
        offline = terminal_cli("sync", "--data", data, timeout=120)
        assert offline.returncode != 0 or json.loads(offline.stdout.strip().splitlines()[-1])["pending"] > 0

        # back in range of a bad network: requests dropped, answers lost or cut after central committed
        proxy.set_weights(**{"pass": 0.5, "drop": 0.15, "lose_answer": 0.2, "cut_answer": 0.15})
        sync_until_done(data, proxy)
        assert proxy.counts.get("lose_answer", 0) + proxy.counts.get("cut_answer", 0) >= 1
        with session_scope(engine, write=False) as s:  # every order exactly once
            assert s.scalar(select(func.count()).select_from(SalesOrder)) == figures["orders"]
            assert s.scalar(select(func.sum(SalesOrder.original_total_fen))) == figures["order_total_fen"]
        dispose_engine(central_url)

        # head office: approve the held order, deliver one order in two parts from two warehouses,
        # the driver brings one unit back
        proxy.set_weights(**{"pass": 1.0})
        held = central_cli("orders", "list", "--status", "held", "--json", db=central_url)
        assert len(held) == figures["held_for_approval"]
        approved = central_cli("orders", "approve", held[0]["order_no"], "--note", "老客户，同意", "--json",
                               db=central_url)
        assert approved["status"] == "approved"
        order = two_warehouse_order(central_url)
        first, second = order["deliveries"][0], order["deliveries"][1]
        part = next(ln for ln in first["lines"] if Decimal(ln["planned_qty"]) >= 2)
        half = Decimal(part["planned_qty"]) // 2
        after_part = central_cli("orders", "deliver", first["delivery_no"], "--line", f"{part['line_no']}={half}",
                                 "--driver", "司机老王", "--json", db=central_url)
        assert after_part["status"] == "partly_delivered"
        backorders = [d for d in after_part["deliveries"] if d["backorder_of"] == first["id"]]
        assert len(backorders) == 1, after_part["deliveries"]
        backorder = backorders[0]
        central_cli("orders", "deliver", backorder["delivery_no"], "--json", db=central_url)
        done = central_cli("orders", "deliver", second["delivery_no"], "--json", db=central_url)
        assert done["status"] == "delivered"
        assert {d["warehouse_id"] for d in done["deliveries"] if d["status"] == "delivered"} == {
            first["warehouse_id"], second["warehouse_id"]}
        gifts = {ln["line_no"]: ln["is_gift"] for ln in order["lines"]}
        paid_line = next(ln for ln in second["lines"] if not gifts[ln["order_line_no"]])
        back = central_cli("orders", "leftovers", second["delivery_no"], "--line", f"{paid_line['line_no']}=1",
                           "--reason", "客户拒收一件", "--json", db=central_url)
        returned_fen = back["returns"][0]["amount_fen"]
        assert returned_fen > 0
        delivered_fen = sum(d["amount_fen"] for d in back["deliveries"] if d["status"] == "delivered")

        # the next sync brings it all back to the tablet
        proxy.set_weights(**{"pass": 0.7, "lose_answer": 0.3})
        sync_until_done(data, proxy)
    finally:
        proxy.stop()
        server.stop()

    store = open_store(data)
    try:
        views = {v.order_no: v for v in my_orders(store)}
        assert len([v for v in views.values() if v.mine]) == figures["orders"]
        assert views[held[0]["order_no"]].status == "approved"
        mine = views[order["order_no"]]
        assert mine.status == "delivered"
        assert mine.status_text == ("已发货", "delivered")
        assert mine.delivered_fen == delivered_fen
        assert mine.returned_fen == returned_fen
        # the customer's receivables on the tablet are central's: the deliveries charged on account
        # (net of what came back), aged the same way
        with session_scope(engine, write=False) as s:
            charged = dict(s.execute(select(ReceivableEntry.doc_no, func.sum(ReceivableEntry.amount_fen))
                                     .where(ReceivableEntry.customer_id == order["customer_id"],
                                            ReceivableEntry.doc_no.like(f"{order['order_no']}%"))
                                     .group_by(ReceivableEntry.doc_no)).all())
            central_row = load_customers(s, [str(order["customer_id"])])[str(order["customer_id"])][0]
        dispose_engine(central_url)
        assert sum(charged.values()) == delivered_fen - returned_fen
        card = Customers(store).card(order["customer_id"], today())
        assert card.balance_fen == central_row["balance_fen"]
        assert card.credit_used_fen == central_row["credit_used_fen"]
        assert [(i.doc_no, i.open_fen) for i in card.open_items] == [
            (i["doc_no"], i["open_fen"]) for i in central_row["open_items"]]
    finally:
        store.close()
