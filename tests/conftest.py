"""Shared fixtures: PostgreSQL availability (skip with a reason, or fail when CI requires it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_url() -> str:
    return os.environ.get("POS_TEST_PG_URL", DEFAULT_PG_URL)


def _pg_required() -> bool:
    return os.environ.get("POS_REQUIRE_PG") == "1"


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of a reachable PostgreSQL, or skip (fail when POS_REQUIRE_PG=1) saying why."""
    url = _pg_url()
    try:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:  # any failure to connect means "no PostgreSQL here"
        msg = (f"PostgreSQL not reachable at {url} ({type(exc).__name__}: {exc}); "
               "set POS_TEST_PG_URL to a server to run these tests")
        if _pg_required():
            pytest.fail("POS_REQUIRE_PG=1 but " + msg)
        pytest.skip(msg)
    return url


@pytest.fixture(scope="session")
def make_pg_database(pg_server_url: str) -> Iterator[Callable[[], str]]:
    """Factory of fresh, empty PostgreSQL databases (dropped at the end of the session)."""
    import psycopg

    plain = pg_server_url.replace("postgresql+psycopg://", "postgresql://")
    made: list[str] = []

    def make() -> str:
        name = f"pos_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        base = pg_server_url.rsplit("/", 1)[0]
        return f"{base}/{name}"

    yield make
    with psycopg.connect(plain, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
