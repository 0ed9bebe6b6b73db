"""The customer display (2×20 pole VFD): what the customer sees while the cashier works.

Plain module (no Kivy): the till's area adapters (`terminal/ui/adapters/display.py`) call it after each cart change, payment step and sale.

- idle (no cart, signed out, between sales): a welcome line and the store's name;
- a scan: the item and its amount on top, the running total below;
- payment: the total and what was paid, then what is still due, then paid and change;
- after the sale: paid and change stay up until the next customer's cart starts.

A display failure never blocks a sale: updates only replace the "latest screen" slot and return at
once; one worker thread writes the newest screen to the serial port, skipping those overtaken.
When the port is missing or drops, the error is kept (`last_error`), the port is reopened on the
next update after `RETRY_AFTER_S`, and the newest screen is shown when it is back.

Configured like the receipt printer: `$POS_DISPLAY_URL`, else the terminal setting `display_url`
(or `pos-terminal run --display URL`):

- `/dev/ttyUSB0` — a serial port, 9600 baud, Chinese (GB18030) display, 20 columns;
- `serial:///dev/ttyUSB0?baud=19200&charset=ascii&columns=20` — the same with options;
- any other pyserial URL (`socket://192.168.1.60:4001`, `rfc2217://…`, `loop://`) as is.

The words follow the store's receipt language (head office's `receipt_language`), not the
cashier's screen: it is the customer's side. An ASCII-only display gets English words and the
ASCII part of names.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from drivers.money import format_fen
from drivers.textwidth import text_width, truncate

log = logging.getLogger(__name__)

DISPLAY_ENV = "POS_DISPLAY_URL"
DISPLAY_SETTING = "display_url"
RETRY_AFTER_S = 5.0

Charset = Literal["gb18030", "ascii"]
Lang = Literal["zh", "en"]

WORDS: dict[str, dict[str, str]] = {
    "zh": {"welcome": "欢迎光临", "total": "合计", "paid": "实收", "due": "还需支付", "change": "找零",
           "pay": "请付款", "thanks": "谢谢惠顾"},
    "en": {"welcome": "WELCOME", "total": "TOTAL", "paid": "PAID", "due": "DUE", "change": "CHANGE",
           "pay": "PLEASE PAY", "thanks": "THANK YOU"},
}


class BadDisplayUrl(ValueError):
    """The display setting cannot be understood (message says which part)."""


@dataclass(frozen=True)
class DisplayConfig:
    port: str
    baud: int = 9600
    charset: Charset = "gb18030"
    columns: int = 20


def parse_display_url(url: str) -> DisplayConfig:
    """`/dev/ttyUSB0`, `serial:///dev/ttyUSB0?baud=9600&charset=ascii&columns=20`, or a pyserial URL."""
    text = (url or "").strip()
    if not text:
        raise BadDisplayUrl("empty display URL")
    if not text.startswith(("serial://", "/")):
        if "://" not in text:
            raise BadDisplayUrl(f"display URL must be a device path or a URL, got {text!r}")
        return DisplayConfig(port=text)  # pyserial's own URL (socket://, rfc2217://, loop://)
    parts = urlsplit(text if text.startswith("serial://") else f"serial://{text}")
    port = parts.path
    if not port:
        raise BadDisplayUrl(f"no serial port in {text!r}")
    options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(options) - {"baud", "charset", "columns"}
    if unknown:
        raise BadDisplayUrl(f"unknown display option(s): {', '.join(sorted(unknown))}")
    try:
        baud = int(options.get("baud", "9600"))
        columns = int(options.get("columns", "20"))
    except ValueError as exc:
        raise BadDisplayUrl(f"baud and columns are numbers: {exc}") from None
    charset = options.get("charset", "gb18030")
    if charset not in ("gb18030", "ascii"):
        raise BadDisplayUrl("charset must be gb18030 or ascii")
    if not 8 <= columns <= 40:
        raise BadDisplayUrl("columns must be 8..40")
    return DisplayConfig(port=port, baud=baud, charset="ascii" if charset == "ascii" else "gb18030",
                         columns=columns)


class _Display(Protocol):
    def show_lines(self, top: str, bottom: str) -> None: ...

    def close(self) -> None: ...


def open_pole_display(config: DisplayConfig) -> _Display:
    from drivers.display import PoleDisplay  # pyserial: loaded on the worker thread

    return PoleDisplay(config.port, baud=config.baud, charset=config.charset, columns=config.columns)


# ---------------------------------------------------------------------- what the screens show

class Screens:
    """The two lines for each moment, `columns` wide, in the customer's language."""

    def __init__(self, *, lang: Lang = "zh", charset: Charset = "gb18030", columns: int = 20,
                 store_name: str = "") -> None:
        self.ascii = charset == "ascii"
        self.words = WORDS["en" if self.ascii else lang]
        self.columns = columns
        self.store_name = store_name

    def money(self, fen: int) -> str:
        return format_fen(fen, symbol="") if self.ascii else format_fen(fen)

    def text(self, value: str, fallback: str = "") -> str:
        if not self.ascii:
            return value
        kept = "".join(ch for ch in value if 32 <= ord(ch) < 127).strip()
        return kept or fallback

    def columns_of(self, left: str, right: str) -> str:
        """`left` then `right` flush right; the label gives way so the money is always whole."""
        right = truncate(right, self.columns)
        left = truncate(left, max(0, self.columns - text_width(right) - 1))
        return left + " " * (self.columns - text_width(left) - text_width(right)) + right

    def welcome(self) -> tuple[str, str]:
        return self.words["welcome"], self.text(self.store_name)

    def item(self, name: str, qty: str, amount_fen: int, total_fen: int) -> tuple[str, str]:
        label = self.text(name, "ITEM")
        if qty not in ("", "1"):
            label = f"{qty}x{label}"
        return (self.columns_of(label, self.money(amount_fen)),
                self.columns_of(self.words["total"], self.money(total_fen)))

    def total(self, total_fen: int) -> tuple[str, str]:
        return self.columns_of(self.words["total"], self.money(total_fen)), self.words["pay"]

    def payment(self, due_fen: int, paid_fen: int, remaining_fen: int, change_fen: int) -> tuple[str, str]:
        if paid_fen <= 0:
            return self.total(due_fen)
        top = self.columns_of(self.words["paid"], self.money(paid_fen))
        if remaining_fen > 0:
            return top, self.columns_of(self.words["due"], self.money(remaining_fen))
        return top, self.columns_of(self.words["change"], self.money(change_fen))


