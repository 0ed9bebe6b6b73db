"""A real pseudo-terminal pair through socat: two linked device paths, like a null-modem cable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _die_with_parent() -> None:
    """Linux: socat gets SIGTERM when its parent dies, so a killed test run leaves no pty behind."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def socat_available() -> bool:
    return shutil.which("socat") is not None


class SocatPair:
    """`with SocatPair() as (device_end, host_end):` — bytes written to one path come out of the other."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.directory = Path(directory) if directory else None
        self.process: subprocess.Popen[bytes] | None = None
        self.a = Path()
        self.b = Path()

    def start(self, wait: float = 5.0) -> tuple[str, str]:
        socat = shutil.which("socat")
        if socat is None:
            raise RuntimeError("socat is not installed (apt-get install socat)")
        if self.directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="pos-pty-")
            self.directory = Path(self._tmp.name)
        self.a = self.directory / "ttyDevice"
        self.b = self.directory / "ttyHost"
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [socat, f"pty,raw,echo=0,link={self.a}", f"pty,raw,echo=0,link={self.b}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.a.exists() and self.b.exists():
                return os.fspath(self.a), os.fspath(self.b)
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"socat exited: {err}")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("socat did not create the pty pair in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> tuple[str, str]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
