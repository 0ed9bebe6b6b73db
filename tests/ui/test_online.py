"""The status bar against a real central server (`pos-central serve` on SQLite): the background
sync empties the outbox and shows "online"; with central gone, "sync now" says so plainly."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import ScenarioRunner

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture
def central_and_till(tmp_path: Path) -> Iterator[tuple[object, Path]]:
    from central.db import dispose_engine, get_engine
    from central.migrations import upgrade
    from terminal.store import open_store
    from tests.sync.procs import Central
    from tests.sync.world import Till, enrol_till, seed

    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    upgrade(url)
    engine = get_engine(url)
    seeded = seed(engine, products=5, members=1, stores=("S01",))
    central = Central(url, tmp_path / "central.log").start()
    data = tmp_path / "till"
    till = enrol_till(engine, data, seeded.store_ids["S01"], central.url)
    till.store.close()
    with open_store(data) as store:  # one sale waits in the outbox (with its shift) before the app starts
        Till(store=store, client=None, server="").sell([seeded.product_ids[0]])
    try:
        yield central, data
    finally:
        central.stop()
        dispose_engine(url)


def test_status_bar_online_then_sync_now_offline(central_and_till: tuple[object, Path], tmp_path: Path,
                                                run_scenario: ScenarioRunner) -> None:
    central, data = central_and_till
    flags = tmp_path / "flags"
    flags.mkdir()

    def stop_central_when_seen() -> None:
        deadline = time.monotonic() + 120
        while not (flags / "online-seen").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        central.stop()  # type: ignore[attr-defined]
        (flags / "central-stopped").write_text("1")

    helper = threading.Thread(target=stop_central_when_seen, daemon=True)
    helper.start()
    result = run_scenario("online_status", data, env={"POS_TEST_FLAG_DIR": str(flags)})
    helper.join(5)
    facts = result["facts"]
    assert facts["last_sync"], "the time of the last successful sync is shown"
    assert facts["online_after"] is False
    assert "同步失败" in facts["toast"]
