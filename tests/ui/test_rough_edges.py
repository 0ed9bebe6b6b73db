"""The rough edges a new cashier hit at the till (#15), each driven through the real app off screen
with touches and keys; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import ScenarioRunner
from tests.ui.images import assert_real_screen

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def shots(result: dict[str, object]) -> dict[str, Path]:
    return {Path(s).stem: Path(s) for s in result["screenshots"]}  # type: ignore[attr-defined]


def test_enter_completes_a_sale_paid_in_full_at_the_keyboard(terminal_dir: Path,
                                                             run_scenario: ScenarioRunner) -> None:
    result = run_scenario("keyboard_pay", terminal_dir)
    facts = result["facts"]
    assert facts["change_fen"] == 2000 - 550 == facts["done_change_fen"]
    assert facts["receipt_no"]
    for shot in shots(result).values():
        assert_real_screen(shot)


def test_refund_button_is_grey_and_explains_until_a_line_is_chosen(terminal_dir: Path,
                                                                  run_scenario: ScenarioRunner) -> None:
    result = run_scenario("returns_guard", terminal_dir)
    facts = result["facts"]
    assert facts["nothing_chosen"] == {"disabled": True, "kind": "default"}
    assert "确认退款" in facts["explained"]
    lines = facts["preview_text"].split("\n")
    assert lines[0].startswith("现金 ")
    assert "扣回积分 7" in lines
    for shot in shots(result).values():
        assert_real_screen(shot)


ENGLISH_NAMES = {3: "Master Kong Braised Beef Noodles", 5: "Blue Moon Laundry Liquid 2 kg"}


def add_threshold_and_english_names(data_dir: Path) -> None:
    """满20减3 on the packaged goods, and English names head office gave two products (the cola has
    none), in the till's master data as sync writes them."""
    import json
    from datetime import UTC, datetime, timedelta

    from sync.master import Entity
    from sync.promotions import Promotion, PromotionKind
    from terminal.store import open_store

    now = datetime.now(UTC)
    promo = Promotion(id=14, name="满20减3", kind=PromotionKind.THRESHOLD, starts_at=now - timedelta(days=1),
                      ends_at=now + timedelta(days=30), product_ids=frozenset({1, 2, 3, 4, 5}),
                      threshold_fen=2000, amount_off_fen=300)
    store = open_store(data_dir)
    try:
        with store.transaction():
            store.execute("INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?)",
                          (str(Entity.PROMOTION), "14", 200, json.dumps(promo.to_dict(), ensure_ascii=False)))
            for pid, name in ENGLISH_NAMES.items():
                store.execute("UPDATE master SET data=json_set(data, '$.name_en', ?), version=version+1000 "
                              "WHERE entity='product' AND id=?", (name, str(pid)))
    finally:
        store.close()


def test_threshold_discount_sits_on_the_lines_and_english_names_show(terminal_dir: Path,
                                                                    run_scenario: ScenarioRunner) -> None:
    add_threshold_and_english_names(terminal_dir)
    result = run_scenario("threshold_lines", terminal_dir)
    facts = result["facts"]
    assert facts["discount_fen"] == 300
    assert sum(facts["line_amounts"]) == facts["total_fen"] == 3990 + 450 + 350 - 300
    assert facts["english_names"] == [ENGLISH_NAMES[5], ENGLISH_NAMES[3], "可口可乐 330ml"]
    assert facts["receipt_promotions"] == 0  # the 满减 is printed on the lines, not again below them
    assert sum(share for _n, _a, share, _l in facts["receipt_lines"]) == 300
    assert {label for *_x, label in facts["receipt_lines"]} == {"满20减3"}
    for shot in shots(result).values():
        assert_real_screen(shot)


def test_held_sale_is_repriced_on_resume_and_listed_at_shift_close(terminal_dir: Path,
                                                                   run_scenario: ScenarioRunner) -> None:
    result = run_scenario("held_sales", terminal_dir, env={"POS_TEST_DATA_DIR": str(terminal_dir)})
    facts = result["facts"]
    assert facts["cola_unit_price_fen"] == 380
    assert facts["resumed_total_fen"] == facts["held_total_fen"] + 2 * 30
    assert "可口可乐 330ml：¥3.50 → ¥3.80" in facts["resume_notice"]
    assert "全麦吐司面包" not in facts["resume_notice"]  # unchanged lines are not listed
    assert facts["close_warning_title"] == "还有 1 笔挂单未结"
    assert "挂单 2 行商品" in facts["close_warning"]
    assert "交班" in facts["close_question"]
    for shot in shots(result).values():
        assert_real_screen(shot)


def store_voids_need_a_manager(data_dir: Path) -> None:
    """Head office's loss-prevention setting, as sync writes the store's row."""
    from terminal.store import open_store

    store = open_store(data_dir)
    try:
        with store.transaction():
            store.execute("UPDATE master SET data=json_set(data, '$.void_needs_manager', json('true')), "
                          "version=version+1000 WHERE entity='store' AND id='1'")
    finally:
        store.close()


def test_void_asks_always_and_needs_a_manager_where_the_store_says(terminal_dir: Path,
                                                                   run_scenario: ScenarioRunner) -> None:
    import json

    store_voids_need_a_manager(terminal_dir)
    result = run_scenario("void_with_manager", terminal_dir)
    facts = result["facts"]
    assert "删除" in facts["void_question"]
    assert facts["approval_asked"]
    assert len(facts["lines_left"]) == 1
    ((cashier, approved_by, detail),) = facts["void_audit"]
    assert (cashier, approved_by) == (1, 2)  # the cashier voided, the manager approved
    assert json.loads(detail)["amount_fen"] > 0
    assert facts["x_voided_lines"] == 1
    for shot in shots(result).values():
        assert_real_screen(shot)


def add_members_with_phones(data_dir: Path) -> None:
    """Two more members in the till's master data: one whose phone ends like the demo member's."""
    import json

    from sync.master import Entity, MemberInfo
    from terminal.store import open_store

    store = open_store(data_dir)
    try:
        with store.transaction():
            for id_, card, phone, name in (("m-2", "88000002", "13912348000", "王芳"),
                                           ("m-3", "88000077", "13655556677", "赵强")):
                info = MemberInfo(id=id_, card_no=card, phone=phone, name=name, level="normal", points_balance=10)
                store.execute("INSERT INTO master(entity, id, version, data) VALUES (?, ?, ?, ?)",
                              (str(Entity.MEMBER), id_, 300, json.dumps(info.model_dump(mode="json"),
                                                                         ensure_ascii=False)))
    finally:
        store.close()


def test_member_found_by_the_last_four_digits_of_the_phone(terminal_dir: Path,
                                                           run_scenario: ScenarioRunner) -> None:
    add_members_with_phones(terminal_dir)
    result = run_scenario("member_last_four", terminal_dir)
    facts = result["facts"]
    assert sorted(facts["choices"]) == [["李华", "138****8000"], ["王芳", "139****8000"]]
    assert facts["single"] == "136****6677"
    for shot in shots(result).values():
        assert_real_screen(shot)
