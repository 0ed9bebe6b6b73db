"""Real processes for crash and fault tests: a central server (`pos-central serve`), terminal CLI
commands, and a till process that commits sales and then pushes (or waits to be killed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Central:
    """`pos-central serve` in its own process, killable with SIGKILL and restartable."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> Central:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "central.cli", "serve", "--db", self.db_url, "--port", str(self.port),
                 "--log-level", "warning"], stdout=out, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"central exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill9()  # never leave a half-started server behind
        raise RuntimeError("central did not start in time")

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()


def terminal_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "terminal.cli", *args], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=timeout)


def start_till(data: Path, *, sales: int, then: str, server: str | None = None, lines: int = 2,
               batch: int = 200) -> subprocess.Popen[str]:
    """Run `tests.sync.till_proc`: commit `sales` sales, print COMMITTED, then `then`
    (`wait`: sleep until killed; `push`: print PUSHING and push everything to `server`)."""
    cmd = [sys.executable, "-m", "tests.sync.till_proc", "--data", str(data), "--sales", str(sales),
           "--then", then, "--lines", str(lines), "--batch", str(batch)]
    if server:
        cmd += ["--server", server]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=ROOT)


def wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float = 60.0) -> list[str]:
    """Read the process's output until a line starts with `marker`."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"process ended before {marker!r}: {''.join(seen)[-2000:]}")
        seen.append(line)
        if line.startswith(marker):
            return seen
    raise RuntimeError(f"no {marker!r} in time")


def kill9(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)
