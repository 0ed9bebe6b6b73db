"""Receivables ageing, the sales report (service and CLI) and the stock check (service and CLI)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from central.cli import main as central_main
from central.db import session_scope
from central.errors import DomainError
from central.finance.ageing import BUCKETS, age_entries, bucket_for
from central.finance.receivables import ageing_report, record_payment
from central.inventory.models import StockOnHand
from central.reporting.sales import sales_report
from central.sales import ingest
from sync.events import Tender

from .conftest import T0, World, line, return_of, sale

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("days", "bucket"), [(-3, "0-30"), (0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"),
                                              (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")])
def test_bucket_edges(days: int, bucket: str) -> None:
    assert bucket_for(days) == bucket


def test_payments_settle_the_oldest_charges_first() -> None:
    as_of = date(2026, 6, 30)
    entries = [(as_of - timedelta(days=100), 5_000, as_of - timedelta(days=70)),  # 90+
               (as_of - timedelta(days=75), 3_000, as_of - timedelta(days=45)),   # 61-90
               (as_of - timedelta(days=40), 2_000, as_of - timedelta(days=10)),   # 31-60
               (as_of - timedelta(days=5), 1_000, as_of + timedelta(days=25)),    # 0-30
               (as_of - timedelta(days=3), -6_000, None)]                          # a payment
    ageing = age_entries(entries, as_of)
    # the payment cleared the 90+ charge and 1,000 of the 61-90 one
    assert ageing.buckets == {"0-30": 1_000, "31-60": 2_000, "61-90": 2_000, "90+": 0}
    assert ageing.balance_fen == 5_000
    assert ageing.overdue_fen == 4_000
    assert list(ageing.buckets) == list(BUCKETS)


def test_overpayment_is_unapplied_credit() -> None:
    ageing = age_entries([(date(2026, 1, 1), 1_000, None), (date(2026, 1, 2), -1_500, None)], date(2026, 2, 1))
    assert ageing.buckets == dict.fromkeys(BUCKETS, 0)
    assert (ageing.unapplied_fen, ageing.balance_fen) == (500, -500)


def apply(engine: Engine, fn: object, ev: object) -> None:
    with session_scope(engine) as s:
        fn(s, ev, terminal_id=ev.terminal_id, store_id=ev.store_id, received_at=NOW)  # type: ignore[attr-defined,operator]


def test_credit_sales_payment_and_ageing_report(engine: Engine, world: World) -> None:
    apply(engine, ingest.apply_sale_completed, sale(world, [line(1, world.rice, 2, 5990, tax_bp=900)],
                                                    customer_id=world.customer, tenders=[(Tender.CREDIT, 11_980)],
                                                    sold_at=T0 - timedelta(days=45)))
    apply(engine, ingest.apply_sale_completed, sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)],
                                                    customer_id=world.customer, tenders=[(Tender.CREDIT, 5_990)]))
    with session_scope(engine) as s:
        record_payment(s, customer_id=world.customer, amount_fen=5_000, method="wechat", paid_on=date(2026, 3, 1))
        with pytest.raises(DomainError) as info:
            record_payment(s, customer_id=world.customer, amount_fen=-1, method="wechat", paid_on=date(2026, 3, 1))
        assert info.value.field == "amount_fen"
    with Session(engine) as s:
        (row,) = ageing_report(s, as_of=date(2026, 3, 10))
        assert row.code == "C0001"
        assert row.ageing.buckets == {"0-30": 5_990, "31-60": 6_980, "61-90": 0, "90+": 0}
        assert row.ageing.overdue_fen == 6_980  # 30 credit days: the older sale is past due
        assert ageing_report(s, as_of=date(2026, 3, 10), rep_id=world.other_rep) == []


def test_sales_report_by_store_and_local_day(engine: Engine, world: World) -> None:
    # given two sales on 1 March (Shanghai), one at 01:30 on 2 March Shanghai time (17:30Z on 1 March),
    # a return of part of the first sale, and a sale at another store
    first = sale(world, [line(1, world.cola, 6, 300), line(2, world.rice, 1, 5990, tax_bp=900, discount=500)])
    apply(engine, ingest.apply_sale_completed, first)
    apply(engine, ingest.apply_sale_completed, sale(world, [line(1, world.rice, 1, 5990, tax_bp=900)], rounding=-10))
    apply(engine, ingest.apply_sale_completed, sale(world, [line(1, world.cola, 1, 300)],
                                                    sold_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC)))
    apply(engine, ingest.apply_sale_returned, return_of(world, first, [(1, "2")]))
    other = sale(world, [line(1, world.cola, 2, 300)], receipt_no="S02-01-000001", shift_id="shift-s2").model_copy(
        update={"store_id": world.store2, "terminal_id": world.terminal2})
    apply(engine, ingest.apply_sale_completed, other)
    with Session(engine) as s:
        report = sales_report(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 2))
        t = report.totals
        assert (t.sales, t.returns) == (4, 1)
        assert t.gross_fen == 1800 + 5990 + 5990 + 300 + 600
        assert t.discount_fen == 500
        assert t.sales_fen == (1800 + 5490) + (5990 - 10) + 300 + 600
        assert t.returns_fen == 600
        assert t.net_fen == t.sales_fen - 600
        days = {(code, d): f for code, d, f in report.rows}
        assert days[("S01", date(2026, 3, 1))].sales == 2
        assert days[("S01", date(2026, 3, 2))].sales == 1
        assert days[("S02", date(2026, 3, 1))].sales_fen == 600
        only = sales_report(s, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2), store_code="S01")
        assert (only.totals.sales, only.totals.net_fen) == (1, 300)
        with pytest.raises(DomainError):
            sales_report(s, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
        with pytest.raises(DomainError):
            sales_report(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 1), store_code="S99")


def test_report_and_check_stock_commands(db_url: str, engine: Engine, world: World,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    ev = sale(world, [line(1, world.rice, 3, 5990, tax_bp=900)])
    apply(engine, ingest.apply_sale_completed, ev)
    apply(engine, ingest.apply_sale_returned, return_of(world, ev, [(1, "1")]))
    # report sales --json: totals at the top level
    assert central_main(["report", "sales", "--from", "2026-03-01", "--to", "2026-03-01", "--db", db_url,
                         "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (out["sales"], out["returns"], out["net_fen"]) == (1, 1, 17_970 - 5_990)
    assert out["by_store"][0]["store"] == "S01"
    assert central_main(["report", "sales", "--from", "2026-03-01", "--to", "2026-03-01", "--store", "S01",
                         "--db", db_url]) == 0
    assert "¥119.80" in capsys.readouterr().out
    # check-stock agrees, then catches a tampered on-hand row
    assert central_main(["check-stock", "--db", db_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    with session_scope(engine) as s:
        s.execute(update(StockOnHand).values(qty_m=StockOnHand.qty_m + 1))
    assert central_main(["check-stock", "--db", db_url]) == 1
    assert "mismatch" in capsys.readouterr().out


def test_ageing_command(db_url: str, engine: Engine, world: World, capsys: pytest.CaptureFixture[str]) -> None:
    apply(engine, ingest.apply_sale_completed, sale(world, [line(1, world.rice, 2, 5990, tax_bp=900)],
                                                    customer_id=world.customer, tenders=[(Tender.CREDIT, 11_980)],
                                                    sold_at=T0 - timedelta(days=70)))
    assert central_main(["report", "ageing", "--as-of", "2026-03-10", "--db", db_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["totals"] == {"0-30": 0, "31-60": 0, "61-90": 11_980, "90+": 0}
    assert out["customers"][0]["code"] == "C0001"
    assert out["overdue_fen"] == 11_980
    assert central_main(["report", "ageing", "--as-of", "2026-03-10", "--db", db_url]) == 0
    assert "¥119.80" in capsys.readouterr().out
    assert central_main(["report", "sales", "--db", db_url]) == 2  # the sales report needs its dates
