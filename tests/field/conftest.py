"""Fixtures of the rep tablet's tests: a real central (SQLite file) with a rep, their customers, price
lists, floor prices, a route and a target, and a tablet enrolled through the real API into a real
SQLite file (`world.FieldWorld`).

Building that world costs seconds (migrations, argon2 at enrolment); it is built once per module and
each test gets its own copy of both files (central's database and the tablet's), so tests stay
independent and run in any order.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.conftest import sqlite_template  # noqa: F401

from .world import FieldWorld, build_world_files, open_world


@pytest.fixture(scope="module")
def world_files(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    root = tmp_path_factory.mktemp("field-world")
    shutil.copy(sqlite_template, root / "central.sqlite3")
    build_world_files(root)
    return root


@pytest.fixture
def world(world_files: Path, tmp_path: Path) -> Iterator[FieldWorld]:
    shutil.copytree(world_files, tmp_path / "w")
    w = open_world(tmp_path / "w")
    try:
        yield w
    finally:
        w.close()
