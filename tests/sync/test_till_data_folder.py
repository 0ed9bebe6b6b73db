"""The till's data folder (#10 §6, §5): an enrolled till never silently starts on an empty database,
a damaged one is named in plain words, and everything in the folder is its owner's only.

Real processes: central is `pos-central serve`, the till is `pos-terminal` CLI runs on a real folder.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine

from terminal.store import open_store
from terminal.store.data_folder import MARKER_FILENAME, read_marker
from terminal.store.db import DB_FILENAME

from .procs import Central, terminal_cli
from .world import Seeded, enrolment_code, seed

pytestmark = pytest.mark.slow
ON_SQLITE = pytest.mark.parametrize("central_url", ["sqlite"], indirect=True)


@pytest.fixture
def seeded(central_engine: Engine) -> Seeded:
    return seed(central_engine, products=5, members=1)


def enrolled_till(engine: Engine, central: Central, seeded: Seeded, data: Path) -> None:
    code = enrolment_code(engine, seeded.store_ids["S01"])
    done = terminal_cli("enroll", "--server", central.url, "--code", code, "--data", str(data))
    assert done.returncode == 0, done.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@ON_SQLITE
def test_enrolled_till_keeps_a_marker_and_refuses_to_start_without_its_database(
        central_engine: Engine, central: Central, seeded: Seeded, tmp_path: Path) -> None:
    data = tmp_path / "till"
    enrolled_till(central_engine, central, seeded, data)
    marker = read_marker(data)
    assert marker is not None
    assert marker["store_code"] == "S01"
    assert int(marker["terminal_id"]) > 0
    assert "credential" not in (data / MARKER_FILENAME).read_text()
    assert mode(data) == 0o700
    for name in (MARKER_FILENAME, DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm"):
        if (data / name).exists():
            assert mode(data / name) == 0o600, name

    for suffix in ("", "-wal", "-shm"):  # someone deletes the database
        (data / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)
    for command in (("status",), ("sync",), ("enroll", "--server", central.url, "--code", "X", "--force")):
        done = terminal_cli(*command, "--data", str(data))
        assert done.returncode == 4, (command, done.stdout, done.stderr)
        assert "收银数据库不见了" in done.stderr
        assert "the till's database is missing" in done.stderr
        assert "pos-terminal recover" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (data / DB_FILENAME).exists(), "no new empty database was made"


def enrolled_locally(data: Path) -> None:
    """A till folder as enrolment leaves it (settings + marker), without a central."""
    with open_store(data) as store:
        with store.transaction():
            for key, value in {"server_url": "http://central", "credential": "c", "terminal_id": "7",
                               "terminal_code": "T07", "store_code": "S01"}.items():
                store.set_setting(key, value)
        store.mark_enrolled()


def test_an_emptied_database_is_refused_too(tmp_path: Path) -> None:
    data = tmp_path / "till"
    enrolled_locally(data)
    for suffix in ("-wal", "-shm"):
        (data / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)
    (data / DB_FILENAME).write_bytes(b"")  # e.g. a restore that kept the name but not the data
    done = terminal_cli("status", "--data", str(data))
    assert done.returncode == 4, done.stderr
    assert "收银数据库不见了" in done.stderr
    assert "pos-terminal recover" in done.stderr
    assert (data / DB_FILENAME).stat().st_size == 0, "the empty file was left as it was"


def test_a_till_enrolled_before_markers_gets_one(tmp_path: Path) -> None:
    """A till enrolled by an older version (no marker) is protected from its next start on."""
    data = tmp_path / "till"
    with open_store(data) as store:
        with store.transaction():
            for key, value in {"server_url": "http://central", "credential": "c", "terminal_id": "7",
                               "terminal_code": "T07", "store_code": "S01"}.items():
                store.set_setting(key, value)
    assert not (data / MARKER_FILENAME).exists()
    with open_store(data):
        pass
    marker = json.loads((data / MARKER_FILENAME).read_text())
    assert marker["terminal_code"] == "T07"
    assert marker["terminal_id"] == "7"
    assert mode(data / MARKER_FILENAME) == 0o600


def test_a_never_enrolled_folder_starts_as_before(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    done = terminal_cli("status", "--data", str(data))
    assert done.returncode == 0, done.stderr
    assert not (data / MARKER_FILENAME).exists()
    assert mode(data) == 0o700
    assert mode(data / DB_FILENAME) == 0o600


@pytest.mark.parametrize("damage", ["garbage", "torn_page"])
def test_a_damaged_database_is_named_in_plain_words(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "till"
    enrolled_locally(data)
    with open_store(data) as store:
        with store.transaction():
            for i in range(400):  # a few pages of rows
                store.set_setting(f"filler{i}", "x" * 200)
        store.checkpoint_now()
    db = data / DB_FILENAME
    raw = bytearray(db.read_bytes())
    if damage == "garbage":
        raw[:100] = b"this is not a database" * 4 + b"....."[: 100 - 88]
    else:
        page = 4096
        raw[page * 3:page * 3 + 1500] = bytes(range(256)) * 5 + bytes(220)
    db.write_bytes(bytes(raw))
    for suffix in ("-wal", "-shm"):
        (data / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)
    done = terminal_cli("sync" if damage == "garbage" else "status", "--data", str(data))
    if damage == "garbage":
        assert done.returncode == 4, done.stderr
        assert "收银数据库已损坏或无法读取" in done.stderr
        assert "damaged or unreadable" in done.stderr
        assert "Traceback" not in done.stderr
    from terminal.store.db import check_at_start
    from terminal.store.errors import DataFolderError

    with pytest.raises(DataFolderError) as refused:
        check_at_start(data)
    assert refused.value.code == "database_unreadable"
    assert "pos-terminal recover" in refused.value.message_en
