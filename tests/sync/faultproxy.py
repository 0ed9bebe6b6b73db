"""A small fault-injecting TCP proxy on 127.0.0.1 for end-to-end sync tests.

Each accepted connection gets a fate (from `plan` first, then drawn from seeded weights): pass through; drop at once (before
the request reaches central); lose the answer (central got and committed the request, the client
sees the connection die); cut the answer in half; or delay both ways. Real sockets, real bytes.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from dataclasses import dataclass, field

FATES = ("pass", "drop", "lose_answer", "cut_answer", "delay")


@dataclass
class FaultProxy:
    target_port: int
    weights: dict[str, float] = field(default_factory=lambda: {"pass": 1.0})
    seed: int = 0
    delay_s: float = 0.2
    counts: dict[str, int] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)
    """Fates of the first requests, in order (e.g. ["lose_answer"]); then drawn from `weights`."""

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        try:
            self._listener.close()
        except OSError:
            pass

    def set_weights(self, **weights: float) -> None:
        with self._lock:
            self.weights = dict(weights)

    def _fate(self) -> str:
        with self._lock:
            if self.plan:
                fate = self.plan.pop(0)
            else:
                names = [n for n in FATES if self.weights.get(n, 0) > 0]
                fate = self._rng.choices(names, [self.weights[n] for n in names])[0]
            self.counts[fate] = self.counts.get(fate, 0) + 1
            return fate

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client, self._fate()), daemon=True).start()

    def _handle(self, client: socket.socket, first_fate: str) -> None:
        """Pump both ways; a fresh fate is drawn for every request on a kept-alive connection."""
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        except OSError:
            _close(client)
            return
        link = _Link(client, upstream, first_fate)
        threading.Thread(target=self._requests, args=(link,), daemon=True).start()
        self._answers(link)

    def _requests(self, link: _Link) -> None:
        try:
            while True:
                data = link.client.recv(65536)
                if not data:
                    break
                with link.lock:
                    if not link.awaiting:
                        link.fate = link.first_fate if link.first_fate else self._fate()
                        link.first_fate = ""
                        link.awaiting = True
                    fate = link.fate
                if fate == "drop":
                    break
                if fate == "delay":
                    time.sleep(self.delay_s)
                link.upstream.sendall(data)
        except OSError:
            pass
        link.close()

    def _answers(self, link: _Link) -> None:
        try:
            while True:
                data = link.upstream.recv(65536)
                if not data:
                    break
                with link.lock:
                    fate = link.fate
                    link.awaiting = False
                if fate == "delay":
                    time.sleep(self.delay_s)
                if fate == "lose_answer":
                    break
                if fate == "cut_answer":
                    link.client.sendall(data[: max(1, len(data) // 2)])
                    break
                link.client.sendall(data)
        except OSError:
            pass
        link.close()


class _Link:
    """One proxied connection: both sockets and the fate of the request in flight."""

    def __init__(self, client: socket.socket, upstream: socket.socket, first_fate: str) -> None:
        self.client = client
        self.upstream = upstream
        self.first_fate = first_fate
        self.fate = first_fate
        self.awaiting = False
        self.lock = threading.Lock()

    def close(self) -> None:
        _close(self.client)
        _close(self.upstream)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
