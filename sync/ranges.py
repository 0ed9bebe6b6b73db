"""Sane ranges of the wire contract: what a value in an event may be, on both ends.

The till validates every event it makes with these types before it commits (`sync.events` payloads
are built from them), and central validates every event it receives with the same ones before it
stores anything, so a till never creates an event central would refuse, and no value reaches a
database column that cannot hold it:

- money: every amount on the wire is at most `MAX_AMOUNT_FEN` (¥10,000,000) in size, so it fits
  the 32-bit columns of sales, shifts and receivables with room (PostgreSQL `integer` holds
  2,147,483,647); sums of them are kept in 64-bit columns and computed by the database;
- quantities: at most `MAX_QTY` on a line, 3 decimals; unit factors at most `MAX_UNIT_FACTOR`;
- points: at most `MAX_POINTS` in one event;
- text: no NUL or other control character (PostgreSQL refuses NUL in text; the others are never
  typed, only smuggled); multi-line text (notes) may hold line breaks and tabs;
- ids: central's ids are positive 32-bit integers; ids made offline (UUIDv7) are 1-36 characters
  of letters, digits and `-_.:` — the width of their columns;
- times: between `EARLIEST` and two days after the receiver's clock (`time_window`): a till whose
  clock is far off is told so (`clock_off`) instead of dating a sale in 1970 or 2099.

Every limit here is far beyond what a real shop types; `describe` turns a validation error into the
plain bilingual words both ends show (the till to its cashier, central in its quarantine).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import AfterValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

MAX_AMOUNT_FEN: Final = 1_000_000_000
"""¥10,000,000: the largest amount (a sale's total, a line, a payment, a count of cash) on the wire."""
MAX_QTY: Final = 1_000_000
"""The largest quantity on one line of an event (the till's own keying limit is lower)."""
MAX_UNIT_FACTOR: Final = 100_000
"""The largest number of base units in one unit of sale (a pallet of 100,000 screws)."""
MAX_POINTS: Final = 1_000_000_000
MAX_COUNT: Final = 1_000_000
"""The largest count on the wire (sales in a shift, notes of one denomination, lines of a cart)."""
MAX_ID: Final = 2**31 - 1
"""Central's ids are 32-bit integer keys."""
MAX_CURSOR: Final = 2**62
"""Feed positions and sequence numbers (64-bit columns)."""
OFFLINE_ID_MAX: Final = 36
"""A UUID's length: the width of the id columns of documents made offline."""
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK: Final = timedelta(days=2)
"""How far ahead of the receiver's clock an event's time may be (time zones and drift, not years)."""

_CONTROL = r"\x00-\x1f\x7f-\x9f"
ONE_LINE_PATTERN: Final = rf"^[^{_CONTROL}]*$"
MULTI_LINE_PATTERN: Final = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
"""Line feed, carriage return and tab allowed; every other control character refused."""
OFFLINE_ID_PATTERN: Final = r"^[0-9A-Za-z][0-9A-Za-z_.:\-]*$"

Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT_FEN)]
"""Money in fen, not negative."""
SignedAmount = Annotated[int, Field(ge=-MAX_AMOUNT_FEN, le=MAX_AMOUNT_FEN)]
"""Money in fen that may be negative (rounding, an expected cash figure)."""
Points = Annotated[int, Field(ge=0, le=MAX_POINTS)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
UnitFactor = Annotated[int, Field(ge=1, le=MAX_UNIT_FACTOR)]
LineNo = Annotated[int, Field(ge=1, le=MAX_COUNT)]
CentralId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""An id central gave (store, terminal, product, user, customer, promotion ...)."""
Cursor = Annotated[int, Field(ge=0, le=MAX_CURSOR)]
WireQty = Annotated[Decimal, Field(ge=0, le=MAX_QTY, max_digits=12, decimal_places=3)]
OfflineId = Annotated[str, Field(min_length=1, max_length=OFFLINE_ID_MAX, pattern=OFFLINE_ID_PATTERN)]
"""An id a terminal made (UUIDv7): a sale, return, shift, member, order made offline."""
FieldId = Annotated[str, Field(min_length=1, max_length=40, pattern=OFFLINE_ID_PATTERN)]
"""An id a rep's tablet made (customers, visits, collections, orders: 40-character columns)."""
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_.:\-]+$")]
"""A machine code (a tender, a hold reason, a field name)."""
Denomination = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,5}$")]
"""A note or coin in fen, as a key of a cash count ("10000" is ¥100)."""
Line = Annotated[str, Field(pattern=ONE_LINE_PATTERN)]
"""One line of text without control characters (names, codes, receipt numbers)."""
Text = Annotated[str, Field(pattern=MULTI_LINE_PATTERN)]
"""Free text that may span lines (notes)."""


