"""The foundation: migrations, health, error bodies, authentication, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from central.app import create_app
from central.db import dispose_engine, get_engine
from central.migrations import SchemaOutOfDate, current_revision, head_revision
from central.tables import import_all_models


def test_migrated_database_is_at_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()


def test_health(client: TestClient, engine: Engine) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": engine.dialect.name, "schema_revision": head_revision()}


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.sqlite3"
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    dispose_engine(url)


def test_server_refuses_unmigrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/empty.sqlite3"
    with pytest.raises(SchemaOutOfDate, match="pos-central migrate"):
        create_app(url)
    dispose_engine(url)


def test_unknown_route_has_error_body(client: TestClient) -> None:
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_login_wrong_password_is_401_naming_field(client: TestClient, make_user: Callable[..., int]) -> None:
    make_user("amy")
    r = client.post("/api/v1/auth/login", json={"username": "amy", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "bad_credentials", "message": "用户名或密码错误",
                                 "message_en": "wrong username or password", "field": "password"}


def test_login_me_logout(client: TestClient, make_user: Callable[..., int],
                         login: Callable[[str], dict[str, str]]) -> None:
    make_user("bob", role="finance")
    headers = login("bob")
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "finance"
    assert "reports.read" in me.json()["permissions"]
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    again = client.get("/api/v1/auth/me", headers=headers)
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "token_expired"


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic abc", "Device 1:nope", "Device x"])
def test_bad_credentials_are_401(client: TestClient, header: str | None) -> None:
    r = client.get("/api/v1/auth/me", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.json()["error"]["message"]


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"


def test_validation_error_names_field(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "x" * 33, "password": "p"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "username"


def test_every_model_module_imports() -> None:
    tables = import_all_models().tables
    assert {"stores", "warehouses", "terminals", "users", "api_tokens"} <= set(tables)


def test_session_rolls_back_on_error(engine: Engine) -> None:
    from central.db import session_scope

    def write_then_fail() -> None:
        with session_scope(engine) as s:
            s.execute(text("insert into stores (code, name, rounding_mode, active, created_at, updated_at) "
                           "values ('R1', 'r', 'none', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_then_fail()
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from stores")).scalar() == 0


def test_repeated_scalar_query_parameter_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    r = client.get("/api/v1/stores?limit=5&limit=6", headers=admin)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "limit"
    assert client.get("/api/v1/stores?limit=5", headers=admin).status_code == 200


def test_list_query_parameters_may_repeat() -> None:
    from fastapi import FastAPI, Query

    from central.api.query import repeatable_query_params

    app = FastAPI()

    @app.get("/x")
    def x(tag: list[str] = Query(default=[]), one: str | None = None) -> dict[str, str]:  # noqa: B006
        return {}

    assert repeatable_query_params(app) == frozenset({"tag"})
