"""The tablet's calendar ranges. The store's zone and days (`business_date`, `day_start_utc`) live in
`sync.store_time`, the one rule central counts days by too — a visit at 07:30 in Shanghai belongs to
that Shanghai day."""

from __future__ import annotations

from datetime import date, timedelta

from sync.store_time import day_start_utc


def day_range_iso(first: date, last: date) -> tuple[str, str]:
    """[start, end) of the days first … last as ISO UTC text (what the field tables store)."""
    return day_start_utc(first).isoformat(), day_start_utc(last + timedelta(days=1)).isoformat()


def month_range(day: date) -> tuple[date, date]:
    """First and last day of the month of `day`."""
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)
