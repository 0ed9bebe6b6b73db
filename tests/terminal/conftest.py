"""Fixtures for the terminal core: a real SQLite store in a temp dir, enrolled, with a small catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from terminal.store import Store, open_store
from tests.terminal.helpers import enrol


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "terminal")
    enrol(s)
    yield s
    s.close()
