"""Returns of another till's receipt, against a real `pos-central serve` process: the till fetches the
sale online, returns part of it with the usual rules, still finds its copy offline, and a till of
another store is told nothing. Two tills refunding the same line beyond the sale: central keeps one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from central.db import dispose_engine, make_engine, session_scope
from central.migrations import upgrade
from central.sales.models import SaleLine
from central.users.models import User
from sync.events import SaleCompleted, Tender
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.errors import NotFound
from terminal.returns import find_sale, preview_return, return_sale
from terminal.session import Session, hash_pin
from terminal.shift import open_shift, shift_report
from terminal.store import Store
from tests.sync.procs import Central, free_port
from tests.sync.world import Seeded, Till, ean13, enrol_till, seed
from tests.terminal.helpers import MANAGER_PIN


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Engine, Central, Seeded]]:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    upgrade(url)
    dispose_engine(url)
    engine = make_engine(url)
    seeded = seed(engine, products=5, members=1)
    with session_scope(engine) as s:  # a manager per store, synced to the tills like any user
        for code, sid in seeded.store_ids.items():
            s.add(User(username=f"manager{code}", display_name=f"店长{code}", role="store_manager", store_id=sid,
                       staff_code=f"9{sid:03d}", pin_hash=hash_pin(MANAGER_PIN)))
    server = Central(url, tmp_path / "central.log").start()
    yield engine, server, seeded
    server.stop()
    engine.dispose()


def _manager_session(store: Store) -> Session:
    """The store's manager signed in at the till with an open shift (refunds need no further PIN)."""
    session = Session(store)
    session.sign_in(f"9{int(store.get_setting('store_id') or 0):03d}", MANAGER_PIN)
    open_shift(store, session, 10_000)
    return session


def _sold_at_till_a(engine: Engine, server: Central, seeded: Seeded, tmp: Path) -> tuple[Till, SaleCompleted]:
    till_a = enrol_till(engine, tmp / "a", seeded.store_ids["S01"], server.url)
    sale = till_a.sell(seeded.product_ids[:3], member_id=seeded.member_ids[0], redeem=50, qty=2)
    assert till_a.sync_client().push().acked == 2  # shift.opened + sale.completed
    return till_a, sale


def _returned_qty_m(engine: Engine, sale_id: str) -> dict[int, int]:
    with session_scope(engine, write=False) as s:
        return {ln.line_no: ln.returned_qty_m for ln in s.scalars(select(SaleLine).where(SaleLine.sale_id == sale_id))}


def test_another_tills_receipt_is_fetched_returned_and_kept_for_offline(
        world: tuple[Engine, Central, Seeded], tmp_path: Path) -> None:
    engine, server, seeded = world
    _, sale = _sold_at_till_a(engine, server, seeded, tmp_path)
    till_b = enrol_till(engine, tmp_path / "b", seeded.store_ids["S01"], server.url, seed_=2)
    session = _manager_session(till_b.store)
    # when till B (same store, never saw the sale) looks the receipt up
    found = find_sale(till_b.store, sale.receipt_no)
    # then it has central's copy, with every line returnable
    assert found.remote
    assert found.sale.sale_id == sale.sale_id
    assert [(ln.line_no, ln.qty_left, ln.amount_fen) for ln in found.lines] == \
        [(ln.line_no, ln.qty, ln.amount_fen) for ln in sale.lines]
    # and the return runs the ordinary rules: the preview is what is refunded, points come back
    preview = preview_return(till_b.store, sale.receipt_no, {1: 1})
    done = return_sale(till_b.store, session, sale.receipt_no, {1: 1})
    assert done.payload.total_fen == preview.total_fen == sale.lines[0].amount_fen // 2
    assert [(r.tender, r.amount_fen) for r in done.payload.refunds] == [(Tender.CASH, preview.total_fen)]
    assert done.payload.points_refunded == preview.points_refunded > 0
    assert done.payload.original_sale_id == sale.sale_id
    # it counts in B's own shift report only as a refund (the copied sale is not B's takings)
    report = shift_report(till_b.store, done.payload.shift_id)
    assert (report.sales_count, report.returns_count, report.refunds_by_tender) == \
        (0, 1, {"cash": preview.total_fen})
    # central records it against the original line once B pushes
    pushed = till_b.sync_client().push()
    assert pushed.rejected == 0, [(r["type"], r["code"], r["message_en"]) for r in till_b.store.all("SELECT * FROM sync_quarantine")]
    assert _returned_qty_m(engine, sale.sale_id) == {1: 1000, 2: 0, 3: 0}
    # offline, B still knows the receipt and what is left of it (nothing counted twice)
    server.stop()
    again = find_sale(till_b.store, sale.receipt_no)
    assert [ln.qty_left for ln in again.lines] == [1, 2, 2]
    second = return_sale(till_b.store, session, sale.receipt_no, {1: 1})
    assert second.payload.total_fen == sale.lines[0].amount_fen - done.payload.total_fen
    # an unknown receipt offline: a plain message saying to look it up when online
    with pytest.raises(NotFound) as info:
        find_sale(till_b.store, "T99-12345")
    assert info.value.code == "receipt_offline"
    assert "联网后可查询" in info.value.message