def time_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The times an event may carry when received at `now` (default: this machine's clock)."""
    return EARLIEST, (now or datetime.now(UTC)) + FUTURE_SLACK


_EARLIEST_TS: Final = EARLIEST.timestamp()
_SLACK_S: Final = FUTURE_SLACK.total_seconds()


def _in_window(value: datetime, info: ValidationInfo) -> datetime:
    if value.tzinfo is None:
        return value  # the model's own check says it must carry a time zone
    context = info.context
    now = context.get("now") if isinstance(context, Mapping) else None
    ts = value.timestamp()  # plain numbers: this runs for every time of every event pushed
    if _EARLIEST_TS <= ts <= (now.timestamp() if now is not None else time.time()) + _SLACK_S:
        return value
    earliest, latest = time_window(now)
    raise PydanticCustomError(
        "clock_off", "time {value} is outside {earliest} .. {latest}: the terminal's clock is wrong",
        {"value": value.isoformat(), "earliest": earliest.date().isoformat(),
         "latest": latest.isoformat(timespec="minutes")})


WireTime = Annotated[datetime, AfterValidator(_in_window)]
"""A time an event carries: from 2000-01-01 to two days after the receiver's clock."""


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def describe(errors: list[Any]) -> tuple[str, str, str]:
    """(code, zh, en): the first error of a pydantic `ValidationError.errors()` in plain words."""
    if not errors:
        return "invalid_payload", "事件内容无效", "invalid event content"
    first = errors[0]
    kind = str(first.get("type", ""))
    where = _where(tuple(first.get("loc", ())))
    ctx = first.get("ctx") or {}
    if kind == "clock_off":
        return ("clock_off",
                f"{where} 的时间 {ctx.get('value')} 不在 {ctx.get('earliest')} 至 {ctx.get('latest')} 之间："
                "终端时钟不对，请校准日期和时间",
                f"{where}: the time {ctx.get('value')} is outside {ctx.get('earliest')} .. {ctx.get('latest')}; "
                "the terminal's clock is wrong, set its date and time")
    if kind == "string_pattern_mismatch":
        return ("invalid_text", f"{where} 含有控制字符或不允许的字符",
                f"{where} holds a control character or a character it may not hold")
    if kind in ("less_than_equal", "less_than", "too_long", "string_too_long", "decimal_max_digits",
                "decimal_whole_digits", "decimal_max_places"):
        limit = next((ctx[k] for k in ("le", "lt", "max_length", "max_digits", "whole_digits", "decimal_places")
                      if k in ctx), "")
        return ("out_of_range", f"{where} 超出允许范围（上限 {limit}）", f"{where} is out of range (at most {limit})")
    if kind == "too_short":  # a list with fewer items than it needs (a sale without lines)
        return ("invalid_payload", f"事件内容无效：{where} 至少要有 {ctx.get('min_length')} 项",
                f"invalid event payload: {where} needs at least {ctx.get('min_length')} item(s)")
    if kind in ("greater_than_equal", "greater_than", "string_too_short"):
        limit = next((ctx[k] for k in ("ge", "gt", "min_length") if k in ctx), "")
        return ("out_of_range", f"{where} 超出允许范围（下限 {limit}）", f"{where} is out of range (at least {limit})")
    msg = str(first.get("msg", ""))
    return "invalid_payload", f"事件内容无效：{where} {msg}".strip(), f"invalid event payload: {where} {msg}".strip()
