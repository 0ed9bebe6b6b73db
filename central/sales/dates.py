"""Business dates: the store's local calendar day of a UTC instant (stores are in Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

STORE_TZ = ZoneInfo("Asia/Shanghai")


def business_date(at: datetime) -> date:
    """The store's local date of `at` (a UTC sale at 17:30Z is the next day in Shanghai)."""
    return at.astimezone(STORE_TZ).date()


def day_start_utc(day: date) -> datetime:
    """The UTC instant the store's local `day` begins."""
    return datetime.combine(day, time.min, tzinfo=STORE_TZ).astimezone(UTC)
