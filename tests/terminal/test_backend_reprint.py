"""Reprint (重打小票) finds a receipt by its full number or by its digits alone, as returns do."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.errors import TerminalError


def test_reprint_finds_this_tills_receipt_by_its_digits_alone(tmp_path: Path) -> None:
    from terminal.ui.backend import Backend
    from tests.ui import terminal_data as td

    backend = Backend(td.make_terminal_data(tmp_path / "till"))
    try:
        backend.sign_in(*td.CASHIER)
        backend.open_shift("500")
        backend.scan(td.WATER)
        backend.start_payment()
        backend.add_payment("cash", "10", "")
        done = backend.complete_sale()
        sale_id = backend.reprint(done.receipt_no)
        seq = done.receipt_no.rsplit("-", 1)[1]  # "000001", as printed under the prefix
        assert backend.reprint(seq) == sale_id
        assert backend.reprint(str(int(seq))) == sale_id
        with pytest.raises(TerminalError):
            backend.reprint("999")
    finally:
        backend.close()
