"""`pos-central serve --workers 2` on Linux: a listening socket per worker (SO_REUSEPORT), so the
connections of many tills spread over the workers instead of piling onto whichever woke first."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from central.api.workers import reuseport_available
from central.cli import main
from central.db import dispose_engine

pytestmark = pytest.mark.skipif(not reuseport_available(), reason="SO_REUSEPORT spreads connections only on Linux")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    """The worker processes of the supervisor `pid` (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z" and "resource_tracker" not in cmdline:
                found.append(int(entry.name))
    return found


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of the server-side TCP sockets on `port` in `state` (01 established, 0A listening)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == port and parts[3] == state:
            inodes.add(parts[9])
    return inodes


def _held(pid: int, inodes: set[str]) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            found.add(target[8:-1])
    return found


def _established_by_process(port: int, pids: list[int]) -> dict[int, int]:
    """How many ESTABLISHED server-side connections on `port` each process holds."""
    inodes = _sockets(port, "01")
    return {pid: len(_held(pid, inodes)) for pid in pids}


@pytest.fixture
def served(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    url = f"sqlite:///{tmp_path}/c.sqlite3"
    assert main(["migrate", "--db", url]) == 0
    dispose_engine(url)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", str(port),
                             "--workers", "2", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)
    yield proc, port
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_each_worker_listens_on_a_socket_of_its_own(served: tuple[subprocess.Popen[bytes], int]) -> None:
    # uvicorn --workers shares one listening socket: whichever worker wakes first takes every
    # connection waiting in the backlog (under load, mostly the same one)
    proc, port = served
    workers = _children(proc.pid)
    listening = _sockets(port, "0A")
    per_worker = [_held(pid, listening) for pid in workers]
    assert len(workers) == 2
    assert all(len(held) == 1 for held in per_worker), per_worker
    assert per_worker[0] != per_worker[1]
    assert not _held(proc.pid, listening)  # the supervisor itself takes no connection


def test_connections_spread_over_both_workers(served: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = served
    workers = _children(proc.pid)
    assert len(workers) == 2
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(16)]
    try:
        threads = [threading.Thread(target=c.get, args=("/api/v1/health",)) for c in clients]
        for t in threads:  # sixteen tills connecting at once, each keeping its connection open
            t.start()
        for t in threads:
            t.join()
        held = _established_by_process(port, workers)
        assert sum(held.values()) == 16
        # with one shared socket, connections opened together mostly landed on one worker; with a
        # socket each the kernel hashes them over both (all 16 on one: ~1 in 30,000)
        assert all(n > 0 for n in held.values()), held
    finally:
        for c in clients:
            c.close()


def test_sigterm_stops_the_workers_and_the_supervisor(served: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = served
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(40) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]


def test_a_worker_that_dies_is_replaced(served: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = served
    first = _children(proc.pid)
    os.kill(first[0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while True:
        now = [pid for pid in _children(proc.pid) if pid != first[0]]
        if len(now) == 2:
            break
        assert proc.poll() is None, "the supervisor stopped instead of replacing the worker"
        assert time.monotonic() < deadline, "no new worker"
        time.sleep(0.2)
    replacement = next(pid for pid in now if pid not in first)
    # the replacement serves: a connection that lands on it is answered
    deadline = time.monotonic() + 60
    while _established_by_process(port, [replacement])[replacement] == 0:
        assert time.monotonic() < deadline, "the new worker never took a connection"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            try:
                c.get("/api/v1/health", timeout=5)
            except httpx.TransportError:
                pass
            if _established_by_process(port, [replacement])[replacement]:
                break


def test_workers_do_not_outlive_a_killed_supervisor(served: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = served
    workers = _children(proc.pid)
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "a worker kept running after its supervisor was killed"
        time.sleep(0.2)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)


def test_a_port_already_in_use_is_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.sqlite3"
    assert main(["migrate", "--db", url]) == 0
    dispose_engine(url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", str(port),
                              "--workers", "2"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "cannot listen" in out.stderr