# ---------------------------------------------------------------------- the feed

class CustomerDisplay:
    """Non-blocking feed of a pole display; every public method returns at once and never raises."""

    def __init__(self, config: DisplayConfig, *, lang: Lang = "zh", store_name: str = "",
                 opener: Callable[[DisplayConfig], _Display] = open_pole_display,
                 retry_after_s: float = RETRY_AFTER_S) -> None:
        self.config = config
        self.screens = Screens(lang=lang, charset=config.charset, columns=config.columns, store_name=store_name)
        self._opener = opener
        self._retry_after_s = retry_after_s
        self._cond = threading.Condition()
        self._latest: tuple[str, str] | None = None
        self._generation = 0
        self._shown_generation = 0
        self._stopping = False
        self._device: _Display | None = None
        self._failed_at: float | None = None
        self.last_error: str = ""
        self.shown: tuple[str, str] | None = None
        """The last two lines that reached the display (for tests and the log)."""
        self._thread = threading.Thread(target=self._run, name="customer-display", daemon=True)
        self._thread.start()

    # -- what the adapters call -------------------------------------------------------------
    def welcome(self) -> None:
        self._post(self.screens.welcome())

    def item(self, name: str, qty: str, amount_fen: int, total_fen: int) -> None:
        self._post(self.screens.item(name, qty, amount_fen, total_fen))

    def total(self, total_fen: int) -> None:
        self._post(self.screens.total(total_fen))

    def payment(self, due_fen: int, paid_fen: int, remaining_fen: int, change_fen: int) -> None:
        self._post(self.screens.payment(due_fen, paid_fen, remaining_fen, change_fen))

    def set_language(self, lang: Lang, store_name: str | None = None) -> None:
        name = self.screens.store_name if store_name is None else store_name
        self.screens = Screens(lang=lang, charset=self.config.charset, columns=self.config.columns,
                               store_name=name)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until the newest screen was written (or failed); True when it was written."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._shown_generation < self._generation and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return not self.last_error

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)

    # -- the worker ---------------------------------------------------------------------------
    def _post(self, lines: tuple[str, str]) -> None:
        with self._cond:
            self._latest = lines
            self._generation += 1
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and self._shown_generation >= self._generation:
                    self._cond.wait()
                if self._stopping:
                    break
                lines, generation = self._latest, self._generation
                failed_at = self._failed_at
            if failed_at is not None:
                wait = self._retry_after_s - (time.monotonic() - failed_at)
                if wait > 0:
                    with self._cond:  # a stop or a newer screen wakes us; the retry waits its time
                        self._cond.wait(wait)
                    continue
            assert lines is not None
            error = self._write(lines)
            with self._cond:
                if error:
                    self.last_error = error
                    self._failed_at = time.monotonic()
                    if generation == self._generation:
                        self._shown_generation = generation  # wait_idle returns (failed)
                else:
                    self.last_error = ""
                    self._failed_at = None
                    self.shown = lines
                    self._shown_generation = max(self._shown_generation, generation)
                self._cond.notify_all()
        self._close_device()

    def _write(self, lines: tuple[str, str]) -> str:
        try:
            if self._device is None:
                self._device = self._opener(self.config)
            self._device.show_lines(*lines)
        except Exception as exc:  # the display must never take the till down
            message = getattr(exc, "message", "") or str(exc) or type(exc).__name__
            detail = getattr(exc, "detail", "")
            text = f"{message}：{detail}" if detail and detail != message else message
            if text != self.last_error:
                log.warning("customer display: %s", text)
            self._close_device()
            return text
        return ""

    def _close_device(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close()
            except Exception:
                pass


def display_from_settings(url: str | None, *, lang: Lang = "zh", store_name: str = "",
                          **kwargs: Any) -> CustomerDisplay | None:
    """A running feed for a configured display URL; None when none is configured or it is malformed
    (logged: a bad setting must not stop the till from selling)."""
    if not url:
        return None
    try:
        config = parse_display_url(url)
    except BadDisplayUrl as exc:
        log.warning("customer display not used: %s", exc)
        return None
    return CustomerDisplay(config, lang=lang, store_name=store_name, **kwargs)
