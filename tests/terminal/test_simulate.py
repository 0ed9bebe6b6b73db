"""`pos-terminal simulate`: real sales through the checkout code; the summary agrees with the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.events import SaleCompleted
from terminal.cli import main
from terminal.store import open_store


def _last_json(out: str) -> dict[str, object]:
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_no_catalog_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--sales", "3", "--data", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "enroll" in captured.err
    assert "商品资料" in captured.err
    assert _last_json(captured.out)["error"] == "no_catalog"


def test_simulate_summary_matches_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--sales", "60", "--seed", "3", "--return-rate", "0.3", "--demo-catalog",
                 "--data", str(tmp_path)]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["sales"] == 60
    assert isinstance(summary["returns"], int)
    assert summary["returns"] > 0
    store = open_store(tmp_path)
    try:
        assert store.scalar("SELECT count(*) FROM sales") == 60
        assert store.scalar("SELECT count(*) FROM returns") == summary["returns"]
        net = store.scalar("SELECT (SELECT sum(total_fen) FROM sales) - (SELECT coalesce(sum(total_fen),0) FROM returns)")
        assert summary["net_fen"] == net
        # every sale and return has its event; money payments add up to each sale's total
        assert store.scalar("SELECT count(*) FROM outbox WHERE type='sale.completed'") == 60
        assert store.scalar("SELECT count(*) FROM outbox WHERE type='sale.returned'") == summary["returns"]
        bad = store.scalar(
            "SELECT count(*) FROM sales s WHERE s.total_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM payments p "
            "WHERE p.sale_id = s.id AND p.tender <> 'points')")
        assert bad == 0
        assert store.scalar("SELECT count(DISTINCT tender) FROM payments") >= 4
        # the figures central checks on ingest (sync/events.py contract)
        for (sale_id,) in store.all("SELECT id FROM sales"):
            sale = SaleCompleted.model_validate_json(store.sales.json(sale_id) or "")
            assert all(ln.amount_fen == ln.list_amount_fen - ln.line_discount_fen - ln.order_discount_fen
                       for ln in sale.lines)
            assert sum(ln.amount_fen for ln in sale.lines) + sale.rounding_fen == sale.total_fen
            assert sum(p.amount_fen for p in sale.payments) == sale.total_fen
        for (return_id,) in store.all("SELECT id FROM returns"):
            ret = store.returns.load(return_id)
            assert ret is not None
            assert sum(ln.amount_fen for ln in ret.lines) == ret.total_fen == sum(r.amount_fen for r in ret.refunds)
    finally:
        store.close()
    # the same seed on a fresh terminal gives the same totals
    other = tmp_path / "again"
    assert main(["simulate", "--sales", "60", "--seed", "3", "--return-rate", "0.3", "--demo-catalog",
                 "--data", str(other)]) == 0
    again = _last_json(capsys.readouterr().out)
    assert (again["sales"], again["returns"], again["net_fen"]) == (60, summary["returns"], summary["net_fen"])


def test_simulate_sells_on_in_a_shift_another_cashier_left_open(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # a shift opened at the till by another cashier (the manager here), not closed: simulate takes
    # it over as a manager standing by would approve (交接班), instead of failing every sale
    assert main(["simulate", "--sales", "1", "--seed", "1", "--demo-catalog", "--data", str(tmp_path)]) == 0
    capsys.readouterr()
    from terminal.session import Session
    from terminal.shift import close_shift, current_shift, open_shift

    store = open_store(tmp_path)
    try:
        simulated = Session(store)
        opened_by = current_shift(store)
        assert opened_by is not None
        simulated.sign_in_as(opened_by.cashier_id, reason="test")
        close_shift(store, simulated, {})
        other = store.scalar("SELECT id FROM master WHERE entity='user' AND id <> ? AND "
                             "json_extract(data, '$.role') IN ('store_manager', 'admin') LIMIT 1",
                             (str(opened_by.cashier_id),))
        manager = Session(store)
        manager.sign_in_as(int(other), reason="test")
        shift = open_shift(store, manager, 10_000)
    finally:
        store.close()
    assert main(["simulate", "--sales", "5", "--seed", "2", "--data", str(tmp_path)]) == 0
    assert _last_json(capsys.readouterr().out)["sales"] == 5
    store = open_store(tmp_path)
    try:
        assert store.scalar("SELECT count(*) FROM sales WHERE shift_id=?", (shift.id,)) == 5
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action='shift_take_over'") == 1
    finally:
        store.close()
