"""`pos-central export` and `pos-central import` as an operator runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from central.cli import main

pytestmark = pytest.mark.usefixtures("catalogue")


def test_export_import_round_trip_and_exit_codes(db_url: str, tmp_path: Path, make_xlsx: Callable[..., Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    good = make_xlsx([["商品编码", "商品名称", "单位", "零售价（元）"], ["C1", "甲", "个", 1.5], ["C2", "乙", "个", 2]])
    assert main(["import", "products", str(good), "--dry-run", "--db", db_url]) == 0
    assert "可以导入" in capsys.readouterr().out
    assert main(["import", "products", str(good), "--db", db_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) | {"problems": []} == {
        "kind": "products", "dry_run": False, "written": True, "rows": 2, "created": 2, "updated": 0,
        "unchanged": 0, "bad_rows": 0, "problems": [], "problems_not_shown": 0}
    out = tmp_path / "商品.xlsx"
    assert main(["export", "products", "--out", str(out), "--db", db_url]) == 0
    assert "2" in capsys.readouterr().out
    assert main(["import", "products", str(out), "--db", db_url]) == 0
    assert "未变 unchanged 2" in capsys.readouterr().out
    bad = make_xlsx([["商品编码", "商品名称", "单位", "零售价（元）"], ["C3", "丙", "个", "abc"], ["C4", None, "个", 1]])
    assert main(["import", "products", str(bad), "--dry-run", "--db", db_url]) == 1
    text = capsys.readouterr().out
    assert "第 2 行 row 2，零售价（元） / Price (yuan) (D2)" in text
    assert "第 3 行 row 3，商品名称 / Name (B3)" in text
    assert main(["import", "products", str(make_xlsx([["x"]])), "--db", db_url]) == 1
    assert "表头不对" in capsys.readouterr().out
    assert main(["import", "products", str(tmp_path / "none.xlsx"), "--db", db_url]) == 2
