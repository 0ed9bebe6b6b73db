"""`pos-terminal simulate --orders N` on a rep tablet, then `pos-terminal sync`, and central's
`pos-central report field --json` shows the same figures: every one a real process (central's server,
its CLI, the tablet's CLI) over real SQLite files and a real PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from central.db import dispose_engine, get_engine
from tests.sync.conftest import central_url, pg_template, sqlite_template  # noqa: F401
from tests.sync.procs import ROOT, Central, _env, terminal_cli
from tests.sync.world import seed

from .world import seed_field, today

KEYS = ("orders", "order_total_fen", "visits", "collections_fen", "held_for_approval")


def central_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "central.cli", *args], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=timeout)


@pytest.mark.slow
def test_simulated_orders_reach_central_report(central_url: str, tmp_path: Path) -> None:  # noqa: F811
    engine = get_engine(central_url)
    seeded = seed(engine, products=30, members=0, stores=("S01",))
    seed_field(engine, seeded.store_ids["S01"], seeded.product_ids)
    dispose_engine(central_url)
    server = Central(central_url, tmp_path / "central.log").start()
    try:
        made = central_cli("enroll-code", "--store", "S01", "--kind", "rep", "--rep", "rep01", "--db", central_url)
        assert made.returncode == 0, made.stderr
        code = made.stdout.strip().splitlines()[-1]
        data = str(tmp_path / "tablet")
        enrolled = terminal_cli("enroll", "--server", server.url, "--code", code, "--data", data)
        assert enrolled.returncode == 0, enrolled.stderr
        ran = terminal_cli("simulate", "--orders", "30", "--seed", "7", "--data", data, timeout=300)
        assert ran.returncode == 0, ran.stderr
        figures = json.loads(ran.stdout.strip().splitlines()[-1])
        assert figures["orders"] >= 25  # a few attempts may be refused only where the store blocks
        assert figures["held_for_approval"] >= 1
        assert figures["box_lines"] >= 1
        assert figures["visits"] >= 1
        assert figures["collections_fen"] > 0
        synced = terminal_cli("sync", "--data", data, timeout=300)
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert json.loads(synced.stdout.strip().splitlines()[-1])["pending"] == 0
        day = today().isoformat()
        report = central_cli("report", "field", "--from", day, "--to", day, "--json", "--db", central_url)
        assert report.returncode == 0, report.stderr
        got = json.loads(report.stdout)
        assert {k: got[k] for k in KEYS} == {k: figures[k] for k in KEYS}
        # and for this rep only
        mine = central_cli("report", "field", "--from", day, "--to", day, "--rep", "rep01", "--json", "--db",
                           central_url)
        assert {k: json.loads(mine.stdout)[k] for k in KEYS} == {k: figures[k] for k in KEYS}
    finally:
        server.stop()
