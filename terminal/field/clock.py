"""The tablet's calendar: times are stored in UTC, days are the store's (Asia/Shanghai), as central's
`business_date` counts them — a visit at 07:30 in Shanghai belongs to that Shanghai day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from drivers.receipt import DEFAULT_TIMEZONE

STORE_TZ = ZoneInfo(DEFAULT_TIMEZONE)


def local_date(at: datetime) -> date:
    return at.astimezone(STORE_TZ).date()


def day_start_utc(day: date) -> datetime:
    """The first instant of a store day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=STORE_TZ).astimezone(UTC)


def day_range_iso(first: date, last: date) -> tuple[str, str]:
    """[start, end) of the days first … last as ISO UTC text (what the field tables store)."""
    return day_start_utc(first).isoformat(), day_start_utc(last + timedelta(days=1)).isoformat()


def month_range(day: date) -> tuple[date, date]:
    """First and last day of the month of `day`."""
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)
