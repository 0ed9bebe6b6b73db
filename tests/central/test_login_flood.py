"""A flood of logins against a real `pos-central serve` process (#10 §5): password checks run on a
few threads of their own, logins beyond them and a short queue are refused at once (429 `login_busy`,
Retry-After, the usual bilingual body), and other requests keep being answered promptly meanwhile.

Before the guard every login took a thread of the pool all endpoints share and waited its turn
there: 100 clients sending logins held every other request behind them for seconds, and none was
refused."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.central.conftest import PASSWORD
from tests.sync.procs import ROOT, free_port

ATTACKERS = 100


def _serve(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONUNBUFFERED="1",
               # every made-up name fails once: the per-address back-off must not hide what the pool does
               POS_LOGIN_ADDRESS_MAX_FAILURES="1000000", POS_LOGIN_HASH_WORKERS="2", POS_LOGIN_HASH_QUEUE="4")
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", db_url, "--port", str(port),
                                 "--log-level", "warning"], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def _wait_up(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("central did not start in time")


async def _flood(url: str, done: threading.Event) -> list[httpx.Response]:
    """ATTACKERS clients sending logins with made-up names one after another until `done`."""
    limits = httpx.Limits(max_connections=ATTACKERS, max_keepalive_connections=ATTACKERS)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        async def attacker(n: int) -> list[httpx.Response]:
            answers = []
            while not done.is_set() and len(answers) < 20:
                answers.append(await client.post("/api/v1/auth/login", json={
                    "username": f"nobody{n}-{len(answers)}", "password": "guess"}))
            return answers

        return [a for some in await asyncio.gather(*(attacker(n) for n in range(ATTACKERS))) for a in some]


def _probe(url: str, token: str, done: threading.Event, took: list[float]) -> None:
    """Another user's requests during the flood, on a connection of their own (opened before it)."""
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/v1/auth/me").status_code == 200
        time.sleep(1.0)  # the flood is in
        for _ in range(10):
            started = time.perf_counter()
            r = client.get("/api/v1/auth/me")
            took.append(time.perf_counter() - started)
            assert r.status_code == 200, r.text
            time.sleep(0.1)
    done.set()


def test_a_flood_of_logins_is_refused_early_and_other_requests_go_on(
        db_url: str, make_user: Callable[..., int], tmp_path: Path) -> None:
    make_user("alice", role="admin")
    port, log = free_port(), tmp_path / "central.log"
    url = f"http://127.0.0.1:{port}"
    proc = _serve(db_url, port, log)
    try:
        _wait_up(proc, url, log)
        r = httpx.post(url + "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
        probes: list[float] = []
        done = threading.Event()
        prober = threading.Thread(target=_probe, args=(url, r.json()["access_token"], done, probes))
        prober.start()
        try:
            answers = asyncio.run(_flood(url, done))
        finally:
            done.set()
            prober.join(60)
        assert len(probes) == 10, probes
        busy = [a for a in answers if a.status_code == 429]
        assert {a.status_code for a in answers} <= {401, 429}, {a.status_code for a in answers}
        assert len(busy) >= len(answers) // 2, f"only {len(busy)} of {len(answers)} refused early"
        for a in busy:
            assert a.headers["retry-after"] == "1"
            error = a.json()["error"]
            assert error["code"] == "login_busy"
            assert error["message"] == "登录请求太多，请稍后再试"
            assert error["message_en"] == "too many logins at once; try again in a moment"
        print(f"login flood: {len(busy)} of {len(answers)} refused early; other requests took "
              f"max {max(probes) * 1000:.0f} ms, median {sorted(probes)[len(probes) // 2] * 1000:.0f} ms")
        assert max(probes) < 1.0, probes
        # the server is still there and logins work once the flood is over
        r = httpx.post(url + "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
