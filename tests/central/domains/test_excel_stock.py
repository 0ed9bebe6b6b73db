"""Opening stock in from Excel: on-hand is brought to the file's quantities by posting only the
difference (so the export imported back, or the same file twice, changes nothing), the ledger
still sums to on-hand, a unit cost values what is added, bad rows are listed and nothing is
written, and a store manager cannot set another store's stock."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.auth.deps import user_principal
from central.cli import main
from central.db import session_scope
from central.excel.importing import ImportResult, run_import
from central.excel.stock import StockImporter
from central.inventory.check import check_stock
from central.inventory.models import StockMovement, StockOnHand
from central.inventory.service import DocLine, receive_purchase
from central.org.models import Warehouse
from central.users.models import User
from tests.central.excel.conftest import make_xlsx  # noqa: F401 (the fixture)

from .conftest import World

HEAD = ["仓库编码", "商品编码", "数量", "成本单价（元）"]


def _on_hand(engine: Engine) -> dict[tuple[int, int], tuple[int, int]]:
    with session_scope(engine, write=False) as s:
        return {(r.warehouse_id, r.product_id): (r.qty_m, r.value_fen) for r in s.scalars(select(StockOnHand))}


def _import(engine: Engine, path: Path, *, dry_run: bool = False, who: object = None) -> ImportResult:
    with session_scope(engine) as s:
        return run_import(s, StockImporter(), path, who=who, dry_run=dry_run)  # type: ignore[arg-type]


def test_opening_stock_round_trip_and_set_quantities(db_url: str, engine: Engine, world: World, tmp_path: Path,
                                                     make_xlsx: Callable[..., Path]) -> None:  # noqa: F811
    with session_scope(engine) as s:
        receive_purchase(s, warehouse_id=world.warehouse, lines=[DocLine(world.cola, Decimal(48), unit_cost_fen=200)])
    before = _on_hand(engine)
    out = tmp_path / "stock.xlsx"
    assert main(["export", "stock", "--out", str(out), "--db", db_url]) == 0
    again = _import(engine, out)
    assert (again.problems, again.unchanged, again.created, again.updated, again.written) == ([], 1, 0, 0, True)
    assert _on_hand(engine) == before
    # cola 48 → 50 (two more at ¥2.50), rice none → 10 at ¥30, apples none → 2.345 kg (no cost known)
    path = make_xlsx([HEAD, ["S01-W1", "1001", 50, 2.5], ["S01-W1", "2001", "10", "30"],
                      ["S01-W1", "3001", 2.345, None]])
    dry = _import(engine, path, dry_run=True)
    assert (dry.problems, dry.created, dry.updated, dry.unchanged, dry.written) == ([], 2, 1, 0, False)
    assert _on_hand(engine) == before
    result = _import(engine, path)
    assert (result.problems, result.created, result.updated, result.written) == ([], 2, 1, True)
    on_hand = _on_hand(engine)
    wh = world.warehouse
    assert on_hand[(wh, world.cola)] == (50_000, 48 * 200 + 2 * 250)
    assert on_hand[(wh, world.rice)] == (10_000, 30_000)
    assert on_hand[(wh, world.apples)][0] == 2_345
    assert _import(engine, path).unchanged == 3  # the same file again: nothing to post
    with session_scope(engine, write=False) as s:
        moves = s.scalars(select(StockMovement).where(StockMovement.source_type == "opening_stock")
                          .order_by(StockMovement.source_line)).all()
        assert [(m.kind, m.qty_m, m.source_line) for m in moves] == [
            ("count_difference", 2_000, 2), ("count_difference", 10_000, 3), ("count_difference", 2_345, 4)]
        assert len({m.source_id for m in moves}) == 1  # one opening document per import
        assert check_stock(s).ok
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "stock.opening")).all()
        assert sorted(e.after["qty_m"] for e in audit) == [2_345, 10_000, 50_000]  # type: ignore[index]
    # lowering a quantity posts the difference out
    assert _import(engine, make_xlsx([HEAD[:3], ["S01-W1", "1001", 0]])).updated == 1
    assert _on_hand(engine)[(wh, world.cola)] == (0, 0)


def test_bad_rows_and_store_scope(db_url: str, engine: Engine, world: World, make_user: Callable[..., int],
                                  make_xlsx: Callable[..., Path]) -> None:  # noqa: F811
    with session_scope(engine) as s:
        s.add(Warehouse(code="OLD-W", name="旧仓", store_id=world.store, active=False))
    bad = make_xlsx([HEAD[:3], ["NOPE", "1001", 1], ["S01-W1", "9999", 1], ["S01-W1", "1001", -1],
                     ["S01-W1", "2001", 1.5], ["S01-W1", "3001", 1.2345], ["OLD-W", "1001", 1],
                     ["S01-W1", "1001", 5], ["S01-W1", "1001", 6], ["S01-W1", "3001", "abc"]])
    result = _import(engine, bad)
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "仓库编码"), (3, "商品编码"), (4, "数量"), (5, "数量"), (6, "数量"), (7, "仓库编码"), (8, "商品编码"),
        (9, "商品编码"), (10, "数量")]
    assert all(p.message and p.message_en for p in result.problems)
    assert not result.written and _on_hand(engine) == {}  # noqa: PT018
    # a store manager of S01 may set S01's stock, not S02's
    manager = make_user("mgr1", role="store_manager", store_id=world.store)
    with session_scope(engine, write=False) as s:
        who = user_principal(s.get(User, manager))
    path = make_xlsx([HEAD[:3], ["S01-W1", "1001", 5], ["S02-W1", "1001", 5]])
    result = _import(engine, path, who=who)
    assert [(p.row, p.column, p.message_en) for p in result.problems] == [
        (3, "仓库编码", "warehouse S02-W1 belongs to another store: you may not set its stock")]
    assert _on_hand(engine) == {}
    assert _import(engine, make_xlsx([HEAD[:3], ["S01-W1", "1001", 5]]), who=who).created == 1
