"""`pos-central vouchers …` and `pos-central stored-value …` on a migrated database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from central.cli import main
from central.db import session_scope
from central.members.models import Member
from central.vouchers.models import Voucher
from sync.events import uuid7
from sync.vouchers import is_voucher_code


def test_voucher_commands(db_url: str, engine: Engine, make_store: Callable[..., int],
                          capsys: pytest.CaptureFixture[str]) -> None:
    make_store("S01")
    assert main(["vouchers", "batch-add", "--db", db_url, "--code", "MID50", "--name", "满200减50", "--kind", "value",
                 "--value", "50", "--min-spend", "200", "--to", "2026-12-31", "--store", "S01"]) == 0
    assert "MID50" in capsys.readouterr().out
    assert main(["vouchers", "batch-add", "--db", db_url, "--code", "BAD", "--name", "x", "--kind", "percent"]) == 1
    assert "percent" in capsys.readouterr().err
    assert main(["vouchers", "issue", "--db", db_url, "MID50", "--count", "3"]) == 0
    codes = capsys.readouterr().out.split()
    assert len(codes) == 3
    assert all(is_voucher_code(c) for c in codes)
    assert main(["vouchers", "batches", "--db", db_url]) == 0
    assert "issued 3" in capsys.readouterr().out
    assert main(["vouchers", "void", "--db", db_url, codes[0], "--reason", "挂失"]) == 0
    assert main(["vouchers", "show", "--db", db_url, codes[0]]) == 0
    assert "void" in capsys.readouterr().out
    assert main(["vouchers", "show", "--db", db_url, "nope-nope"]) == 1
    with session_scope(engine, write=False) as s:
        assert sorted(s.scalars(select(Voucher.status))) == ["active", "active", "void"]


def test_stored_value_commands(db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    with session_scope(engine) as s:
        s.add(Member(id=uuid7(), card_no="M0001", phone="13800000001", name="张三"))
    assert main(["stored-value", "rule-add", "--db", db_url, "--name", "充500送50", "--min", "500",
                 "--bonus", "50"]) == 0
    assert main(["stored-value", "rules", "--db", db_url]) == 0
    assert "充 ¥500.00 送 ¥50.00" in capsys.readouterr().out
    assert main(["stored-value", "adjust", "--db", db_url, "13800000001", "--amount", "88.8", "--note", "补赠"]) == 0
    assert main(["stored-value", "adjust", "--db", db_url, "M0001", "--amount", "-100", "--note", "x"]) == 1
    assert main(["stored-value", "show", "--db", db_url, "M0001"]) == 0
    out = capsys.readouterr().out
    assert "储值余额 balance ¥88.80" in out
    assert "adjust" in out
    assert main(["stored-value", "show", "--db", db_url, "M9999"]) == 1
