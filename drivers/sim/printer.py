"""Simulated receipt printers: a network printer on 127.0.0.1, the same over a serial port, in memory.

They record every byte received, answer `DLE EOT n` from their current state (offline, paper
out, cover open, cutter error, drawer open) and can refuse connections or drop a job half way,
so each failure a real printer shows can be tested.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, replace
from typing import Any

from drivers.document import Document, DrawerPulse
from drivers.errors import DeviceError
from drivers.escpos import PrinterProfile, render_escpos
from drivers.status import PrinterStatus
from drivers.tape import job_text


class PrinterSimCore:
    """The printer's brain: consumes bytes, answers status queries in real time like a real one."""

    def __init__(self) -> None:
        self.state = PrinterStatus()
        self.answer_status = True
        """False simulates a printer that never answers DLE EOT (many cheap ones)."""
        self.received = bytearray()
        self.jobs: list[bytes] = []
        self.queries: list[int] = []
        self._pending = b""
        self._lock = threading.Lock()

    def set_state(self, **changes: Any) -> None:
        with self._lock:
            self.state = replace(self.state, **changes)

    def feed(self, data: bytes) -> bytes:
        """Record `data`; return the reply bytes (status answers) to send back."""
        with self._lock:
            self.received += data
            buf = self._pending + data
            replies = bytearray()
            i = 0
            while i < len(buf):
                if buf[i] == 0x10:
                    if i + 2 >= len(buf):
                        break  # wait for the rest of a possible DLE EOT n
                    if buf[i + 1] == 0x04 and buf[i + 2] in (1, 2, 3, 4):
                        n = buf[i + 2]
                        self.queries.append(n)
                        if self.answer_status:
                            replies.append(self.state.to_bytes()[n - 1])
                        i += 3
                        continue
                i += 1
            self._pending = buf[i:]
            return bytes(replies)

    def end_job(self, data: bytes) -> None:
        with self._lock:
            if data:
                self.jobs.append(data)


class NetworkPrinterSimulator:
    """A raw-TCP (port 9100 style) printer on 127.0.0.1: `url` is what the terminal is given."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.core = PrinterSimCore()
        self.host = host
        self._requested_port = port
        self.port = 0
        self.drop_after: int | None = None
        """Close the connection after this many bytes of a job (a cable pulled mid-receipt)."""
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> NetworkPrinterSimulator:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port or self._requested_port))
        server.listen(8)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="printer-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are then refused: the printer is switched off)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._server is not None:
            self._server.close()
            self._server = None
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.close()

    def __enter__(self) -> NetworkPrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    # -- what the test looks at ----------------------------------------------------------------
    @property
    def received(self) -> bytes:
        return bytes(self.core.received)

    @property
    def jobs(self) -> list[bytes]:
        return list(self.core.jobs)

    def set_state(self, **changes: Any) -> None:
        """e.g. `set_state(paper_out=True)`, `online=False`, `cover_open=True`, `drawer_pin3_high=True`."""
        self.core.set_state(**changes)

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """Jobs are recorded when the client closes; wait for the server thread to see that."""
        deadline = threading.Event()
        for _ in range(int(timeout / 0.02)):
            if len(self.core.jobs) >= count:
                break
            deadline.wait(0.02)
        return self.jobs

    # -- server -------------------------------------------------------------------------------
    def _serve(self) -> None:
        assert self._server is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.add(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        job = bytearray()
        conn.settimeout(0.2)
        try:
            while not self._stopping.is_set():
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                if not data:
                    break
                if self.drop_after is not None and len(job) + len(data) > self.drop_after:
                    keep = data[: max(0, self.drop_after - len(job))]
                    job += keep
                    self.core.feed(keep)
                    # reset, not a polite close: the sender sees the link die like a pulled cable
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
                job += data
                reply = self.core.feed(data)
                if reply:
                    conn.sendall(reply)
        except OSError:
            pass
        finally:
            self.core.end_job(bytes(job))
            self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()


class SerialPrinterSimulator:
    """The same printer behind a serial port (e.g. one end of a socat pty pair)."""

    def __init__(self, port: Any) -> None:
        self.core = PrinterSimCore()
        self.port = port
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="serial-printer-sim", daemon=True)

    def start(self) -> SerialPrinterSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        self.port.timeout = 0.05
        while not self._stopping.is_set():
            try:
                data = self.port.read(4096)
            except Exception:
                return
            if data:
                reply = self.core.feed(bytes(data))
                if reply:
                    self.port.write(reply)
                    self.port.flush()


@dataclass
class MemoryPrinter:
    """In-process printer for the terminal's tests: records bytes, fails on demand."""

    profile: PrinterProfile = PrinterProfile()
    state: PrinterStatus | None = None
    fail_with: DeviceError | None = None

    def __post_init__(self) -> None:
        self.sent: list[bytes] = []
        self.drawer_opens = 0

    def print_document(self, document: Document, *, open_drawer: bool = False) -> None:
        if open_drawer:
            document = (*document, DrawerPulse())
        self.send(render_escpos(document, self.profile))

    def send(self, raw: bytes) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if self.state is not None:
            self.state.raise_if_unusable()
        self.sent.append(raw)

    def status(self) -> PrinterStatus | None:
        return self.state

    def open(self) -> None:
        """CashDrawer: a pulse is recorded like any other job."""
        self.send(b"\x1bp\x00\x32\x64")
        self.drawer_opens += 1

    def is_open(self) -> bool | None:
        return None if self.state is None else self.state.drawer_pin3_high


def visible_text(job: bytes) -> str:
    """The text a job prints, commands skipped (for the console; tests use a strict reader)."""
    return job_text(job)


def main(argv: list[str] | None = None) -> int:
    """`python -m drivers.sim.printer --port 9100 --out DIR`: a network printer for demos without hardware."""
    import argparse
    import time
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m drivers.sim.printer", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--out", type=Path, default=None, help="save each job as job-NNNN.bin here")
    parser.add_argument("--paper-out", action="store_true", help="report paper out to status queries")
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    sim = NetworkPrinterSimulator(args.host, args.port)
    if args.paper_out:
        sim.set_state(paper_out=True, online=False)
    sim.start()
    print(f"printer simulator listening on {sim.url}", flush=True)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            jobs = sim.jobs
            for job in jobs[seen:]:
                seen += 1
                if args.out:  # saved before it is announced, so whoever reads the line finds the file
                    (args.out / f"job-{seen:04d}.bin").write_bytes(job)
                marks = [name for name, raw in (("cut", b"\x1dV"), ("qr", b"\x1d(k"), ("drawer", b"\x1bp"))
                         if raw in job]
                print(f"job {seen}: {len(job)} bytes {' '.join(marks)}", flush=True)
                print(visible_text(job), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def _stop_on_sigterm() -> None:
    """`kill PID` ends it as cleanly as Ctrl-C (background jobs of a script ignore SIGINT)."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


if __name__ == "__main__":
    raise SystemExit(main())
