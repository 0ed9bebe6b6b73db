"""Several server worker processes on one port, each with its own listening socket (SO_REUSEPORT).

Why: with one listening socket shared by the workers (`uvicorn --workers`), whichever worker wakes
first accepts every connection waiting in the backlog. Tills keep their connection open, so ten
tills that connect at once mostly landed on one worker, which then did ~80% of the work on one core
while the other worker idled: `bench sync_push` gave 4,300 or 5,300 sales/s from 10 tills depending
on how the connections happened to split. With a socket per worker bound with SO_REUSEPORT, the
Linux kernel spreads new connections over the workers by a hash of their addresses.

Linux only (elsewhere SO_REUSEPORT does not spread connections): `pos-central serve` falls back to
uvicorn's own workers there. The supervisor is deliberately small: it starts the workers, replaces
one that dies, stops when a worker cannot start at all (uvicorn's start-up failure exit code) or
workers keep dying, and on SIGINT or SIGTERM asks every worker to finish its requests (uvicorn's
graceful shutdown) before it exits.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

logger = logging.getLogger("uvicorn.error")

BACKLOG = 2048
"""Pending connections per worker socket (uvicorn's default)."""
MAX_DEATHS = 5
"""Workers that may die within `DEATH_WINDOW_S` before the supervisor gives up (a crash loop)."""
DEATH_WINDOW_S = 60.0
SHUTDOWN_TIMEOUT_S = 30.0
"""How long a worker may take to finish its requests after SIGTERM before it is killed."""


def reuseport_available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def check_port_free(host: str, port: int) -> None:
    """Raise OSError when something already listens on host:port (a bind without SO_REUSEPORT fails
    as plain uvicorn would: another `pos-central serve` must not silently share the port)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def listening_socket(host: str, port: int) -> socket.socket:
    """This worker's own socket on host:port, in the port's SO_REUSEPORT group."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def _die_with_parent(parent: int) -> None:
    """Ask Linux to send this worker SIGTERM when the supervisor dies (even by SIGKILL), so no
    orphan keeps serving on the port."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request took effect
        sys.exit(0)


def _worker(host: str, port: int, config: dict[str, Any], parent: int) -> None:
    """A worker process: its own socket, one uvicorn server (which handles SIGINT/SIGTERM itself)."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    _die_with_parent(parent)

    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", host, port, exc)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(uvicorn.Config(**config)).run(sockets=[sock])


class Supervisor:
    """Runs `workers` worker processes until SIGINT or SIGTERM; see the module docstring."""

    def __init__(self, workers: int, host: str, port: int, config: dict[str, Any]) -> None:
        self.workers = workers
        self.host = host
        self.port = port
        self.config = config
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = threading.Event()
        self._procs: list[BaseProcess] = []

    def _start(self) -> BaseProcess:
        proc = self._ctx.Process(target=_worker, args=(self.host, self.port, self.config, os.getpid()),
                                 daemon=False)
        proc.start()
        return proc

    def run(self) -> int:
        from uvicorn.config import STARTUP_FAILURE

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self._stop.set())
        self._procs = [self._start() for _ in range(self.workers)]
        logger.info("Started %d workers on %s:%d (SO_REUSEPORT)", self.workers, self.host, self.port)
        deaths: list[float] = []
        code = 0
        while not self._stop.wait(0.5):
            for i, proc in enumerate(self._procs):
                if proc.is_alive() or self._stop.is_set():
                    continue
                now = time.monotonic()
                deaths = [t for t in deaths if now - t < DEATH_WINDOW_S] + [now]
                if proc.exitcode == STARTUP_FAILURE or len(deaths) >= MAX_DEATHS:
                    logger.error("Worker [%s] could not start or workers keep dying (exit %s); stopping.",
                                 proc.pid, proc.exitcode)
                    code = 1
                    self._stop.set()
                    break
                logger.warning("Worker [%s] died (exit %s); starting another.", proc.pid, proc.exitcode)
                self._procs[i] = self._start()
        self._shutdown()
        return code

    def _shutdown(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                with contextlib.suppress(OSError):
                    proc.terminate()  # SIGTERM: uvicorn finishes the requests under way
        deadline = time.monotonic() + SHUTDOWN_TIMEOUT_S
        for proc in self._procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
