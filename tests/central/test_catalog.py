"""Catalogue: products with units and barcodes, pinyin search, category tree, bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from central.catalog.models import Barcode, Product, ProductUnit
from central.catalog.pinyin import pinyin_initials
from central.db import session_scope
from sync.barcodes import with_check_digit
from sync.catalog import Product as ContractProduct

Headers = dict[str, str]
COLA_EA = with_check_digit("690123456789")
COLA_BOX = with_check_digit("690123456790")
UPC = with_check_digit("03600029145")  # a UPC-A (12 digits)


def cola(**extra: Any) -> dict[str, Any]:
    return {"sku": "COLA330", "name": "可口可乐 330ml", "name_en": "Coca-Cola 330ml", "tax_rate_bp": 1300,
            "units": [{"code": "罐", "factor": 1, "price_fen": 300, "barcodes": [COLA_EA]},
                      {"code": "箱", "factor": 24, "price_fen": 6500, "barcodes": [COLA_BOX]}], **extra}


@pytest.fixture
def catalog_admin(client: TestClient, make_user: Callable[..., int], login: Callable[[str], Headers]) -> Headers:
    make_user("wh", role="warehouse")
    return login("wh")


def test_pinyin_initials() -> None:
    assert pinyin_initials("可口可乐 330ml") == "kkkl330ml"
    assert pinyin_initials("重庆火锅底料") == "cqhgdl"


def test_create_product_with_units_and_barcodes(client: TestClient, catalog_admin: Headers) -> None:
    r = client.post("/api/v1/products", json=cola(), headers=catalog_admin)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["pinyin"] == "kkkl330ml"
    assert [(u["code"], u["factor"], u["price_fen"], u["barcodes"]) for u in p["units"]] == [
        ("罐", 1, 300, [COLA_EA]), ("箱", 24, 6500, [COLA_BOX])]
    # the box barcode finds the same product
    found = client.get(f"/api/v1/products/by-barcode/{COLA_BOX}", headers=catalog_admin)
    assert found.status_code == 200
    assert found.json()["id"] == p["id"]


def test_upca_barcode_is_stored_as_ean13_and_found_either_way(client: TestClient, catalog_admin: Headers) -> None:
    body = cola(sku="X1", units=[{"code": "个", "price_fen": 100, "barcodes": [UPC]}])
    r = client.post("/api/v1/products", json=body, headers=catalog_admin)
    assert r.status_code == 201, r.text
    assert r.json()["units"][0]["barcodes"] == ["0" + UPC]
    assert client.get(f"/api/v1/products/by-barcode/{UPC}", headers=catalog_admin).status_code == 200
    assert client.get(f"/api/v1/products/by-barcode/0{UPC}", headers=catalog_admin).status_code == 200


def test_search_by_pinyin_name_sku_barcode(client: TestClient, catalog_admin: Headers) -> None:
    client.post("/api/v1/products", json=cola(), headers=catalog_admin)
    client.post("/api/v1/products", headers=catalog_admin, json={
        "sku": "MILK1", "name": "蒙牛纯牛奶", "units": [{"code": "盒", "price_fen": 350}]})
    for q, skus in [("kkkl", ["COLA330"]), ("牛奶", ["MILK1"]), ("MILK", ["MILK1"]), (COLA_BOX, ["COLA330"]),
                    ("mnc", ["MILK1"]), ("coca", ["COLA330"])]:
        items = client.get("/api/v1/products", params={"q": q}, headers=catalog_admin).json()["items"]
        assert [i["sku"] for i in items] == skus, q


def test_category_filter_includes_subcategories(client: TestClient, catalog_admin: Headers) -> None:
    food = client.post("/api/v1/categories", json={"code": "01", "name": "食品"}, headers=catalog_admin).json()
    drinks = client.post("/api/v1/categories", json={"code": "0101", "name": "饮料", "parent_id": food["id"]},
                         headers=catalog_admin).json()
    client.post("/api/v1/products", json=cola(category_id=drinks["id"]), headers=catalog_admin)
    items = client.get("/api/v1/products", params={"category_id": food["id"]}, headers=catalog_admin).json()
    assert items["total"] == 1
    tree = client.get("/api/v1/categories/tree", headers=catalog_admin).json()
    assert tree[0]["name"] == "食品"
    assert tree[0]["children"][0]["name"] == "饮料"
    # a category cannot move under its own child
    r = client.patch(f"/api/v1/categories/{food['id']}", json={"parent_id": drinks["id"]}, headers=catalog_admin)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "parent_id"


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"units": [{"code": "罐", "factor": 1, "price_fen": -1}]}, 422, "units.0.price_fen"),
    ({"units": [{"code": "罐", "factor": 1, "price_fen": 1.5}]}, 422, "units.0.price_fen"),
    ({"units": [{"code": "罐", "factor": 1, "price_fen": "3元"}]}, 422, "units.0.price_fen"),
    ({"units": [{"code": "罐", "factor": 1, "price_fen": 1, "barcodes": ["6901234567890"]}]}, 422,
     "units.0.barcodes.0"),
    ({"units": [{"code": "箱", "factor": 24, "price_fen": 1}]}, 422, "units"),
    ({"units": [{"code": "罐", "price_fen": 1}, {"code": "罐", "price_fen": 2}]}, 422, "units.1.code"),
    ({"units": []}, 422, "units"),
    ({"tax_rate_bp": 1700}, 422, "tax_rate_bp"),
    ({"name": "长" * 101}, 422, "name"),
    ({"category_id": 999}, 404, "category_id"),
    ({"weighed": True}, 422, "units.1.factor"),
    ({"sku": ""}, 422, "sku"),
])
def test_bad_product_input_names_field(client: TestClient, catalog_admin: Headers, engine: Engine,
                                       change: dict[str, Any], status: int, field: str) -> None:
    r = client.post("/api/v1/products", json=cola(**change), headers=catalog_admin)
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"] == field
    with session_scope(engine, write=False) as s:  # nothing half-written
        assert s.scalar(select(func.count(Product.id))) == 0
        assert s.scalar(select(func.count(ProductUnit.id))) == 0


def test_duplicate_sku_and_barcode_conflict(client: TestClient, catalog_admin: Headers, engine: Engine) -> None:
    assert client.post("/api/v1/products", json=cola(), headers=catalog_admin).status_code == 201
    r = client.post("/api/v1/products", json=cola(units=[{"code": "个", "price_fen": 1}]), headers=catalog_admin)
    assert (r.status_code, r.json()["error"]["field"]) == (409, "sku")
    r = client.post("/api/v1/products", json=cola(sku="OTHER"), headers=catalog_admin)
    assert (r.status_code, r.json()["error"]["field"]) == (409, "units.0.barcodes.0")
    assert r.json()["error"]["code"] == "duplicate_barcode"
    r = client.post("/api/v1/products", headers=catalog_admin, json=cola(
        sku="OTHER", units=[{"code": "个", "price_fen": 1, "barcodes": [COLA_BOX[:-1] + "0", COLA_BOX[:-1] + "0"]}]))
    assert r.status_code == 422
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Product.id))) == 1
        assert s.scalar(select(func.count(Barcode.id))) == 2


def test_patch_replaces_units_and_moves_barcode(client: TestClient, catalog_admin: Headers) -> None:
    p = client.post("/api/v1/products", json=cola(), headers=catalog_admin).json()
    ea_id = p["units"][0]["id"]
    r = client.patch(f"/api/v1/products/{p['id']}", headers=catalog_admin, json={
        "name": "可口可乐 零度", "units": [{"code": "罐", "factor": 1, "price_fen": 300, "barcodes": [COLA_EA, COLA_BOX]}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pinyin"] == "kkklld"
    assert [(u["id"], u["price_fen"], u["barcodes"]) for u in body["units"]] == [(ea_id, 300, [COLA_EA, COLA_BOX])]
    # (the warehouse keeps the catalogue, not prices: tests/central/roles/test_product_patch.py)


def test_stored_product_is_a_valid_contract_product(client: TestClient, catalog_admin: Headers,
                                                    engine: Engine) -> None:
    from central.catalog.service import get_product, product_to_wire

    pid = client.post("/api/v1/products", json=cola(), headers=catalog_admin).json()["id"]
    with session_scope(engine, write=False) as s:
        wire = product_to_wire(get_product(s, pid))
    parsed = ContractProduct.from_dict(wire)
    assert parsed.unit("箱").factor == 24
    assert parsed.base_unit.code == "罐"
    assert wire["pinyin"] == "kkkl330ml"


def test_cashier_reads_but_cannot_write(client: TestClient, make_store: Callable[..., int],
                                        make_user: Callable[..., int], login: Callable[[str], Headers]) -> None:
    make_user("c", role="cashier", store_id=make_store("S01"))
    h = login("c")
    assert client.get("/api/v1/products", headers=h).status_code == 200
    assert client.post("/api/v1/products", json=cola(), headers=h).status_code == 403
    assert client.get("/api/v1/products").status_code == 401


def test_unknown_barcode_and_bad_barcode(client: TestClient, catalog_admin: Headers) -> None:
    r = client.get(f"/api/v1/products/by-barcode/{COLA_EA}", headers=catalog_admin)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "barcode_not_found")
    r = client.get("/api/v1/products/by-barcode/12345", headers=catalog_admin)
    assert (r.status_code, r.json()["error"]["field"]) == (422, "barcode")


def test_suppliers_and_brands(client: TestClient, catalog_admin: Headers) -> None:
    s = client.post("/api/v1/suppliers", json={"code": "SUP1", "name": "华润饮料", "phone": "021-1234"},
                    headers=catalog_admin)
    assert s.status_code == 201
    dup = client.post("/api/v1/suppliers", json={"code": "SUP1", "name": "x"}, headers=catalog_admin)
    assert (dup.status_code, dup.json()["error"]["field"]) == (409, "code")
    b = client.post("/api/v1/brands", json={"name": "可口可乐"}, headers=catalog_admin).json()
    p = client.post("/api/v1/products", json=cola(brand_id=b["id"], supplier_id=s.json()["id"]),
                    headers=catalog_admin)
    assert p.status_code == 201
    listed = client.get("/api/v1/products", params={"brand_id": b["id"]}, headers=catalog_admin).json()
    assert listed["total"] == 1
