"""Reprint (重打小票) finds a receipt by its full number or by its digits alone, as returns do."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.errors import TerminalError


def test_reprint_finds_this_tills_receipt_by_its_digits_alone(tmp_path: Path) -> None:
    from terminal.ui.adapters.till import Till
    from tests.ui import terminal_data as td

    till = Till(td.make_terminal_data(tmp_path / "till"))
    try:
        till.signin.sign_in(*td.CASHIER)
        till.shift.open_shift(50_000)
        till.sale.scan(td.WATER)
        till.payment.start_payment()
        till.payment.add_payment("cash", 1000, "")
        done = till.payment.complete_sale()
        sale_id = till.devices.reprint(done.receipt_no)
        seq = done.receipt_no.rsplit("-", 1)[1]  # "000001", as printed under the prefix
        assert till.devices.reprint(seq) == sale_id
        assert till.devices.reprint(str(int(seq))) == sale_id
        assert till.devices.reprint(None) == sale_id  # the last sale
        with pytest.raises(TerminalError):
            till.devices.reprint("999")
    finally:
        till.close()
