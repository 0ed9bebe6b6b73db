"""Bad input of every shape gets a clear 4xx naming the field, never a 500, nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from central.api.errors import integrity_to_domain
from central.catalog.models import Brand
from central.db import session_scope
from central.errors import Conflict, Invalid
from central.org.models import Store, Warehouse

Headers = dict[str, str]


@pytest.mark.parametrize(("content", "status", "code"), [
    (b"[1, 2]", 422, "validation_error"),
    (b'"just a string"', 422, "validation_error"),
    (b"", 422, "validation_error"),
    (b"\xff\xfe{", 400, "malformed_json"),
    (b'{"name": "a", "name": "b"', 400, "malformed_json"),
])
def test_body_that_is_not_an_object(client: TestClient, admin: Headers, content: bytes, status: int,
                                    code: str) -> None:
    r = client.post("/api/v1/brands", content=content, headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/stores/0", "store_id"),
    ("/api/v1/stores/-3", "store_id"),
    ("/api/v1/stores/99999999999999", "store_id"),
    ("/api/v1/stores/abc", "store_id"),
    ("/api/v1/stores?limit=0", "limit"),
    ("/api/v1/stores?limit=100000", "limit"),
    ("/api/v1/stores?offset=-1", "offset"),
    ("/api/v1/products?q=" + "x" * 51, "q"),
    ("/api/v1/products?category_id=1.5", "category_id"),
    ("/api/v1/promotions?at=yesterday", "at"),
])
def test_bad_path_and_query_values(client: TestClient, admin: Headers, url: str, field: str) -> None:
    r = client.get(url, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field


@pytest.mark.parametrize(("body", "field"), [
    ({"name": None}, "name"),
    ({"name": 12}, "name"),
    ({"name": ["x"]}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "a\tb"}, "name"),
    ({"name": "b" * 51}, "name"),
    ({}, "name"),
])
def test_wrong_types_and_lengths(client: TestClient, admin: Headers, engine: Engine, body: dict[str, object],
                                 field: str) -> None:
    r = client.post("/api/v1/brands", json=body, headers=admin)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field
    assert error["message"]
    assert error["message_en"]
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Brand.id))) == 0


def test_huge_numbers_are_refused(client: TestClient, admin: Headers) -> None:
    r = client.post("/api/v1/products", headers=admin, json={
        "sku": "BIG", "name": "大", "units": [{"code": "个", "price_fen": 2 ** 70}]})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "units.0.price_fen"
    r = client.post("/api/v1/warehouses", headers=admin, json={"code": "W9", "name": "x", "store_id": 2 ** 40})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "store_id"


def test_unknown_reference_is_404_and_nothing_written(client: TestClient, admin: Headers, engine: Engine) -> None:
    r = client.post("/api/v1/warehouses", headers=admin, json={"code": "W9", "name": "x", "store_id": 42})
    assert r.status_code == 404
    assert r.json()["error"]["field"] == "store_id"
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count(Warehouse.id))) == 0


def test_constraint_violation_maps_to_named_field(engine: Engine) -> None:
    # the safety net behind the services' own checks: the database's unique constraint
    with session_scope(engine) as s:
        s.add(Store(code="S01", name="一店"))
    def insert(row: object) -> None:
        with session_scope(engine) as s:
            s.add(row)
            s.flush()

    with pytest.raises(IntegrityError) as info:
        insert(Store(code="S01", name="二店"))
    err = integrity_to_domain(info.value)
    assert isinstance(err, Conflict)
    assert err.field == "code"
    with pytest.raises(IntegrityError) as info:
        insert(Warehouse(code="W1", name="x", store_id=999))
    assert isinstance(integrity_to_domain(info.value), Invalid)
