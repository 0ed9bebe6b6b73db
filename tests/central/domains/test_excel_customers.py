"""Customers in from Excel: the export imported back changes nothing; new and changed customers go
through the customers service (field history, audit); bad rows are listed and nothing is written;
a sales rep may not import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from central.audit.service import history
from central.auth.deps import user_principal
from central.cli import main
from central.customers.models import Customer, CustomerFieldChange, customer_dict
from central.db import session_scope
from central.errors import Forbidden
from central.excel.customers import CustomerImporter
from central.excel.importing import run_import
from central.pricing.models import CustomerGroup
from central.users.models import User
from tests.central.excel.conftest import make_xlsx  # noqa: F401 (the fixture)

from .conftest import World

HEAD = ["客户编码", "客户名称", "联系电话", "业务员", "客户分组", "信用额度（元）", "账期(天)", "标签", "启用"]


def _customers(engine: Engine) -> dict[str, dict[str, object]]:
    with session_scope(engine, write=False) as s:
        return {c.code: customer_dict(c) for c in s.scalars(select(Customer))}


def test_customers_round_trip_new_changed_and_bad_rows(db_url: str, engine: Engine, world: World, tmp_path: Path,
                                                       make_xlsx: Callable[..., Path]) -> None:  # noqa: F811
    with session_scope(engine) as s:
        s.add(CustomerGroup(code="WHOLESALE", name="批发客户"))
    # given the customers exported, when the file is imported back, then nothing changes
    before = _customers(engine)
    out = tmp_path / "customers.xlsx"
    assert main(["export", "customers", "--out", str(out), "--db", db_url]) == 0
    with session_scope(engine) as s:
        again = run_import(s, CustomerImporter(), out, who=None, dry_run=False)
    assert (again.problems, again.unchanged, again.created, again.updated) == ([], 2, 0, 0)
    assert _customers(engine) == before
    # a new customer and a changed one (rep moved, credit raised, tags), the others untouched
    path = make_xlsx([HEAD, ["C0003", "新开超市", "021-5555-0101", "rep1", "WHOLESALE", 5000, 45, "超市;浦东", None],
                      ["C0002", "老王餐馆", None, "rep1", None, "2,000.50", None, None, "否"]])
    with session_scope(engine) as s:
        dry = run_import(s, CustomerImporter(), path, who=None, dry_run=True)
    assert (dry.problems, dry.created, dry.updated, dry.written) == ([], 1, 1, False)
    assert _customers(engine) == before
    with session_scope(engine) as s:
        result = run_import(s, CustomerImporter(), path, who=None, dry_run=False)
    assert (result.problems, result.created, result.updated, result.written) == ([], 1, 1, True)
    after = _customers(engine)
    assert after["C0003"]["credit_limit_fen"] == 500_000 and after["C0003"]["tags"] == ["超市", "浦东"]  # noqa: PT018
    assert after["C0003"]["rep_id"] == world.rep and after["C0003"]["credit_days"] == 45  # noqa: PT018
    assert after["C0002"]["rep_id"] == world.rep and after["C0002"]["credit_limit_fen"] == 200_050  # noqa: PT018
    assert after["C0002"]["active"] is False and after["C0002"]["credit_days"] == 0  # noqa: PT018 (empty: kept)
    assert after["C0001"] == before["C0001"]
    with session_scope(engine, write=False) as s:
        fields = sorted(s.scalars(select(CustomerFieldChange.field).where(
            CustomerFieldChange.customer_id == world.other_customer)))
        assert fields == ["active", "credit_limit_fen", "rep_id"]  # each changed field in the history
        assert [e.action for e in history(s, entity_type="customer", entity_id=world.other_customer)] == [
            "customer.import"]
    # bad rows: each listed with its column, and nothing written
    bad = make_xlsx([HEAD, ["C0004", "甲", "电话打不通", None, None, None, None, None, None],
                     ["C0005", "乙", None, "cashier1", None, None, None, None, None],  # not a sales rep
                     ["C0006", "丙", None, None, "NOPE", None, None, None, None],
                     ["C0007", "丁", None, None, None, -5, None, None, None],
                     ["C0008", "戊", None, None, None, None, 400, None, None],
                     ["C 9", "己", None, None, None, None, None, None, None],
                     ["C0004", "庚", None, None, None, None, None, None, None],
                     ["C0010", "好客户", None, None, None, None, None, None, None]])
    with session_scope(engine) as s:
        result = run_import(s, CustomerImporter(), bad, who=None, dry_run=False)
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "联系电话"), (3, "业务员"), (4, "客户分组"), (5, "信用额度（元）"), (6, "账期(天)"), (7, "客户编码"),
        (8, "客户编码")]
    assert all(p.message and p.message_en for p in result.problems)
    assert not result.written
    assert _customers(engine) == after


def test_a_sales_rep_may_not_import_customers(engine: Engine, world: World,
                                              make_xlsx: Callable[..., Path]) -> None:  # noqa: F811
    with session_scope(engine, write=False) as s:
        rep = user_principal(s.get(User, world.rep))
    assert rep.has(CustomerImporter.permission)  # reps may edit their customers' contacts, not import
    path = make_xlsx([HEAD, ["C0001", "改名", None, None, None, None, None, None, None]])
    with session_scope(engine) as s, pytest.raises(Forbidden):
        run_import(s, CustomerImporter(), path, who=rep, dry_run=True)
