"""Fixtures for central tests: a migrated database on SQLite *and* PostgreSQL, a TestClient,
and helpers to make users and log in.

Every test using `db_url`, `engine`, `client` ... runs twice: `[sqlite]` and `[postgresql]`.
Migrations run once per session into a template (a SQLite file, a PostgreSQL template
database); each test gets a fresh copy, so tests are independent and fast.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from central.app import create_app
from central.auth.passwords import hash_password
from central.db import dispose_engine, get_engine, session_scope
from central.migrations import upgrade
from central.org.models import Store
from central.users.models import User

PASSWORD = "correct horse 马"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "central.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)
    return path


@pytest.fixture(scope="session")
def _pg_template(make_pg_database: Callable[[], str]) -> str:
    url = make_pg_database()
    upgrade(url)
    dispose_engine(url)
    return url.rsplit("/", 1)[1]


def _pg_copy(pg_server_url: str, template: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    plain = pg_server_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"pos_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = f"{pg_server_url.rsplit('/', 1)[0]}/{name}"

    def drop() -> None:
        dispose_engine(url)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a freshly migrated database (a copy of the session's template), per backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "central.sqlite3"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    pg_template: str = request.getfixturevalue("_pg_template")
    url, drop = _pg_copy(request.getfixturevalue("pg_server_url"), pg_template)
    yield url
    drop()


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking data directly (committed by the test when needed)."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return create_app(db_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # raise_server_exceptions=False: a 500 shows as a response the test can assert on
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_store(engine: Engine) -> Callable[..., int]:
    """make_store("S01", name=...) → store id (with its default warehouse W-S01)."""
    from central.org.models import Warehouse

    def make(code: str = "S01", name: str | None = None) -> int:
        with session_scope(engine) as s:
            store = Store(code=code, name=name or f"门店{code}")
            s.add(store)
            s.flush()
            s.add(Warehouse(code=f"W-{code}", name=f"{store.name}仓", store_id=store.id))
            return store.id

    return make


@pytest.fixture
def make_user(engine: Engine) -> Callable[..., int]:
    """make_user("alice", role="cashier", store_id=1) → user id; password is PASSWORD."""

    def make(username: str, role: str = "admin", store_id: int | None = None, **extra: Any) -> int:
        with session_scope(engine) as s:
            user = User(username=username, display_name=extra.pop("display_name", username), role=role,
                        store_id=store_id, password_hash=hash_password(PASSWORD), **extra)
            s.add(user)
            s.flush()
            return user.id

    return make


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    """login("alice") → headers with her bearer token."""

    def do(username: str, password: str = PASSWORD) -> dict[str, str]:
        r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return do


@pytest.fixture
def admin(make_user: Callable[..., int], login: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """Headers of a logged-in admin."""
    make_user("admin", role="admin")
    return login("admin")
