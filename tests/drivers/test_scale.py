"""The continuous-output scale: frames, stable reads, and every failure, over loop:// and a real pty."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
import serial

from drivers.errors import (
    ScaleNegativeError,
    ScaleOverloadError,
    ScaleProtocolError,
    ScaleTimeoutError,
    ScaleUnstableError,
    SerialIOError,
    SerialPortMissingError,
)
from drivers.scale import SerialScale, format_frame, parse_frame
from drivers.sim.pty import SocatPair
from drivers.sim.scale import ScaleSimulator


@pytest.mark.parametrize(
    ("line", "status", "net", "kg"),
    [
        (b"ST,GS,+  1.234kg", "stable", False, Decimal("1.234")),
        (b"US,NT,+  0.500kg", "unstable", True, Decimal("0.500")),
        (b"ST,GS,-  0.012kg", "stable", False, Decimal("-0.012")),
        (b"ST,GS,+ 1234.5 g", "stable", False, Decimal("1.235")),  # 1234.5 g → 1.2345 kg, rounded half up
        (b"ST,GS,+   2.00lb", "stable", False, Decimal("0.907")),
        (b"OL,GS,+  OL   kg", "overload", False, None),
        (b"ST,NT,+0001.234 kg", "stable", True, Decimal("1.234")),  # zero-padded, unit after a space
        (b"US,GS,-0000500  g", "unstable", False, Decimal("-0.500")),
    ],
)
def test_frames(line: bytes, status: str, net: bool, kg: Decimal | None) -> None:
    frame = parse_frame(line)
    assert (frame.status, frame.net, frame.kg) == (status, net, kg)


@pytest.mark.parametrize("line", [b"", b"ST,GS,+1.2.3kg", b"XX,GS,+  1.000kg", b"ST,GS,+  1.000", b"\x02\xa5Z"])
def test_not_frames(line: bytes) -> None:
    with pytest.raises(ValueError):
        parse_frame(line)


def test_format_round_trip() -> None:
    assert format_frame(Decimal("1.2")) == b"ST,GS,+   1.200kg\r\n"
    assert parse_frame(format_frame(Decimal("-0.35"), stable=False, net=True)).kg == Decimal("-0.350")
    assert parse_frame(format_frame(None)).status == "overload"


@pytest.fixture
def loop_scale() -> Iterator[tuple[SerialScale, ScaleSimulator]]:
    port = serial.serial_for_url("loop://", timeout=0.05)
    sim = ScaleSimulator(port, interval=0.01).start()
    scale = SerialScale(port, stable_frames=3)
    yield scale, sim
    sim.stop()
    port.close()


def test_stable_weight(loop_scale: tuple[SerialScale, ScaleSimulator]) -> None:
    scale, sim = loop_scale
    sim.set_weight(Decimal("1.256"))
    assert scale.read_weight(timeout=2) == Decimal("1.256")


def test_settles_after_moving(loop_scale: tuple[SerialScale, ScaleSimulator]) -> None:
    scale, sim = loop_scale
    sim.set_weight(Decimal("0.8"), stable=False)
    timer = threading.Timer(0.2, lambda: sim.set_weight(Decimal("0.815")))
    timer.start()
    assert scale.read_weight(timeout=3) == Decimal("0.815")
    timer.join()


def test_never_settles(loop_scale: tuple[SerialScale, ScaleSimulator]) -> None:
    scale, sim = loop_scale
    sim.set_weight(Decimal("0.8"), stable=False)
    with pytest.raises(ScaleUnstableError) as info:
        scale.read_weight(timeout=0.3)
    assert info.value.message == "重量不稳定，请稍候再称"


def test_overload_negative_silent_garbage(loop_scale: tuple[SerialScale, ScaleSimulator]) -> None:
    scale, sim = loop_scale
    sim.overload()
    with pytest.raises(ScaleOverloadError):
        scale.read_weight(timeout=1)
    sim.set_weight(Decimal("-0.020"))
    with pytest.raises(ScaleNegativeError):
        scale.read_weight(timeout=1)
    sim.garbage = True
    with pytest.raises(ScaleProtocolError):
        scale.read_weight(timeout=0.3)
    sim.silent = True
    with pytest.raises(ScaleTimeoutError):
        scale.read_weight(timeout=0.3)


def test_missing_port() -> None:
    with pytest.raises(SerialPortMissingError):
        SerialScale("/dev/ttyNoSuchScale")


def test_real_pty_pair(socat: SocatPair) -> None:
    # given a scale on the device end of a real pty pair, sending net weight continuously
    device = serial.Serial(str(socat.a), 9600, timeout=0.05)
    sim = ScaleSimulator(device, interval=0.02)
    sim.set_weight(Decimal("0.356"), net=True)
    sim.start()
    scale = SerialScale(str(socat.b), baud=9600)
    try:
        assert scale.read_weight(timeout=3) == Decimal("0.356")
        sim.set_weight(Decimal("2.5"))
        assert scale.read_weight(timeout=3) == Decimal("2.500")
        # the cable is pulled
        sim.stop()
        socat.stop()
        with pytest.raises((SerialIOError, ScaleTimeoutError)):
            scale.read_weight(timeout=0.5)
    finally:
        sim.stop()
        device.close()
