"""The store's time zone and calendar: times are stored in UTC, days are the store's.

One home for the rule both ends apply: a sale rung up at 00:30 in Shanghai (16:30Z the day before)
belongs to the Shanghai day it happened on — the till's shift label and the rep tablet's "today",
central's `business_date` column, reports, exports and the console all count days this way.

Every store runs on `STORE_TIMEZONE` (mainland China has one zone and no daylight saving). Whatever
zone a till's operating system is set to does not matter: a Linux image often runs in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

STORE_TIMEZONE: Final = "Asia/Shanghai"
"""The IANA name of the stores' time zone (what receipts, reports and exports state)."""

STORE_TZ: Final = ZoneInfo(STORE_TIMEZONE)
"""The stores' time zone as a `tzinfo`."""


def local_time(at: datetime) -> datetime:
    """A (timezone-aware) instant as the store's wall clock shows it."""
    return at.astimezone(STORE_TZ)


def business_date(at: datetime) -> date:
    """The store's local date of `at` (a UTC sale at 17:30Z is the next day in Shanghai)."""
    return at.astimezone(STORE_TZ).date()


def day_start_utc(day: date) -> datetime:
    """The UTC instant the store's local `day` begins (2026-03-01 → 2026-02-28 16:00Z)."""
    return datetime.combine(day, time.min, tzinfo=STORE_TZ).astimezone(UTC)
