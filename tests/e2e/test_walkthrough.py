"""The README walkthrough with real processes: demo central, enrol a till, sell with central
stopped, start central, sync, and see central's report agree with what the till sold."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(BIN / args[0]), *args[1:]], env=env, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


class Central:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(BIN / "pos-central"), "serve", "--port", str(self.port)],
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("central did not start:\n" + self.log.read_text(errors="replace"))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    env = {**os.environ, "POS_DATA_DIR": str(tmp_path / "central")}
    env.pop("POS_DATABASE_URL", None)
    _run(env, "pos-central", "migrate")
    _run(env, "pos-central", "demo")
    server = Central(env, _free_port(), tmp_path / "central.log")
    server.start()
    yield server
    server.stop()


def _last_json(stdout: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return data


def test_offline_sales_reach_central_exactly_once(central: Central, tmp_path: Path) -> None:
    env = central.env
    till = str(tmp_path / "till")
    # given a till enrolled for store S01 with the demo catalog
    code = _run(env, "pos-central", "enroll-code", "--store", "S01", "--kind", "pos").stdout.strip().splitlines()[-1]
    _run(env, "pos-terminal", "enroll", "--server", central.url, "--code", code, "--data", till)
    status = _last_json(_run(env, "pos-terminal", "status", "--data", till, "--json").stdout)
    assert status["enrolled"] is True
    assert status["pending"] == 0

    # when central is down and the till sells
    central.stop()
    sold = _last_json(_run(env, "pos-terminal", "simulate", "--sales", "30", "--seed", "11", "--data", till).stdout)
    assert sold["sales"] == 30
    failed = _run(env, "pos-terminal", "sync", "--data", till, check=False)
    assert failed.returncode != 0, "sync must not report success while central is down"
    waiting = _last_json(_run(env, "pos-terminal", "status", "--data", till, "--json").stdout)
    assert isinstance(waiting["pending"], int)
    assert waiting["pending"] >= 30

    # and central comes back and the till syncs (twice: the second round must change nothing)
    central.start()
    _run(env, "pos-terminal", "sync", "--data", till)
    _run(env, "pos-terminal", "sync", "--data", till)
    after = _last_json(_run(env, "pos-terminal", "status", "--data", till, "--json").stdout)
    assert after["pending"] == 0

    # then central's report agrees with the till, sale for sale and fen for fen
    today = date.today()
    report = json.loads(_run(env, "pos-central", "report", "sales", "--from", str(today - timedelta(days=2)),
                             "--to", str(today + timedelta(days=2)), "--store", "S01", "--json").stdout)
    assert report["sales"] == sold["sales"]
    assert report["returns"] == sold["returns"]
    assert report["net_fen"] == sold["net_fen"]
    # and stock on hand still agrees with the ledger
    _run(env, "pos-central", "check-stock")
