"""Members in from Excel: the export imported back changes nothing; new and changed members go
through the members service; bad rows are listed and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from central.audit.service import history
from central.cli import main
from central.db import session_scope
from central.excel.importing import run_import
from central.excel.members import MemberImporter
from central.members.models import Member
from tests.central.excel.conftest import make_xlsx  # noqa: F401 (the fixture)

from .conftest import World

HEAD = ["会员卡号", "手机号", "姓名", "所属门店", "启用"]


def test_members_round_trip_new_changed_and_bad_rows(db_url: str, engine: Engine, world: World, tmp_path: Path,
                                                     make_xlsx: Callable[..., Path]) -> None:  # noqa: F811
    out = tmp_path / "members.xlsx"
    assert main(["export", "members", "--out", str(out), "--db", db_url]) == 0
    with session_scope(engine) as s:
        again = run_import(s, MemberImporter(), out, who=None, dry_run=False)
    assert (again.problems, again.unchanged, again.created, again.updated) == ([], 1, 0, 0)
    path = make_xlsx([HEAD, ["M0001", "13800000001", "张三丰", "S01", "是"], ["M0002", "13900000002", "李四", "S02", None]])
    with session_scope(engine) as s:
        result = run_import(s, MemberImporter(), path, who=None, dry_run=False)
    assert (result.problems, result.created, result.updated) == ([], 1, 1)
    with session_scope(engine, write=False) as s:
        members = {m.card_no: m for m in s.scalars(select(Member))}
        assert members["M0001"].name == "张三丰"
        assert members["M0001"].points_balance == 500  # points are never imported
        assert members["M0002"].home_store_id == world.store2
        assert [e.action for e in history(s, entity_type="member", entity_id=members["M0001"].id)] == ["member.import"]
    bad = make_xlsx([HEAD, ["M0003", "13900000002", "重号", None, None],   # phone of M0002
                     ["M0004", "abc", "坏号", None, None], ["M0005", None, "无店", "S99", None],
                     ["M0003", None, "重卡", None, None], ["M0006", None, "好", None, None]])
    with session_scope(engine) as s:
        result = run_import(s, MemberImporter(), bad, who=None, dry_run=False)
    assert [(p.row, p.column) for p in result.problems] == [(2, "手机号"), (3, "手机号"), (4, "所属门店"), (5, "会员卡号")]
    assert not result.written
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Member.id).where(Member.card_no == "M0006")) is None