def test_another_store_sees_nothing_and_central_refuses_a_double_refund(
        world: tuple[Engine, Central, Seeded], tmp_path: Path) -> None:
    engine, server, seeded = world
    _, sale = _sold_at_till_a(engine, server, seeded, tmp_path)
    # a till of store S02 (no chain-wide returns) is told the receipt is another store's, nothing more
    till_c = enrol_till(engine, tmp_path / "c", seeded.store_ids["S02"], server.url, seed_=3)
    for receipt, code in ((sale.receipt_no, "other_store_receipt"), ("NO-SUCH-1", "no_receipt")):
        with pytest.raises(NotFound) as info:
            find_sale(till_c.store, receipt)
        assert info.value.code == code
    assert till_c.store.scalar("SELECT count(*) FROM remote_sales") == 0
    # two tills of S01 both fetch the receipt, then each returns all of line 2
    till_b = enrol_till(engine, tmp_path / "b", seeded.store_ids["S01"], server.url, seed_=2)
    till_d = enrol_till(engine, tmp_path / "d", seeded.store_ids["S01"], server.url, seed_=4)
    for till in (till_b, till_d):
        session = _manager_session(till.store)
        find_sale(till.store, sale.receipt_no)
        till.returns_made = return_sale(till.store, session, sale.receipt_no, {2: 2})  # type: ignore[attr-defined]
    till_b.sync_client().push()
    report = till_d.sync_client().push()
    # central took B's and refused D's: line 2 is returned once, never more than sold
    assert report.rejected == 1
    assert _returned_qty_m(engine, sale.sale_id) == {1: 0, 2: 2000, 3: 0}
    # a till that asks now sees line 2 gone
    till_e = enrol_till(engine, tmp_path / "e", seeded.store_ids["S01"], server.url, seed_=5)
    assert [ln.qty_left for ln in find_sale(till_e.store, sale.receipt_no).lines] == [2, 0, 2]


def test_not_enrolled_or_unreachable_till_says_so(tmp_path: Path, store: Store) -> None:
    # the `store` fixture is a till set up without a server: the message says to look it up online
    with pytest.raises(NotFound) as info:
        find_sale(store, "S01-T09-000001")
    assert info.value.code == "no_receipt"
    # enrolled but central is down (nothing listens on the port): offline, quickly and plainly
    with store.transaction():
        store.set_setting("server_url", f"http://127.0.0.1:{free_port()}")
        store.set_setting("credential", "1:secret")
    with pytest.raises(NotFound) as info:
        find_sale(store, "S01-T09-000001")
    assert info.value.code == "receipt_offline"
    assert "offline" in info.value.message_en or "online" in info.value.message_en


def test_the_seller_till_learns_what_another_till_returned(
        world: tuple[Engine, Central, Seeded], tmp_path: Path) -> None:
    engine, server, seeded = world
    # given a real sale rung up at till A (in A's own sales table) and pushed
    till_a = enrol_till(engine, tmp_path / "a", seeded.store_ids["S01"], server.url)
    session_a = _manager_session(till_a.store)
    checkout = Checkout(till_a.store, session_a, Catalog(till_a.store))
    for body in ("690000000001", "690000000001", "690000000002"):
        checkout.scan(ean13(body))
    checkout.add_payment("cash", tendered_fen=checkout.remaining_fen)
    sold = checkout.complete()
    till_a.sync_client().push()
    line1 = find_sale(till_a.store, sold.receipt_no).lines[0]
    assert not find_sale(till_a.store, sold.receipt_no).remote
    # when till B returns one piece of line 1 and pushes it
    till_b = enrol_till(engine, tmp_path / "b", seeded.store_ids["S01"], server.url, seed_=2)
    return_sale(till_b.store, _manager_session(till_b.store), sold.receipt_no, {1: 1})
    assert till_b.sync_client().push().rejected == 0
    # then till A, online, knows: one piece less is left to return there
    again = find_sale(till_a.store, sold.receipt_no)
    assert again.lines[0].qty_left == line1.qty_left - 1
    assert not again.remote
    # and offline it still finds its own sale, with what it last heard
    server.stop()
    assert find_sale(till_a.store, sold.receipt_no).lines[0].qty_left == line1.qty_left - 1
