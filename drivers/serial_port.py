"""Opening serial ports (real, pty or pyserial URLs such as `loop://`) with typed errors."""

from __future__ import annotations

import serial

from drivers.errors import DeviceConfigError, SerialPortMissingError

try:
    import termios

    PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)
except ImportError:  # pragma: no cover - Windows
    PORT_ERRORS = (serial.SerialException, OSError)
"""What a serial port raises when its device goes away (termios errors on a vanished pty)."""

BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


def open_serial(port: str, *, baud: int = 9600, timeout: float = 0.1) -> serial.SerialBase:
    """Open `port` (a path like /dev/ttyUSB0 or a pyserial URL like loop://)."""
    if not port:
        raise DeviceConfigError("empty serial port", message="未设置串口", message_en="No serial port set")
    if baud not in BAUD_RATES:
        raise DeviceConfigError(f"baud {baud}", message=f"波特率不支持：{baud}", message_en=f"Unsupported baud rate {baud}")
    try:
        return serial.serial_for_url(port, baudrate=baud, timeout=timeout, write_timeout=2.0)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise SerialPortMissingError(f"{port}: {exc}", message=f"串口 {port} 不存在或无法打开",
                                     message_en=f"Serial port {port} missing or cannot be opened") from exc
