"""Serial scanners over pyserial's loop:// and over a real socat pty pair."""

from __future__ import annotations

import time

import pytest
import serial

from drivers.errors import DeviceConfigError, SerialIOError, SerialPortMissingError
from drivers.scan import ScanResult
from drivers.serial_scanner import SerialScanner
from drivers.sim.pty import SocatPair


def test_loopback_codes_with_partial_reads() -> None:
    scanner = SerialScanner("loop://", terminator="CRLF")
    port = scanner._port  # loop:// echoes what is written into what is read
    port.write(b"69012345")
    assert scanner.read(timeout=0.1) is None  # half a code: wait for the rest
    port.write(b"67892\r\n90311017\r\n")
    assert scanner.read(timeout=1) == ScanResult(code="6901234567892", symbology="EAN-13")
    assert scanner.read(timeout=1) == ScanResult(code="90311017", symbology="EAN-8")
    assert scanner.read(timeout=0.05) is None
    scanner.close()


def test_lf_and_blank_lines() -> None:
    scanner = SerialScanner("loop://", terminator="LF")
    scanner._port.write(b"\nS0202-20261123-0042\n")
    assert scanner.read(timeout=1) == ScanResult(code="S0202-20261123-0042", symbology="unknown")


def test_port_missing_and_bad_settings() -> None:
    with pytest.raises(SerialPortMissingError) as info:
        SerialScanner("/dev/ttyNoSuchScanner")
    assert "串口" in info.value.message
    with pytest.raises(DeviceConfigError):
        SerialScanner("loop://", terminator="ETX")
    with pytest.raises(DeviceConfigError):
        SerialScanner("loop://", baud=12345)


def test_real_pty_pair(pty_pair: tuple[str, str]) -> None:
    device_end, host_end = pty_pair
    # given a scanner device on one end of a real pty pair
    device = serial.Serial(device_end, 9600, timeout=0.1)
    scanner = SerialScanner(host_end, baud=9600, terminator="CR")
    try:
        # when it sends two codes, the second in two pieces
        device.write(b"6901234567892\r")
        device.write(b"0360002")
        device.flush()
        time.sleep(0.05)
        device.write(b"91452\r")
        device.flush()
        # then the terminal side reads both whole
        assert scanner.read(timeout=2) == ScanResult(code="6901234567892", symbology="EAN-13")
        assert scanner.read(timeout=2) == ScanResult(code="036000291452", symbology="UPC-A")
    finally:
        scanner.close()
        device.close()


def test_unplugged_scanner_is_a_typed_error(socat: SocatPair) -> None:
    scanner = SerialScanner(str(socat.b))
    socat.stop()  # pull the cable: the pty goes away under the open port
    with pytest.raises(SerialIOError):
        scanner.read(timeout=2)
