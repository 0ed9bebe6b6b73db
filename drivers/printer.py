"""The receipt printer and the cash drawer wired to it, over python-escpos transports.

A slip is rendered to bytes once (`drivers.escpos.render_escpos`) and sent in one write; the
transports (USB, TCP, serial, file) come from python-escpos and only move bytes. Where the printer
answers `DLE EOT`, its status is checked before printing (cover open, paper out, offline → typed
errors) and again after, so a receipt cut short by a paper-out is reported and can be reprinted.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import stat
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from drivers.document import Document, DrawerPulse
from drivers.errors import (
    DeviceError,
    PrinterError,
    PrinterNotFoundError,
    PrinterOfflineError,
    PrinterWriteError,
)
from drivers.escpos import PrinterProfile, drawer_pulse, realtime_drawer_pulse, render_escpos
from drivers.printer_url import PrinterSettings, parse_printer_url
from drivers.status import STATUS_QUERY, PrinterStatus, is_status_byte

STATUS_TIMEOUT = 0.8
"""Seconds to wait for one status byte; printers that answer do so within a few ms."""


class ReceiptPrinter(Protocol):
    """What the terminal needs from a receipt printer."""

    @property
    def profile(self) -> PrinterProfile: ...

    def print_document(self, document: Document, *, open_drawer: bool = False) -> None: ...

    def send(self, raw: bytes) -> None: ...

    def status(self) -> PrinterStatus | None: ...


class CashDrawer(Protocol):
    def open(self) -> None: ...

    def is_open(self) -> bool | None:
        """True/False where the hardware reports it, None where it cannot."""
        ...


class _Link:
    """One open connection through a python-escpos transport, with a short-timeout status read."""

    def __init__(self, settings: PrinterSettings) -> None:
        self.settings = settings
        self.device: Any = _make_escpos(settings)
        try:
            self.device.open()
        except Exception as exc:  # escpos raises DeviceNotFoundError, pyusb NoBackendError ...
            raise PrinterNotFoundError(f"{_where(settings)}: {exc}") from exc

    def write(self, raw: bytes) -> None:
        try:
            self.device._raw(raw)
        except DeviceError:
            raise
        except Exception as exc:  # socket.error, SerialException, USBError
            raise PrinterWriteError(f"{_where(self.settings)}: {exc}") from exc

    def query(self, n: int) -> int | None:
        """Send `DLE EOT n` and return the status byte, or None when the printer does not answer."""
        self._drain()
        self.write(STATUS_QUERY[n])
        deadline = time.monotonic() + min(STATUS_TIMEOUT, self.settings.timeout)
        while time.monotonic() < deadline:
            chunk = self._read_some(deadline - time.monotonic())
            if chunk is None:
                return None
            for value in chunk:
                if is_status_byte(value):
                    return value
        return None

    def _read_some(self, wait: float) -> bytes | None:
        transport = self.settings.transport
        try:
            if transport == "tcp":
                sock: socket.socket = self.device.device
                ready, _, _ = select.select([sock], [], [], max(0.0, wait))
                if not ready:
                    return None
                data = sock.recv(16)
                if not data:
                    raise PrinterWriteError(f"{_where(self.settings)}: connection closed")
                return bytes(data)
            if transport == "serial":
                port = self.device.device
                port.timeout = max(0.01, wait)
                data = port.read(1)
                return bytes(data) if data else None
            if transport == "usb":
                data = self.device.device.read(self.settings.usb_in_ep, 16, int(max(1, wait * 1000)))
                return bytes(data) if data else None
        except PrinterError:
            raise
        except Exception:
            return None
        return None  # file: no way back

    def _drain(self) -> None:
        """Drop stale bytes (a printer may have answered earlier queries late)."""
        if self.settings.transport == "tcp":
            sock: socket.socket = self.device.device
            while select.select([sock], [], [], 0)[0]:
                try:
                    if not sock.recv(64):
                        return
                except OSError:
                    return
        elif self.settings.transport == "serial":
            with contextlib.suppress(Exception):  # best effort
                self.device.device.reset_input_buffer()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead link must not hide the real error
            self.device.close()


def _make_escpos(settings: PrinterSettings) -> Any:
    from escpos import printer as escpos_printer

    if settings.transport == "tcp":
        return escpos_printer.Network(host=settings.target, port=settings.port, timeout=settings.timeout)
    if settings.transport == "serial":
        return escpos_printer.Serial(devfile=settings.target, baudrate=settings.baud, timeout=settings.timeout)
    if settings.transport == "file":
        return _append_file_printer(settings.target)
    return escpos_printer.Usb(
        idVendor=settings.usb_vendor,
        idProduct=settings.usb_product,
        timeout=int(settings.timeout * 1000),
        in_ep=settings.usb_in_ep,
        out_ep=settings.usb_out_ep,
    )


DEVICE_DIR = "/dev/"
"""Paths here are device nodes: never created (a missing printer is reported, not faked by a file)."""


def open_for_append(path: str) -> Any:
    """The file behind a `file://` printer, opened so that every job is added after the last one.

    python-escpos's `File` opens with "wb", which truncates: a capture file (the demo's
    `data/receipts.bin`) kept only the last job. Here a regular file is opened `O_APPEND` and
    created when missing; a device node (`/dev/usb/lp0`, a tty, a FIFO) is opened for writing as
    it is (nothing to truncate or append to). Under /dev/ nothing is ever created: with the printer
    unplugged, "wb" made a regular file named lp0 that silently swallowed every receipt.
    """
    under_dev = os.path.abspath(path).startswith(DEVICE_DIR)
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
    if not under_dev:
        flags |= os.O_CREAT
    fd = os.open(path, flags, 0o600)  # receipts name members and amounts: owner only
    try:
        if under_dev and stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileNotFoundError(f"{path} is a regular file, not a printer device (printer unplugged?)")
        # "wb" on a descriptor neither truncates nor seeks: O_APPEND decides where bytes go
        return open(fd, "wb", closefd=True)  # closed by python-escpos close()
    except BaseException:
        os.close(fd)
        raise


def _append_file_printer(path: str) -> Any:
    """python-escpos `File`, but appending (see `open_for_append`); its close() flushes and closes."""
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import File

    class AppendFile(File):  # type: ignore[misc]
        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            try:
                self.device = open_for_append(self.devfile)
            except OSError as exc:
                self.device = None
                raise DeviceNotFoundError(f"Could not open the specified file {self.devfile}:\n{exc}") from exc

    return AppendFile(devfile=path)


def _where(settings: PrinterSettings) -> str:
    if settings.transport == "tcp":
        return f"tcp://{settings.target}:{settings.port}"
    if settings.transport == "usb":
        return f"usb://0x{settings.usb_vendor:04x}:0x{settings.usb_product:04x}"
    return f"{settings.transport}://{settings.target}"


class EscposPrinter:
    """A real receipt printer; open a connection per job so a power-cycled printer just works."""

    def __init__(self, settings: PrinterSettings | str) -> None:
        self.settings = parse_printer_url(settings) if isinstance(settings, str) else settings
        self._lock = threading.Lock()
        self._silent = False
        """status=auto and the printer never answered: stop asking (each ask costs a timeout)."""

    @property
    def profile(self) -> PrinterProfile:
        return self.settings.profile

    def print_document(self, document: Document, *, open_drawer: bool = False) -> None:
        """Render once, check status, send in one write, check again."""
        if open_drawer:
            document = (*document, DrawerPulse())
        self.send(render_escpos(document, self.profile))

    def send(self, raw: bytes) -> None:
        self._with_link(lambda link: self._send_on(link, raw))

    def status(self) -> PrinterStatus | None:
        """The printer's state, or None where it cannot report (file://, status=off, no answer)."""
        if self.settings.status == "off":
            return None
        status: PrinterStatus | None = self._with_link(self._read_status)
        return status

    def open_drawer(self) -> None:
        """Open the drawer even when the printer cannot print: offline it gets the real-time pulse."""
        pin, ms = self.profile.drawer_pin, self.profile.drawer_pulse_ms

        def pulse(link: _Link) -> None:
            status = self._read_status(link) if self._asks_status() else None
            offline = status is not None and (not status.online or status.paper_out or status.cover_open)
            link.write(realtime_drawer_pulse(pin, ms) if offline else drawer_pulse(pin, ms))

        self._with_link(pulse)

    def drawer_is_open(self) -> bool | None:
        status = self.status()
        if status is None:
            return None
        return status.drawer_pin3_high == self.settings.drawer_open_high

    def _with_link(self, action: Callable[[_Link], Any]) -> Any:
        """One connection per job, one job at a time (a receipt and a drawer kick never interleave)."""
        with self._lock:
            link = _Link(self.settings)
            try:
                return action(link)
            finally:
                link.close()

    def _asks_status(self) -> bool:
        return self.settings.status == "on" or (self.settings.status == "auto" and not self._silent)

    def _send_on(self, link: _Link, raw: bytes) -> None:
        before: PrinterStatus | None = None
        if self._asks_status():
            before = self._read_status(link)
            if before is not None:
                before.raise_if_unusable()
        link.write(raw)
        if self._asks_status():
            after = self._read_status(link)
            if after is None and before is not None:
                # it answered before the job and not after: the link died mid-receipt
                self._silent = False
                raise PrinterWriteError(f"{_where(self.settings)}: no answer after the job")
            if after is not None and (after.paper_out or after.cover_open or not after.online):
                try:
                    after.raise_if_unusable()
                except PrinterError as exc:
                    exc.message = f"{exc.message}（小票可能不完整，请重印）"
                    exc.message_en = f"{exc.message_en} (the receipt may be incomplete: reprint it)"
                    raise

    def _read_status(self, link: _Link) -> PrinterStatus | None:
        first = link.query(1)
        if first is None:
            if self.settings.status == "on":
                raise PrinterOfflineError(f"{_where(self.settings)}: no answer to a status query")
            self._silent = True
            return None
        rest = [link.query(n) for n in (2, 3, 4)]
        answers = [first, *(value if value is not None else 0x12 for value in rest)]
        return PrinterStatus.from_bytes(*answers)


class PrinterCashDrawer:
    """The cash drawer on the printer's RJ-11 port: a pulse to open, pin 3 to tell if open."""

    def __init__(self, printer: EscposPrinter) -> None:
        self.printer = printer

    def open(self) -> None:
        self.printer.open_drawer()

    def is_open(self) -> bool | None:
        return self.printer.drawer_is_open()


def open_printer(url: str) -> EscposPrinter:
    """The printer a settings URL names (validated now; connected per job)."""
    return EscposPrinter(parse_printer_url(url))
