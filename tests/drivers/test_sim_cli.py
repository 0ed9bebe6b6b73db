"""The serial device simulators run from the command line, over a real pty pair."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from drivers.scale import SerialScale
from drivers.serial_scanner import SerialScanner
from drivers.sim.pty import socat_available

pytestmark = pytest.mark.skipif(not socat_available(), reason="socat is not installed (apt-get install socat)")


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "drivers.sim.serial_cli", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, encoding="utf-8")
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert "point the terminal at" in first, first
    return proc, first.rsplit(" ", 1)[-1].strip()


def test_scanner_sends_typed_lines() -> None:
    proc, path = _start("scanner")
    scanner = SerialScanner(path)
    try:
        assert proc.stdin is not None
        proc.stdin.write("6901234567892\n")
        proc.stdin.flush()
        result = scanner.read(timeout=5)
        assert result is not None
        assert result.code == "6901234567892"
    finally:
        scanner.close()
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_scale_weighs_what_is_typed() -> None:
    proc, path = _start("scale", "--weight", "1.5")
    scale = SerialScale(path)
    try:
        assert scale.read_weight(timeout=5) == Decimal("1.500")
        assert proc.stdin is not None
        proc.stdin.write("0.356\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 10
        weight = scale.read_weight(timeout=5)
        while weight != Decimal("0.356") and time.monotonic() < deadline:
            weight = scale.read_weight(timeout=5)
        assert weight == Decimal("0.356")
    finally:
        scale.close()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
