"""The streaming writer: bilingual headers, money from fen exactly, store-local times, text kept as
text, Chinese file names in downloads, and flat memory however many rows."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from central.excel import Column, Kind, Sheet, write_xlsx
from central.excel.writer import content_disposition, xlsx_response


def _read(path: Path, sheet: int = 0) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet).to_python()


def test_headers_values_and_kinds(tmp_path: Path) -> None:
    # given columns of every kind
    columns = [Column("商品编码", "SKU"), Column("零售价（元）", "Price (yuan)", Kind.MONEY),
               Column("数量", "Qty", Kind.QTY), Column("税率(%)", "Tax rate (%)", Kind.PERCENT),
               Column("称重", "Weighed", Kind.BOOL), Column("日期", "Date", Kind.DATE),
               Column("时间", "Time", Kind.DATETIME), Column("条码", "Barcodes", Kind.LIST), "备注"]
    rows = [("00123", 1250, 1255, 650, True, date(2024, 5, 1), datetime(2024, 4, 30, 17, 30, tzinfo=UTC),
             ["6901234567892", "12345670"], "=HYPERLINK(\"http://x\")"),
            ("A-1", 10**12, None, 1300, False, None, None, [], "")]
    out = tmp_path / "t.xlsx"
    # when
    assert write_xlsx(out, [Sheet("商品", columns, rows)]) == 2
    # then
    header, first, second = _read(out)
    assert header[0] == "商品编码\nSKU"
    assert header[8] == "备注"
    assert first[0] == "00123"  # text stays text, leading zeros kept
    assert first[1] == 12.5
    assert Decimal(repr(first[1])) * 100 == 1250
    assert first[2] == 1.255
    assert first[3] == 6.5
    assert first[4] == "是"
    assert second[4] == "否"
    assert first[5] == date(2024, 5, 1)
    assert first[6] == datetime(2024, 5, 1, 1, 30)  # 17:30Z is 01:30 the next day in Shanghai
    assert first[7] == "6901234567892;12345670"
    assert first[8] == "=HYPERLINK(\"http://x\")"  # never a formula
    assert second[1] == 10_000_000_000.0
    assert second[2] == ""


def test_every_fen_amount_reads_back_exactly(tmp_path: Path) -> None:
    amounts = [0, 1, 7, 10, 99, 101, 1999, 123456789, 999_999_999_999, 10**12] + list(range(0, 100_000, 37))
    out = tmp_path / "m.xlsx"
    write_xlsx(out, [("钱", [Column("金额", "Amount", Kind.MONEY)], [(a,) for a in amounts])])
    read = [row[0] for row in _read(out)[1:]]
    assert [int(Decimal(repr(v)) * 100) for v in read] == amounts
    with zipfile.ZipFile(out) as z:
        raw = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>1234567.89</v>" in raw
    assert "<v>9999999999.99</v>" in raw


def test_several_sheets_titles_are_made_valid(tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    write_xlsx(out, [("商品/价格", ["a"], [("1",)]), ("商品/价格", ["b"], []), ("x" * 40, ["c"], [])])
    names = CalamineWorkbook.from_path(str(out)).sheet_names
    assert names == ["商品_价格", "商品_价格 (2)", "x" * 31]


def test_a_row_of_the_wrong_width_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        write_xlsx(tmp_path / "w.xlsx", [("s", ["a"], [("1", "2")])])


def test_money_must_be_integer_fen(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="integer"):
        write_xlsx(tmp_path / "f.xlsx", [("s", [Column("金额", "Amount", Kind.MONEY)], [(12.5,)])])


def test_download_response_names_the_file_in_chinese() -> None:
    assert content_disposition("商品 2024.xlsx") == (
        "attachment; filename=\"__ 2024.xlsx\"; filename*=UTF-8''%E5%95%86%E5%93%81%202024.xlsx")
    response = xlsx_response([Sheet("s", ["a"], [("1",)])], "商品.xlsx")
    assert response.media_type.endswith("spreadsheetml.sheet")
    assert int(response.headers["content-length"]) > 1000


@pytest.mark.slow
def test_100000_rows_in_flat_memory(tmp_path: Path) -> None:
    """Peak RSS of a process writing 100,000 rows × 8 columns stays near that of one writing 1,000."""
    script = """
import resource, sys
from datetime import UTC, datetime
from central.excel import Column, Kind, write_xlsx
n = int(sys.argv[2])
cols = [Column("编码", "Code"), Column("名称", "Name"), Column("价格", "Price", Kind.MONEY),
        Column("数量", "Qty", Kind.QTY), Column("时间", "At", Kind.DATETIME), Column("条码", "Barcode"),
        Column("启用", "Active", Kind.BOOL), Column("规格", "Spec")]
now = datetime.now(UTC)
rows = ((f"P{i:08d}", f"测试商品{i}号 可口可乐味", i * 7, i * 1000, now, f"69{i:011d}", True, "330ml")
        for i in range(n))
write_xlsx(sys.argv[1], [("商品", cols, rows)])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

    def peak_kb(n: int) -> int:
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path / f"{n}.xlsx"), str(n)],
                              capture_output=True, text=True, check=True, timeout=300)
        return int(done.stdout.strip())

    small, big = peak_kb(1_000), peak_kb(100_000)
    assert big - small < 30_000, f"100,000 rows took {big - small} kB more than 1,000 rows"
    assert CalamineWorkbook.from_path(str(tmp_path / "100000.xlsx")).get_sheet_by_index(0).height == 100_001
