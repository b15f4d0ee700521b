"""The report's period (a calendar month or quarter) and scope (an organization,
or one of its sites).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from workforce.models import Organization, Site, Team
from workforce.recognition.dates import add_months

_PERIOD = re.compile(r"^(\d{4})-(?:(\d{2})|[Qq]([1-4]))$")


@dataclass(frozen=True)
class ReportPeriod:
    """A calendar month (``YYYY-MM``) or quarter (``YYYY-Qn``)."""

    first_day: date
    last_day: date
    label: str

    @classmethod
    def parse(cls, text: str) -> ReportPeriod:
        """``"2025-03"`` or ``"2025-Q1"``; a ValueError says what was expected."""
        raw = (text or "").strip()
        match = _PERIOD.match(raw)
        if not match:
            raise ValueError(
                f"period {raw!r} is not a month or a quarter: write YYYY-MM "
                "(e.g. 2025-03) or YYYY-Qn (e.g. 2025-Q1)"
            )
        year = int(match.group(1))
        if match.group(2):
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise ValueError(f"period {raw!r}: the month must be 01 to 12")
            return cls.month(date(year, month, 1))
        quarter = int(match.group(3))
        first = date(year, 3 * quarter - 2, 1)
        last_month = add_months(first, 2)
        return cls(
            first_day=first,
            last_day=_month_end(last_month),
            label=f"{year}-Q{quarter}",
        )

    @classmethod
    def month(cls, day: date) -> ReportPeriod:
        """The calendar month containing ``day``."""
        first = day.replace(day=1)
        return cls(first_day=first, last_day=_month_end(first), label=f"{first:%Y-%m}")

    @classmethod
    def previous_month(cls, today: date) -> ReportPeriod:
        """The last complete month before ``today``'s."""
        return cls.month(add_months(today.replace(day=1), -1))

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label

    @property
    def months(self) -> list[date]:
        """First day of each month in the period."""
        months, month = [], self.first_day
        while month <= self.last_day:
            months.append(month)
            month = add_months(month, 1)
        return months

    @property
    def last_month(self) -> date:
        return self.months[-1]

    def previous(self) -> ReportPeriod:
        """The period of the same length just before this one."""
        first = add_months(self.first_day, -len(self.months))
        if self.is_quarter:
            return ReportPeriod.parse(f"{first.year}-Q{(first.month - 1) // 3 + 1}")
        return ReportPeriod.month(first)

    def __str__(self) -> str:
        return self.label


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class Scope:
    """An organization, or one of its sites."""

    organization: Organization
    site: Site | None = None

    def __post_init__(self):
        if self.site is not None and self.site.organization_id != self.organization.pk:
            raise ValueError(
                f"site {self.site.slug!r} does not belong to {self.organization.slug!r}"
            )

    @property
    def label(self) -> str:
        if self.site is None:
            return self.organization.name
        return f"{self.site.name} ({self.organization.name})"

    def sites(self):
        sites = Site.objects.filter(organization=self.organization)
        if self.site is not None:
            sites = sites.filter(pk=self.site.pk)
        return sites.order_by("name")

    def teams(self):
        return (
            Team.objects.filter(site__in=self.sites())
            .select_related("site")
            .order_by("site__name", "name")
        )

    def includes_site(self, site_id: int | None) -> bool:
        return self.site is None or site_id == self.site.pk
