"""Wholesale in the gross margin (issue 14): delivered sales-order lines less order returns, at the cost
the stock ledger moved, by product, customer, rep, store and category; unknown cost stays unknown.

Worked by hand (rep1's customer 好邻居便利店, store S01, the shop's warehouse):
- received: 120 bottles of water at ¥1.20 (144.00); the fixture's 50 bags of rice came with no cost;
- ordered and delivered on 3 March: 5 boxes of water (12 bottles) ¥110.00 and 2 bags of rice ¥119.80;
  cost of the water out: 60 × ¥1.20 = ¥72.00; the rice's cost is unknown;
- 4 March: 1 box comes back to the shelf (−¥22.00, cost back 12 × ¥1.20 = ¥14.40), and 1 box comes
  back damaged (−¥22.00; the ledger puts it back at ¥14.40 and writes it off as a loss: the loss is not
  this sale's cost);
- net 110.00 + 119.80 − 22.00 − 22.00 = ¥185.80; cost 72.00 − 14.40 − 14.40 = ¥43.20 (known lines);
  margin ¥142.60; one line at unknown cost (the rice, ¥119.80 of the net); rate over known lines
  (185.80 − 119.80 − 43.20) / (185.80 − 119.80) = 22.80 / 66.00 = 0.3455.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from central.cli import main as cli
from central.db import session_scope
from central.inventory import service as stock
from central.reporting.margin import margin_report
from central.reporting.sales import sales_report

from .conftest import T0, Field

API = "/api/v1"
DELIVERED = T0 + timedelta(days=1)  # 3 March, 10:00 in Shanghai
RETURNED = T0 + timedelta(days=2)


def _post(client: TestClient, headers: dict[str, str], path: str, body: Any, status: int = 200) -> Any:
    r = client.post(API + path, headers=headers, json=body)
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def wholesale(client: TestClient, admin: dict[str, str], field: Field, engine: Engine) -> Field:
    with session_scope(engine) as s:
        stock.receive_purchase(s, warehouse_id=field.shop_wh,
                               lines=[stock.DocLine(field.water, Decimal(120), unit_cost_fen=120)])
    ev = field.order(lines=[(field.water, "box", 12, "5", 11_000), (field.rice, "pc", 1, "2", 11_980)])
    assert field.push(client, ev)[0]["status"] == "applied"
    order = client.get(f"{API}/sales-orders/{ev.order_no}", headers=admin).json()
    (note,) = order["deliveries"]
    assert note["warehouse_id"] == field.shop_wh
    _post(client, admin, f"/deliveries/{note['delivery_no']}/deliver", {"delivered_at": DELIVERED.isoformat()})
    for restock in (True, False):
        _post(client, admin, f"/sales-orders/{ev.order_no}/returns",
              {"lines": [{"line_no": 1, "qty": "1", "restock": restock}], "returned_at": RETURNED.isoformat()}, 201)
    return field


def _report(engine: Engine, by: str, first: date = date(2026, 3, 3), last: date = date(2026, 3, 4)) -> dict[str, Any]:
    with Session(engine) as s:
        return margin_report(s, date_from=first, date_to=last, by=by, wholesale=True).to_json()


def test_wholesale_margin_worked_by_hand(engine: Engine, wholesale: Field) -> None:
    total = _report(engine, "product")
    assert (total["net_fen"], total["cost_fen"], total["margin_fen"]) == (18_580, 4_320, 14_260)
    assert (total["wholesale_net_fen"], total["till_net_fen"]) == (18_580, 0)
    assert (total["unknown_cost_lines"], total["unknown_cost_net_fen"]) == (1, 11_980)
    assert total["margin_rate"] == 0.3455
    rows = {r["name"]: r for r in total["rows"]}
    water, rice = rows["3001 农夫山泉 550ml"], rows["2001 五常大米 5kg"]
    assert (water["net_fen"], water["cost_fen"], water["margin_fen"]) == (6_600, 4_320, 2_280)
    assert (water["sold_lines"], water["returned_lines"], water["unknown_cost_lines"]) == (1, 2, 0)
    # the rice's cost is unknown: counted as such, never as a cost of zero that would make it all margin
    assert (rice["net_fen"], rice["unknown_cost_lines"], rice["unknown_cost_net_fen"]) == (11_980, 1, 11_980)
    assert rice["margin_rate"] is None
    # the same figures by customer, by rep and by store: the order's customer, rep and store
    for by, name in (("customer", "好邻居便利店"), ("rep", "rep1"), ("store", "S01 门店S01")):
        grouped = _report(engine, by)
        assert [(r["name"], r["net_fen"], r["cost_fen"], r["unknown_cost_lines"]) for r in grouped["rows"]] == [
            (name, 18_580, 4_320, 1)], by
        assert grouped["margin_fen"] == 14_260
    assert [(r["name"], r["net_fen"]) for r in _report(engine, "category")["rows"]] == [("未分类 / no category", 18_580)]


def test_each_day_counts_what_happened_that_day(engine: Engine, wholesale: Field) -> None:
    delivered = _report(engine, "product", date(2026, 3, 3), date(2026, 3, 3))
    assert (delivered["net_fen"], delivered["cost_fen"], delivered["unknown_cost_lines"]) == (22_980, 7_200, 1)
    returned = _report(engine, "product", date(2026, 3, 4), date(2026, 3, 4))
    assert (returned["net_fen"], returned["cost_fen"], returned["margin_fen"]) == (-4_400, -2_880, -1_520)
    assert returned["unknown_cost_lines"] == 0
    assert _report(engine, "product", date(2026, 3, 5), date(2026, 3, 31))["net_fen"] == 0


def test_till_part_equals_the_sales_report_and_the_command_says_the_same(
        engine: Engine, wholesale: Field, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Session(engine) as s:
        sales = sales_report(s, date_from=date(2026, 3, 3), date_to=date(2026, 3, 4)).to_json()
    assert cli(["report", "margin", "--from", "2026-03-03", "--to", "2026-03-04", "--by", "customer", "--json",
                "--db", db_url]) == 0
    plain = json.loads(capsys.readouterr().out)  # without --wholesale: the contract, net_fen = report sales
    assert (plain["net_fen"], plain["wholesale_net_fen"]) == (sales["net_fen"], 0)
    assert cli(["report", "margin", "--from", "2026-03-03", "--to", "2026-03-04", "--by", "customer", "--json",
                "--wholesale", "--db", db_url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["till_net_fen"] == sales["net_fen"]
    assert (out["net_fen"], out["cost_fen"], out["margin_fen"], out["unknown_cost_lines"]) == (18_580, 4_320, 14_260, 1)


def test_console_and_api_show_the_wholesale_margin(client: TestClient, admin: dict[str, str], wholesale: Field) -> None:
    r = client.get(f"{API}/reports/margin", headers=admin,
                   params={"from": "2026-03-03", "to": "2026-03-04", "by": "rep", "wholesale": "true"})
    assert r.status_code == 200, r.text
    assert (r.json()["net_fen"], r.json()["wholesale_net_fen"]) == (18_580, 18_580)
