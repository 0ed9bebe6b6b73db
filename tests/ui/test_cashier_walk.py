"""A cashier who has never seen the till rings up, pays, prints, returns and closes the shift in
Chinese, offline; each check is a rough edge found by walking through the app by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.sim.printer import NetworkPrinterSimulator
from tests.ui.conftest import ScenarioRunner

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture
def printer() -> Iterator[NetworkPrinterSimulator]:
    with NetworkPrinterSimulator() as sim:
        yield sim


def test_first_day_at_the_till(terminal_dir: Path, run_scenario: ScenarioRunner,
                               printer: NetworkPrinterSimulator) -> None:
    # the till's clock is in UTC, as a Linux image often is; the store is in Asia/Shanghai
    result = run_scenario("cashier_walk", terminal_dir, env={"POS_PRINTER_URL": printer.url, "TZ": "UTC"})
    facts = result["facts"]
    assert facts["printed"] is True
    jobs = printer.wait_for_jobs(2)
    assert facts["receipt_no"].encode() in jobs[0]
    assert facts["receipt_no"].encode() in jobs[1]
    assert "重印".encode("gb18030") in jobs[1]
