"""A cashier who has never seen the till rings up, pays, prints, returns and closes the shift in
Chinese, offline; each check is a rough edge found by walking through the app by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.sim.printer import NetworkPrinterSimulator
from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture
def printer() -> Iterator[NetworkPrinterSimulator]:
    with NetworkPrinterSimulator() as sim:
        yield sim


LONG_PROMOTION = "蓝月亮洗衣液会员日特惠九折（人民路店限定）"
"""A promotion named as head office names them (the demo data has "满100减10（张江、徐家汇）")."""


def last_sync_failed(data_dir: Path) -> None:
    """The till's last sync attempt could not reach central (as on a till that went offline)."""
    from terminal.store import open_store
    from terminal.store.sync_state import LAST_ERROR, LAST_ERROR_EN
    from terminal.sync_client.transport import Offline

    store = open_store(data_dir)
    try:
        with store.transaction():
            store.sync_state.put(LAST_ERROR, Offline.message)
            store.sync_state.put(LAST_ERROR_EN, Offline.message_en)
            # named as the demo names its tills and staff ("S01-POS01", "张伟（店长）")
            store.set_setting("terminal_code", "S01-POS01")
            store.execute("UPDATE master SET data=json_set(data, '$.name', '张敏（收银组长）') "
                          "WHERE entity='user' AND id='1'")
    finally:
        store.close()


def add_long_promotion(data_dir: Path) -> None:
    """A 10% promotion with a long name on the detergent, in the till's master data."""
    import json
    from datetime import UTC, datetime, timedelta

    from sync.master import Entity
    from sync.promotions import Promotion, PromotionKind
    from terminal.store import open_store

    now = datetime.now(UTC)
    promo = Promotion(id=13, name=LONG_PROMOTION, kind=PromotionKind.PERCENT_OFF, starts_at=now - timedelta(days=1),
                      ends_at=now + timedelta(days=30), product_ids=frozenset({5}), percent_off_bp=1000)
    store = open_store(data_dir)
    try:
        with store.transaction():
            store.execute("INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?)",
                          (str(Entity.PROMOTION), "13", 100, json.dumps(promo.to_dict(), ensure_ascii=False)))
    finally:
        store.close()


def test_first_day_at_the_till(terminal_dir: Path, run_scenario: ScenarioRunner,
                               printer: NetworkPrinterSimulator) -> None:
    add_long_promotion(terminal_dir)
    last_sync_failed(terminal_dir)
    # the till's clock is in UTC, as a Linux image often is; the store is in Asia/Shanghai
    result = run_scenario("cashier_walk", terminal_dir, env={"POS_PRINTER_URL": printer.url, "TZ": "UTC"})
    facts = result["facts"]
    assert facts["printed"] is True
    jobs = printer.wait_for_jobs(2)
    assert facts["receipt_no"].encode() in jobs[0]
    assert facts["receipt_no"].encode() in jobs[1]
    assert "重印".encode("gb18030") in jobs[1]


@pytest.mark.ui
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_cashier_signing_in_on_another_cashiers_open_shift_is_asked_what_to_do(terminal_dir: Path,
                                                                                  run_scenario: ScenarioRunner,
                                                                                  lang: str) -> None:
    result = run_scenario("others_shift", terminal_dir, lang=lang)
    facts = result["facts"]
    assert facts["problems"] == []  # nothing cut off or outside the window
    assert facts["sale"] == {"shift_is_as": True, "cashier_id": 4}  # B's sale, in A's shift
    assert facts["take_overs"] == 1
    assert facts["closing"] == "shift_close"
    shots = {Path(s).stem: Path(s) for s in result["screenshots"]}
    assert_real_screen(shots["others_shift"])
