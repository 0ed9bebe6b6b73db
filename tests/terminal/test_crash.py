"""A sale survives `kill -9` at any point after pay: on reopen it is fully there with its outbox
event, or not there at all. Real child processes, real SQLite file, SIGKILL at random moments."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from terminal.store import Store, open_store
from terminal.store.seed import seed_demo

ROOT = Path(__file__).resolve().parents[2]


def _check_consistent(store: Store) -> tuple[int, int]:
    assert store.scalar("PRAGMA integrity_check") == "ok"
    assert store.all("PRAGMA foreign_key_check") == []
    sales = store.all("SELECT id, receipt_no, event_seq FROM sales")
    for sale_id, receipt_no, seq in sales:
        payload = store.sales.json(sale_id)
        assert payload is not None, f"sale {receipt_no} without its text"
        data = json.loads(payload)
        assert store.scalar("SELECT count(*) FROM sale_lines WHERE sale_id=?", (sale_id,)) == len(data["lines"])
        assert store.scalar("SELECT count(*) FROM payments WHERE sale_id=?", (sale_id,)) == len(data["payments"])
        ev = store.outbox.get(seq)
        assert ev is not None, f"sale {receipt_no} without its outbox event"
        assert ev.type == "sale.completed"
        assert ev.payload["sale_id"] == sale_id
    for (seq,) in store.all("SELECT seq FROM outbox WHERE type='sale.completed'"):
        ev = store.outbox.get(seq)
        assert ev is not None
        assert store.sales.exists(ev.payload["sale_id"]), "event without its sale"
    returns = store.all("SELECT id, event_seq FROM returns")
    for return_id, seq in returns:
        ret = store.returns.load(return_id)
        assert ret is not None, f"return {return_id} without its text"
        assert store.scalar("SELECT count(*) FROM return_lines WHERE return_id=?", (return_id,)) == len(ret.lines)
        assert store.scalar("SELECT type FROM outbox WHERE seq=?", (seq,)) == "sale.returned"
    assert store.scalar("SELECT count(*) FROM outbox WHERE type='sale.returned'") == len(returns)
    # gap-free counters: nothing allocated by a transaction that did not commit
    count, top = store.one("SELECT count(*), coalesce(max(seq), 0) FROM outbox") or (0, 0)
    assert count == top
    assert (store.scalar("SELECT value FROM local_seq WHERE name='receipt'") or 0) == len(sales)
    return len(sales), len(returns)


def _run_child(data: Path, seed: int, kill_after: float) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crash_child.py")), str(data), str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    reported: list[str] = []
    buf = b""
    deadline: float | None = None
    try:
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], 0.01)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    text = line.decode()
                    if text == "ready":
                        deadline = time.monotonic() + kill_after
                    elif text.startswith("sale "):
                        reported.append(text[5:])
            if deadline is not None and time.monotonic() >= deadline:
                break
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"child died by itself: {err[-2000:]}")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return reported


@pytest.mark.slow
def test_kill_9_during_sales_never_leaves_half_a_sale(tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    store = open_store(data)
    seed_demo(store)
    store.close()
    rng = random.Random(20261123)
    all_reported: list[str] = []
    for round_no in range(8):
        reported = _run_child(data, seed=round_no, kill_after=rng.uniform(0.05, 0.8))
        all_reported += reported
        store = open_store(data)
        try:
            sales, _ = _check_consistent(store)
            # every sale the child reported as done was committed before it was reported
            missing = [r for r in all_reported
                       if store.one("SELECT 1 FROM sales WHERE receipt_no=?", (r,)) is None]
            assert missing == []
            assert sales >= len(all_reported)
        finally:
            store.close()
    assert len(all_reported) > 10  # the test really rang up sales between the kills
