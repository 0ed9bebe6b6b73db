"""Products (#10 §4.2): a base price change needs pricing.write as well as catalog.write (API, console
form, Excel import); a PATCH changes only the fields it names — a unit sent without `barcodes`,
`name` or `factor` keeps them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.auth.deps import user_principal
from central.catalog.service import get_product
from central.db import session_scope
from central.excel.importing import ImportResult, run_import
from central.excel.products import ProductImporter
from central.users.models import User
from tests.central.test_catalog import COLA_BOX, COLA_EA, cola

Headers = dict[str, str]


def _units(engine: Engine, pid: int) -> list[tuple[str, str, int, int, list[str]]]:
    with session_scope(engine, write=False) as s:
        return [(u.code, u.name, u.factor, u.price_fen, sorted(b.barcode for b in u.barcodes))
                for u in sorted(get_product(s, pid).units, key=lambda u: u.factor)]


def test_patch_keeps_what_it_does_not_name(client: TestClient, engine: Engine, admin: Headers) -> None:
    p = client.post("/api/v1/products", json=cola(units=[
        {"code": "罐", "name": "罐装", "factor": 1, "price_fen": 300, "barcodes": [COLA_EA]},
        {"code": "箱", "factor": 24, "price_fen": 6500, "barcodes": [COLA_BOX]}]), headers=admin).json()
    # a name-only PATCH leaves every unit and barcode alone
    r = client.patch(f"/api/v1/products/{p['id']}", headers=admin, json={"name": "可口可乐"})
    assert r.status_code == 200, r.text
    # units named with a new price only: barcodes, names and factors are kept
    r = client.patch(f"/api/v1/products/{p['id']}", headers=admin,
                     json={"units": [{"code": "罐", "price_fen": 350}, {"code": "箱", "price_fen": 7000}]})
    assert r.status_code == 200, r.text
    assert _units(engine, p["id"]) == [("罐", "罐装", 1, 350, [COLA_EA]), ("箱", "", 24, 7000, [COLA_BOX])]
    # an empty list still clears a unit's barcodes on purpose; a new unit must say its price
    r = client.patch(f"/api/v1/products/{p['id']}", headers=admin,
                     json={"units": [{"code": "罐"}, {"code": "箱", "barcodes": []}]})
    assert r.status_code == 200, r.text
    assert _units(engine, p["id"]) == [("罐", "罐装", 1, 350, [COLA_EA]), ("箱", "", 24, 7000, [])]
    r = client.patch(f"/api/v1/products/{p['id']}", headers=admin,
                     json={"units": [{"code": "罐"}, {"code": "包", "factor": 6}]})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "units.1.price_fen"


def test_price_change_needs_pricing_write(client: TestClient, engine: Engine, admin: Headers,
                                          make_user: Callable[..., int], login: Callable[[str], Headers]) -> None:
    p = client.post("/api/v1/products", json=cola(), headers=admin).json()
    make_user("wh", role="warehouse")  # catalog.write, not pricing.write
    wh = login("wh")
    for units in ([{"code": "罐", "price_fen": 1}],
                  [{"code": "罐"}, {"code": "箱", "price_fen": 1}],
                  [{"code": "罐"}, {"code": "箱"}, {"code": "包", "factor": 6, "price_fen": 1500}]):
        r = client.patch(f"/api/v1/products/{p['id']}", headers=wh, json={"units": units})
        assert r.status_code == 403, (units, r.text)
        assert r.json()["error"]["code"] == "permission_denied"
        assert r.json()["error"]["field"] == f"units.{len(units) - 1}.price_fen"
    assert _units(engine, p["id"]) == [("罐", "", 1, 300, [COLA_EA]), ("箱", "", 24, 6500, [COLA_BOX])]
    # the warehouse still keeps the catalogue: names, barcodes, and prices it sends unchanged
    r = client.patch(f"/api/v1/products/{p['id']}", headers=wh,
                     json={"name": "可乐", "units": [{"code": "罐", "price_fen": 300, "barcodes": []}, {"code": "箱"}]})
    assert r.status_code == 200, r.text
    assert _units(engine, p["id"]) == [("罐", "", 1, 300, []), ("箱", "", 24, 6500, [COLA_BOX])]


def test_console_form_refuses_a_price_change_without_pricing(
        client: TestClient, engine: Engine, admin: Headers, make_user: Callable[..., int],
        console_login: Callable[..., str]) -> None:
    p = client.post("/api/v1/products", json=cola(), headers=admin).json()
    make_user("wh", role="warehouse")
    csrf = console_login("wh")

    def form(price: str) -> dict[str, str]:
        return {"csrf": csrf, "sku": "COLA330", "name": "可乐", "tax_rate_bp": "1300", "active": "on",
                "units.0.code": "罐", "units.0.factor": "1", "units.0.price": price, "units.0.barcodes": COLA_EA,
                "units.1.code": "箱", "units.1.factor": "24", "units.1.price": "65.00", "units.1.barcodes": COLA_BOX}

    r = client.post(f"/catalog/products/{p['id']}/edit", data=form("0.01"), follow_redirects=False)
    assert r.status_code == 200  # the form again, with the reason at the price
    assert "pricing.write" in r.text
    assert _units(engine, p["id"])[0][3] == 300
    r = client.post(f"/catalog/products/{p['id']}/edit", data=form("3.00"), follow_redirects=False)
    assert r.status_code == 303, r.text


def test_excel_import_refuses_a_price_change_without_pricing(
        engine: Engine, client: TestClient, admin: Headers, make_user: Callable[..., int],
        make_xlsx: Callable[..., Path]) -> None:
    p = client.post("/api/v1/products", json=cola(), headers=admin).json()
    make_user("wh", role="warehouse")
    with session_scope(engine, write=False) as s:
        wh = user_principal(s.scalar(select(User).where(User.username == "wh")))
    head = ["商品编码\nSKU", "商品名称\nName", "单位\nUnit", "零售价（元）\nPrice (yuan)"]

    def run(price: float) -> ImportResult:
        with session_scope(engine) as s:
            return run_import(s, ProductImporter(), make_xlsx([head, ["COLA330", "可乐", "罐", price]]), who=wh,
                              dry_run=False)

    refused = run(0.01)
    assert [(x.row, x.column) for x in refused.problems] == [(2, "零售价（元）")]
    assert "pricing.write" in refused.problems[0].message_en
    assert _units(engine, p["id"])[0][3] == 300
    assert run(3.00).problems == []  # the same price: the name changes
