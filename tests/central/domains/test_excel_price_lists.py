"""Price lists in and out of Excel: the export imported back changes nothing; a file creates lists,
changes and removes prices and keeps the prices it does not mention; bad rows are listed and
nothing is written; tablets see the change through the feed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, select

from central.audit.models import AuditEntry
from central.cli import main
from central.db import session_scope
from central.excel.importing import ImportResult, run_import
from central.excel.price_lists import PriceListImporter
from central.pricing import service
from central.pricing.models import CustomerGroup, PriceList
from central.syncing.models import SyncFeed
from tests.central.excel.conftest import make_xlsx  # noqa: F401 (the fixture)

from .conftest import World

HEAD = ["价目表编码", "价目表名称", "适用于", "对象编码", "商品编码", "单位", "价格（元）", "删除"]


def _lists(engine: Engine) -> dict[str, tuple[object, ...]]:
    with session_scope(engine, write=False) as s:
        return {pl.code: (pl.name, pl.scope, pl.target_id, pl.priority, pl.active,
                          sorted((i.product_id, i.unit_code, i.price_fen) for i in pl.items))
                for pl in s.scalars(select(PriceList))}


def _import(engine: Engine, path: Path, *, dry_run: bool = False) -> ImportResult:
    with session_scope(engine) as s:
        return run_import(s, PriceListImporter(), path, who=None, dry_run=dry_run)


def test_price_lists_round_trip_create_change_remove(db_url: str, engine: Engine, world: World, tmp_path: Path,
                                                     make_xlsx: Callable[..., Path]) -> None:  # noqa: F811
    with session_scope(engine) as s:
        group = CustomerGroup(code="WHOLESALE", name="批发客户")
        s.add(group)
        s.flush()
        service.create_price_list(s, code="PL-W", name="批发价", scope="customer_group", target_id=group.id,
                                  priority=5, items=[{"product_id": world.cola, "unit_code": "pc", "price_fen": 260},
                                                     {"product_id": world.cola, "unit_code": "box", "price_fen": 6000},
                                                     {"product_id": world.rice, "unit_code": "pc", "price_fen": 5500}])
        group_id = group.id
    before = _lists(engine)
    out = tmp_path / "price-lists.xlsx"
    assert main(["export", "price-lists", "--out", str(out), "--db", db_url]) == 0
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert [r[:9] for r in rows[1:]] == [["PL-W", "批发价", "客户分组", "WHOLESALE", 5.0, "是", "1001", "box", 60.0],
                                         ["PL-W", "批发价", "客户分组", "WHOLESALE", 5.0, "是", "1001", "pc", 2.6],
                                         ["PL-W", "批发价", "客户分组", "WHOLESALE", 5.0, "是", "2001", "pc", 55.0]]
    again = _import(engine, out)
    assert (again.problems, again.unchanged, again.created, again.updated) == ([], 3, 0, 0)
    assert _lists(engine) == before
    with session_scope(engine, write=False) as s:
        feed_before = s.scalar(select(SyncFeed.seq).where(SyncFeed.entity == "price_list"))
    # a new list for one customer; in PL-W the can gets cheaper, the box is removed, rice kept
    path = make_xlsx([HEAD, ["PL-C1", "好邻居专享", "客户", "C0001", "1001", "pc", 2.5, None],
                      ["PL-C1", None, None, None, "3001", "kg", "11.80", None],
                      ["PL-W", None, None, None, "1001", "pc", 2.55, None],
                      ["PL-W", None, None, None, "1001", "box", None, "是"]])
    dry = _import(engine, path, dry_run=True)
    assert (dry.problems, dry.created, dry.updated, dry.unchanged, dry.written) == ([], 2, 2, 0, False)
    assert _lists(engine) == before
    result = _import(engine, path)
    assert (result.problems, result.created, result.updated, result.written) == ([], 2, 2, True)
    lists = _lists(engine)
    assert lists["PL-C1"] == ("好邻居专享", "customer", world.customer, 0, True,
                              [(world.cola, "pc", 250), (world.apples, "kg", 1180)])
    assert lists["PL-W"] == ("批发价", "customer_group", group_id, 5, True,
                             [(world.cola, "pc", 255), (world.rice, "pc", 5500)])
    with session_scope(engine, write=False) as s:
        feed = dict(s.execute(select(SyncFeed.entity_id, SyncFeed.seq).where(SyncFeed.entity == "price_list")).all())
        assert set(feed) == {str(pl.id) for pl in s.scalars(select(PriceList))}
        assert all(seq > (feed_before or 0) for seq in feed.values())  # tablets pull both lists again
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "price_list.import")).all()
        assert len(audit) == 2
    # bad rows: listed with their columns, nothing written
    bad = make_xlsx([HEAD, ["PL-X", None, None, None, "1001", "pc", 1, None],          # new list without a name
                     ["PL-W", "改名", None, None, "1001", "pc", 1, None],
                     ["PL-W", "又改名", None, None, "2001", "pc", 1, None],          # disagrees with row 3
                     ["PL-W", None, "客户", "C9999", "1001", "pc", 1, None],
                     ["PL-W", None, "门店", "S01", "1001", "pc", 1, None],
                     ["PL-W", None, None, None, "9999", "pc", 1, None],
                     ["PL-W", None, None, None, "1001", "kg", 1, None],
                     ["PL-W", None, None, None, "3001", "kg", None, None],
                     ["PL-W", None, None, None, "1001", "pc", 3, None],              # repeats row 3
                     ["PL-W", None, None, None, "3001", "kg", "1.234", None]])
    result = _import(engine, bad)
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "价目表名称"), (4, "价目表名称"), (5, "对象编码"), (6, "适用于"), (7, "商品编码"), (8, "单位"),
        (9, "价格（元）"), (10, "单位"), (11, "价格（元）")]
    assert all(p.message and p.message_en for p in result.problems)
    assert not result.written and _lists(engine) == lists  # noqa: PT018
