"""Fixtures of the sync tests: central databases on SQLite and PostgreSQL (empty, or migrated to
head from a per-session template), a real central app, and cheap argon2 for seeded users."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.db import dispose_engine, get_engine, make_engine
from tests.sync.procs import Central
from tests.sync.world import Seeded


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty central database URL, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    make: Callable[[], str] = request.getfixturevalue("make_pg_database")
    return make()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from central.migrations import upgrade

    path = tmp_path_factory.mktemp("sync-template") / "central.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)
    return path


@pytest.fixture(scope="session")
def pg_template(make_pg_database: Callable[[], str]) -> str:
    from central.migrations import upgrade

    url = make_pg_database()
    upgrade(url)
    dispose_engine(url)
    return url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A central database migrated to head (copied from a template), SQLite and PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "central.sqlite3"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    import psycopg

    server: str = request.getfixturevalue("pg_server_url")
    template_name: str = request.getfixturevalue("pg_template")
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    name = f"pos_sync_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    url = f"{server.rsplit('/', 1)[0]}/{name}"
    yield url
    dispose_engine(url)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def central_engine(central_url: str) -> Engine:
    return get_engine(central_url)


@pytest.fixture
def api(central_url: str) -> Iterator[TestClient]:
    """The real central app in-process (httpx client): what terminals talk to in these tests."""
    from central.app import create_app

    with TestClient(create_app(central_url), base_url="http://central") as client:
        yield client


@pytest.fixture
def central(central_url: str, seeded: Seeded, tmp_path: Path) -> Iterator[Central]:
    """`pos-central serve` in its own process on the test's database, after the module's own `seeded`
    fixture has filled it; stopped (SIGTERM) at the end."""
    server = Central(central_url, tmp_path / "central.log").start()
    try:
        yield server
    finally:
        server.stop()

