"""Fixtures for central tests: a migrated database on SQLite *and* PostgreSQL, a TestClient,
and helpers to make users and log in.

Every test using `db_url`, `engine`, `client` ... runs twice: `[sqlite]` and `[postgresql]`.
Migrations run from zero once per session per backend; each SQLite test gets a fresh copy of
that file, each PostgreSQL test the same database emptied first (TRUNCATE), so tests are
independent and fast.
"""

from __future__ import annotations

import shutil
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
from central.tables import import_all_models
from central.users.models import User

PASSWORD = "correct horse 马"


@pytest.fixture(autouse=True, scope="session")
def _cheap_argon2() -> Iterator[None]:
    """Tests hash many passwords: use argon2 with tiny costs (verification reads them from the hash)."""
    from argon2 import PasswordHasher

    from central.auth import passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = real


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "central.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)
    return path


class _PgDatabase:
    """One PostgreSQL database migrated from zero once per session, emptied before each test.

    Copying a template database or TRUNCATE costs seconds per test on a busy machine (new files,
    fsync); DELETE of small tables plus restarting the sequences costs milliseconds and leaves
    the same state. Rows a migration seeded are put back.
    """

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            # a throwaway test database: no need to wait for the disk at every commit
            conn.execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET synchronous_commit = off')
        upgrade(url)
        metadata = import_all_models()
        engine = get_engine(url)
        self.seed: dict[str, list[dict[str, Any]]] = {}
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in conn.execute(table.select())]
                if rows:
                    self.seed[table.name] = rows
            self.sequences = [r[0] for r in conn.exec_driver_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")]

    def reset(self) -> None:
        from central import references

        references.forget(self.url)  # master rows are deleted here, which production never does
        metadata = import_all_models()
        engine = get_engine(self.url)
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
            for name in self.sequences:
                conn.exec_driver_sql(f'ALTER SEQUENCE "{name}" RESTART')
            for name, rows in self.seed.items():
                table = metadata.tables[name]
                conn.execute(table.insert(), rows)
                if "id" in table.c and table.c.id.autoincrement:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM \"{name}\"))")


@pytest.fixture(scope="session")
def _pg_database(make_pg_database: Callable[[], str]) -> _PgDatabase:
    return _PgDatabase(make_pg_database())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a migrated, empty database, per backend (every test runs on both)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "central.sqlite3"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    pg: _PgDatabase = request.getfixturevalue("_pg_database")
    pg.reset()
    yield pg.url


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
    """make_store("S01", name=...) → store id (with its first warehouse S01-W1, as the API makes it)."""
    from central.org.service import create_store

    def make(code: str = "S01", name: str | None = None) -> int:
        with session_scope(engine) as s:
            return create_store(s, code=code, name=name or f"门店{code}").id

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
