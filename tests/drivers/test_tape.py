"""Reading captured ESC/POS back: jobs split where each begins, text as printed, and the
`pos-terminal receipts show` command over the demo's receipts file."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers import layout
from drivers.demo import demo_receipt
from drivers.printer import open_printer
from drivers.tape import job_text, split_jobs
from terminal.cli import main


def _print_two(path: Path) -> None:
    printer = open_printer(f"file://{path}?width=58")
    printer.print_document(layout.sale_receipt(demo_receipt(receipt_no="S01-POS01-000001")))
    printer.print_document(layout.sale_receipt(demo_receipt(receipt_no="S01-POS01-000002")))


def test_jobs_are_split_where_each_starts_and_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "receipts.bin"
    _print_two(path)
    jobs = split_jobs(path.read_bytes())
    assert len(jobs) == 2
    assert "S01-POS01-000001" in job_text(jobs[0])
    second = job_text(jobs[1])
    assert "S01-POS01-000002" in second
    assert "农夫山泉饮用天然水 550ml" in second
    assert "[QR]" in second
    # a QR payload holding the bytes of ESC @ is not taken for the start of a job
    qr_like = b"\x1b@" + b"\x1d(k" + (7).to_bytes(2, "little") + b"1P0\x1b@xx" + b"after\n"
    assert len(split_jobs(qr_like)) == 1


def test_receipts_show_prints_the_last_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "receipts.bin"
    _print_two(path)
    assert main(["receipts", "show", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "──── 2 / 2 ────" in out
    assert "S01-POS01-000002" in out
    assert "S01-POS01-000001" not in out
    monkeypatch.setenv("POS_PRINTER_URL", f"file://{path}?width=58")  # as the demo sets it
    assert main(["receipts", "show", "--last", "0"]) == 0
    out = capsys.readouterr().out
    assert out.index("S01-POS01-000001") < out.index("S01-POS01-000002")
    assert main(["receipts", "show", "--file", str(tmp_path / "none.bin")]) == 1
    assert "no receipts file" in capsys.readouterr().err
