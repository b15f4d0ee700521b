"""Calendar helpers for recognition windows: organization-local days and months."""

import datetime
import zoneinfo

from django.utils import timezone


def organization_today(organization) -> datetime.date:
    """Today's date where the organization works (its time zone, not the server's)."""
    try:
        zone = zoneinfo.ZoneInfo(organization.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return timezone.localtime(timezone.now(), zone).date()


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months, clamped to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First days of every calendar month from ``start``'s through ``end``'s."""
    months = []
    month = first_of_month(start)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def days_overlapping(
    start: datetime.date,
    end_exclusive: datetime.date | None,
    window_start: datetime.date,
    window_end_exclusive: datetime.date,
) -> int:
    """Days of the half-open span [start, end_exclusive) inside the window."""
    first = max(start, window_start)
    last = window_end_exclusive if end_exclusive is None else end_exclusive
    last = min(last, window_end_exclusive)
    return max((last - first).days, 0)
