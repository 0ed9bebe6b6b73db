"""Fixtures for the terminal core: a real SQLite store in a temp dir, enrolled, with a small catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.session import Session
from terminal.shift import open_shift
from terminal.store import Store, open_store
from tests.terminal.helpers import CASHIER_PIN, add_levels, enrol, small_catalog


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "terminal")
    enrol(s)
    yield s
    s.close()


@pytest.fixture
def session(store: Store) -> Session:
    s = Session(store)
    s.sign_in("1001", CASHIER_PIN)
    return s


@pytest.fixture
def till(store: Store, session: Session) -> Checkout:
    """A signed-in cashier with an open shift and the small catalog."""
    small_catalog(store)
    add_levels(store)
    open_shift(store, session, 20_000)
    return Checkout(store, session, Catalog(store))
