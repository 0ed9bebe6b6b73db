"""Products in and out of Excel: the round trip changes nothing, every bad row is reported with
its row, column and reason, and a real import writes all rows or none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, func, select

from central.audit.service import history
from central.catalog import service
from central.catalog.models import Barcode, Product, ProductUnit
from central.catalog.schemas import ProductOut
from central.db import session_scope
from central.excel.importing import ImportResult, run_import
from central.excel.kinds import EXPORTS
from central.excel.products import ProductImporter
from central.excel.writer import write_xlsx
from sync.barcodes import with_check_digit

HEAD = ["商品编码\nSKU", "商品名称\nName", "单位\nUnit", "零售价（元）\nPrice (yuan)", "条码\nBarcodes"]
EAN_A = with_check_digit("690123456789")
EAN_B = with_check_digit("690123456790")
EAN_ZERO = with_check_digit("001234567890")  # an EAN-13 with two leading zeros


def _import(engine: Engine, path: Path, *, dry_run: bool = False) -> ImportResult:
    with session_scope(engine) as s:
        return run_import(s, ProductImporter(), path, who=None, dry_run=dry_run)


def _export(engine: Engine, path: Path) -> int:
    with session_scope(engine, write=False) as s:
        return write_xlsx(path, EXPORTS["products"].sheets(s, None, None, None))


def _snapshot(engine: Engine) -> list[dict[str, Any]]:
    with session_scope(engine, write=False) as s:
        rows = s.scalars(service.search_products()).all()
        return [ProductOut.of(p).model_dump() for p in rows]


def _problems(result: ImportResult) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in result.problems]


@pytest.fixture
def stocked(engine: Engine, catalogue: dict[str, int]) -> None:
    with session_scope(engine) as s:
        service.create_product(s, sku="COKE330", name="可口可乐 330ml", name_en="Coca-Cola 330ml", spec="330ml",
                               category_id=catalogue["DRINK"], brand_id=catalogue["brand"],
                               supplier_id=catalogue["SUP1"], tax_rate_bp=1300, units=[
                                   {"code": "pc", "name": "罐", "factor": 1, "price_fen": 350, "barcodes": [EAN_A]},
                                   {"code": "box", "name": "箱", "factor": 24, "price_fen": 7800,
                                    "barcodes": [EAN_B, EAN_ZERO]}])
        service.create_product(s, sku="APPLE", name="富士苹果", weighed=True, tax_rate_bp=900, shelf_life_tracked=True,
                               shelf_life_days=30, units=[{"code": "kg", "factor": 1, "price_fen": 1299}])
        service.create_product(s, sku="OLD-1", name="停售商品", active=False,
                               units=[{"code": "个", "factor": 1, "price_fen": 1}])


@pytest.mark.usefixtures("stocked")
def test_export_then_import_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    # given the catalogue exported
    before = _snapshot(engine)
    out = tmp_path / "products.xlsx"
    assert _export(engine, out) == 3
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "商品编码\nSKU"
    # as many unit groups as the product with the most units has (COKE330: two), not one per unit stored
    assert len(rows[0]) == 16 + 5 and rows[0][-1] == "单位2条码\nUnit 2 barcodes"  # noqa: PT018
    coke = next(r for r in rows if r[0] == "COKE330")
    assert coke[14] == 3.5
    assert coke[15] == EAN_A
    # when it is imported back, as a dry run and for real
    dry = _import(engine, out, dry_run=True)
    real = _import(engine, out)
    # then nothing is created or updated, and the products are exactly as they were
    for result in (dry, real):
        assert result.problems == []
        assert (result.rows, result.created, result.updated, result.unchanged) == (3, 0, 0, 3)
    assert real.written
    assert _snapshot(engine) == before


@pytest.mark.usefixtures("stocked")
def test_import_creates_and_updates(engine: Engine, make_xlsx: Callable[..., Path]) -> None:
    path = make_xlsx([
        [*HEAD, "单位2\nUnit 2", "单位2换算\nUnit 2 factor", "单位2零售价（元）\nUnit 2 price (yuan)", "分类编码"],
        ["COKE330", "可口可乐 330ml", "pc", 3.8, EAN_A, "box", 24, "80", "DRINK"],  # prices up
        ["NEW-1", "旺旺雪饼", "包", "5.5", None, None, None, None, "SNACK"],
        ["NEW-2", "农夫山泉 550ml", "瓶", 2, EAN_B, None, None, None, None],  # EAN_B moves here? no: COKE still holds it
    ])
    result = _import(engine, path)
    # EAN_B left COKE330's box in the same file, but the API's rule holds: another product's barcode is refused
    assert _problems(result) == [(4, "单位2条码")] or _problems(result) == [(4, "条码")]
    assert not result.written
    # without the clash everything is written
    path = make_xlsx([
        [*HEAD, "单位2\nUnit 2", "单位2换算\nUnit 2 factor", "单位2零售价（元）\nUnit 2 price (yuan)", "分类编码"],
        ["COKE330", "可口可乐 330ml", "pc", 3.8, EAN_A, "box", 24, "80", "DRINK"],
        ["NEW-1", "旺旺雪饼", "包", "5.5", None, None, None, None, "SNACK"],
    ])
    result = _import(engine, path)
    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    with session_scope(engine, write=False) as s:
        coke = service.get_product(s, s.scalar(select(Product.id).where(Product.sku == "COKE330")))
        trail = history(s, entity_type="product", entity_id=coke.id)
        assert [(e.action, e.actor_label, e.reason) for e in trail] == [
            ("product.import", "system", f"Excel 导入 import {path.name}")]
        assert trail[0].before is not None
        assert {u["code"]: u["price_fen"] for u in trail[0].before["units"]} == {"pc": 350, "box": 7800}
        assert {u["code"]: u["price_fen"] for u in trail[0].after["units"]} == {"pc": 380, "box": 8000}
        assert {u.code: (u.price_fen, [b.barcode for b in u.barcodes]) for u in coke.units} == {
            "pc": (380, [EAN_A]), "box": (8000, [EAN_B, EAN_ZERO])}  # no 单位2条码 column: barcodes kept
        assert coke.name_en == "Coca-Cola 330ml"  # a column the file leaves out keeps its value
        new = service.get_product(s, s.scalar(select(Product.id).where(Product.sku == "NEW-1")))
        assert new.pinyin == "wwxb"
        assert (new.tax_rate_bp, new.active, new.units[0].price_fen) == (1300, True, 550)


@pytest.mark.usefixtures("stocked")
def test_a_price_only_file_keeps_the_box_units(engine: Engine, make_xlsx: Callable[..., Path]) -> None:
    path = make_xlsx([HEAD[:4], ["COKE330", "可口可乐 330ml", "pc", 3.6]])
    result = _import(engine, path)
    assert (result.updated, result.problems) == (1, [])
    with session_scope(engine, write=False) as s:
        coke = service.get_product(s, s.scalar(select(Product.id).where(Product.sku == "COKE330")))
        assert {u.code: u.price_fen for u in coke.units} == {"pc": 360, "box": 7800}
        assert sorted(b.barcode for u in coke.units for b in u.barcodes) == sorted([EAN_A, EAN_B, EAN_ZERO])


def test_every_bad_row_is_listed_and_nothing_is_written(engine: Engine, make_xlsx: Callable[..., Path]) -> None:
    path = make_xlsx([
        HEAD + ["税率(%)\nVAT (%)", "分类编码\nCategory code", "称重\nWeighed"],
        ["OK-1", "好商品", "个", 1, None, 13, None, "否"],
        ["BAD 1", "空格编码", "个", 1, None, 13, None, None],      # row 3: SKU pattern
        ["OK-2", None, "个", 1, None, 13, None, None],           # row 4: name missing
        ["OK-3", "三位小数", "个", 1.234, None, 13, None, None],   # row 5: 3 decimals
        ["OK-4", "负价", "个", -1, None, 13, None, None],         # row 6: negative
        ["OK-5", "税率", "个", 1, None, 7, None, None],           # row 7: no such VAT rate
        ["OK-6", "分类", "个", 1, None, 13, "NOPE", None],        # row 8: unknown category
        ["OK-7", "称重", "个", 1, None, 13, None, "也许"],        # row 9: not 是/否
        ["OK-1", "重复", "个", 1, None, 13, None, None],          # row 10: SKU repeats row 2
        ["OK-8", "条码", "个", 1, "6901234567891", 13, None, None],  # row 11: bad check digit
    ])
    dry = _import(engine, path, dry_run=True)
    assert _problems(dry) == [(3, "商品编码"), (4, "商品名称"), (5, "零售价（元）"), (6, "零售价（元）"),
                              (7, "税率(%)"), (8, "分类编码"), (9, "称重"), (10, "商品编码"), (11, "条码")]
    assert dry.problems[0].cell == "A3"
    assert "两位小数" in dry.problems[2].message
    assert "decimals" in dry.problems[2].message_en
    assert "第 2 行" in dry.problems[7].message
    real = _import(engine, path)
    assert _problems(real) == _problems(dry)
    assert not real.written
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count()).select_from(Product)) == 0


def test_wrong_headers_name_the_expected_ones(engine: Engine, make_xlsx: Callable[..., Path]) -> None:
    result = _import(engine, make_xlsx([["编号", "品名", "价格"], ["A", "B", 1]]), dry_run=True)
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.row is None
    assert "商品编码" in problem.message
    assert "零售价（元）" in problem.message
    assert "SKU" in problem.message_en
    assert "Price (yuan)" in problem.message_en
    unknown = _import(engine, make_xlsx([[*HEAD, "零售价格"], ["A", "B", "个", 1, None, 2]]), dry_run=True)
    assert "零售价格" in unknown.problems[0].message
    not_xlsx = tmp = make_xlsx([["x"]])
    tmp.write_bytes(b"not a workbook")
    assert "xlsx" in _import(engine, not_xlsx, dry_run=True).problems[0].message


@pytest.mark.usefixtures("catalogue")
def test_title_rows_english_header_row_empty_rows_and_merged_cells(engine: Engine,
                                                                   make_xlsx: Callable[..., Path]) -> None:
    path = make_xlsx([
        ["2024 年商品资料"],                                        # a title above the header
        ["商品编码", "商品名称", "单位", "零售价（元）", "分类编码", "规格"],
        ["SKU", "Name", "Unit", "Price (yuan)", "Category code", "Spec"],  # English under Chinese
        ["A1", "甲", "个", 1, None, None],
        [],                                                          # empty row
        ["A2", "乙", "个", 2, None, None],
        ["A3", "丙", "个", 3, None, None],
        ["A4", "丁", "个", 4, None, None],
    ], merges=[("E4:E6", "SNACK"), ("F7:G7", "跨列")])
    result = _import(engine, path)
    assert _problems(result) == [(7, None)]
    assert "F7:G7" in result.problems[0].message
    path = make_xlsx([
        ["商品编码", "商品名称", "单位", "零售价（元）", "分类编码"],
        ["A1", "甲", "个", 1, None], [None], ["A2", "乙", "个", 2, None], ["A3", "丙", "个", 3, None],
    ], merges=[("E2:E4", "SNACK")])
    result = _import(engine, path)
    assert (result.problems, result.created) == ([], 3)
    with session_scope(engine, write=False) as s:
        cats = dict(s.execute(select(Product.sku, Product.category_id)).all())
    assert cats["A1"] == cats["A2"] is not None
    assert cats["A3"] is None  # row 5 is outside the merged range E2:E4


def test_numbers_stored_as_text_and_text_stored_as_numbers(engine: Engine, make_xlsx: Callable[..., Path]) -> None:
    path = make_xlsx([
        ["商品编码", "商品名称", "单位", "零售价（元）", "税率(%)", "保质期(天)", "启用"],
        [1001, "数字编码", "个", "￥12.50", "13%", "30", "是"],
        ["1002", 12345, "个", " 1,234.5 ", 0.09, 7.0, "N"],
    ])
    result = _import(engine, path)
    assert result.problems == []
    with session_scope(engine, write=False) as s:
        rows = {p.sku: p for p in s.scalars(select(Product))}
    assert set(rows) == {"1001", "1002"}
    assert (rows["1001"].tax_rate_bp, rows["1001"].shelf_life_days, rows["1001"].active) == (1300, 30, True)
    assert (rows["1002"].name, rows["1002"].tax_rate_bp, rows["1002"].active) == ("12345", 900, False)
    with session_scope(engine, write=False) as s:
        prices = dict(s.execute(select(Product.sku, ProductUnit.price_fen)
                                .join(ProductUnit, ProductUnit.product_id == Product.id)).all())
    assert prices == {"1001": 1250, "1002": 123450}


def test_barcodes_that_lost_their_leading_zeros(engine: Engine, make_xlsx: Callable[..., Path]) -> None:
    ean8 = with_check_digit("0123456")  # 8 digits starting with 0: 7 left as a number
    assert EAN_ZERO.startswith("00")
    wrong = int(EAN_ZERO) + 1  # 11 digits whose check digit cannot be right
    path = make_xlsx([
        HEAD,
        ["Z1", "丢了零", "个", 1, int(EAN_ZERO)],          # 11 digits, check digit proves 00…
        ["Z2", "UPC-A", "个", 1, float(with_check_digit("03600029145"))],  # 12-digit UPC-A as a float
        ["Z3", "校验位不符", "个", 1, wrong],
        ["Z4", "EAN-8 丢零", "个", 1, int(ean8)],
        ["Z5", "科学计数", "个", 1, "6.90123E+12"],
    ])
    result = _import(engine, path, dry_run=True)
    assert _problems(result) == [(4, "条码"), (5, "条码"), (6, "条码")]
    assert "校验位" in result.problems[0].message
    assert "前导零" in result.problems[1].message
    assert "leading zeros" in result.problems[1].message_en
    assert "文本" in result.problems[2].message
    ok = _import(engine, make_xlsx([HEAD, ["Z1", "丢了零", "个", 1, int(EAN_ZERO)],
                                    ["Z2", "UPC-A", "个", 1, float(with_check_digit("03600029145"))]]))
    assert ok.problems == []
    with session_scope(engine, write=False) as s:
        assert sorted(s.scalars(select(Barcode.barcode))) == sorted(
            [EAN_ZERO, "0" + with_check_digit("03600029145")])


@pytest.mark.usefixtures("stocked")
def test_duplicate_barcodes_in_the_file_and_in_the_database(engine: Engine, make_xlsx: Callable[..., Path]) -> None:
    fresh = with_check_digit("690000000001")
    path = make_xlsx([
        HEAD,
        ["D1", "甲", "个", 1, f"{fresh};{fresh}"],   # the same barcode twice in one cell
        ["D2", "乙", "个", 1, EAN_A],                  # COKE330's barcode
        ["D3", "丙", "个", 1, with_check_digit("690000000002")],
        ["D4", "丁", "个", 1, with_check_digit("690000000002")],  # repeats row 4
    ])
    result = _import(engine, path, dry_run=True)
    assert _problems(result) == [(2, "条码"), (3, "条码"), (5, "条码")]
    assert "COKE330" in result.problems[1].message
    assert "第 4 行" in result.problems[2].message
