"""A small fault-injecting TCP proxy on 127.0.0.1 for end-to-end sync tests.

Each accepted connection gets a fate drawn from seeded weights: pass through; drop at once (before
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

    def _handle(self, client: socket.socket, fate: str) -> None:
        if fate == "drop":
            _close(client)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        except OSError:
            _close(client)
            return
        delay = self.delay_s if fate == "delay" else 0.0
        threading.Thread(target=_pump, args=(client, upstream, delay, None), daemon=True).start()
        limit: int | None = None
        if fate == "lose_answer":
            limit = 0
        elif fate == "cut_answer":
            limit = -1  # half of the first chunk
        _pump(upstream, client, delay, limit)


def _pump(src: socket.socket, dst: socket.socket, delay: float, limit: int | None) -> None:
    """Copy bytes src → dst. limit 0: swallow the first answer and close; -1: send half of it."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if delay:
                time.sleep(delay)
            if limit is not None:
                if limit == -1:
                    dst.sendall(data[: max(1, len(data) // 2)])
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        _close(src)
        _close(dst)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
