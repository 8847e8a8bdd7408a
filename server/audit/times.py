"""Times are stored as naive UTC and shown in China Standard Time (UTC+8, no daylight saving)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if value is None:
        return ""
    return value.replace(tzinfo=timezone.utc).astimezone(CHINA).strftime(fmt)


def utc_naive(value: datetime) -> datetime:
    """A datetime as naive UTC; naive input is taken to be UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def day_start_utc(day: date) -> datetime:
    """Midnight at the start of a China-time calendar day, as naive UTC."""
    return utc_naive(datetime.combine(day, time.min, tzinfo=CHINA))
