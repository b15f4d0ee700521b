"""When a completion stops counting, and how close that is. Pure: no database.

The rules, in one place (pages, exports, reminders and metrics all use them):

- ``expires_on`` is the last day a completion counts: a certificate that
  "expires on 31 March" is still good on 31 March and expired on 1 April.
  With no ``expires_on`` (a course that never expires) it counts for ever.
- When no expiry is given it is ``completed_on`` plus the course's validity in
  calendar months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb).
- ``days_left = expires_on - today`` in calendar days, where today is the date
  in the organization's time zone (not the server's, not UTC). Counting dates,
  not hours, keeps a daylight-saving change from making a day 23 or 25 hours.
- The status for a person and course follows from ``days_left`` of their best
  completion (the one that counts the longest):

  ===================  ==========================================
  ``days_left``        status
  ===================  ==========================================
  no completion        missing
  below 0              expired (the day after ``expires_on`` on)
  0 to 30              expiring within 30 days (0 = expires today)
  31 to 60             expiring within 60 days
  61 to 90             expiring within 90 days
  above 90, or never   valid
  ===================  ==========================================

  Each bound is inclusive on the near side: exactly 30 days left is "within
  30 days", 31 is "within 60".
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workforce.recognition.dates import add_months

#: Days before expiry at which a completion turns "expiring", nearest first.
WINDOWS = (30, 60, 90)


class Status(models.TextChoices):
    """Ordered from worst to best, which is how lists sort them."""

    MISSING = "missing", _("Missing")
    EXPIRED = "expired", _("Expired")
    EXPIRING_30 = "expiring_30", _("Expires within 30 days")
    EXPIRING_60 = "expiring_60", _("Expires within 60 days")
    EXPIRING_90 = "expiring_90", _("Expires within 90 days")
    VALID = "valid", _("Valid")


STATUS_ORDER = {status: index for index, status in enumerate(Status)}
#: How a status is coloured (site.css ``status-ok/warn/bad``); always with text.
TONE = {
    Status.MISSING: "bad",
    Status.EXPIRED: "bad",
    Status.EXPIRING_30: "warn",
    Status.EXPIRING_60: "warn",
    Status.EXPIRING_90: "warn",
    Status.VALID: "ok",
}
#: Statuses in which the person holds a completion that counts today.
COUNTING = {Status.EXPIRING_30, Status.EXPIRING_60, Status.EXPIRING_90, Status.VALID}


def organization_date(organization, moment: datetime.datetime) -> datetime.date:
    """The date it is in the organization's time zone at ``moment``."""
    try:
        zone = zoneinfo.ZoneInfo(organization.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return timezone.localtime(moment, zone).date()


def expiry_from(
    completed_on: datetime.date, validity_months: int | None
) -> datetime.date | None:
    """The expiry a completion gets when none is given; None = never expires."""
    if validity_months is None:
        return None
    return add_months(completed_on, validity_months)


def days_left(expires_on: datetime.date | None, today: datetime.date) -> int | None:
    """Calendar days from today to the last valid day; None = never expires."""
    if expires_on is None:
        return None
    return (expires_on - today).days


def classify(expires_on: datetime.date | None, today: datetime.date) -> Status:
    """The status of a completion that expires on ``expires_on``, seen ``today``."""
    left = days_left(expires_on, today)
    if left is None:
        return Status.VALID
    if left < 0:
        return Status.EXPIRED
    if left <= 30:
        return Status.EXPIRING_30
    if left <= 60:
        return Status.EXPIRING_60
    if left <= 90:
        return Status.EXPIRING_90
    return Status.VALID


def counts_on(
    completed_on: datetime.date, expires_on: datetime.date | None, day: datetime.date
) -> bool:
    """Whether a completion counts on ``day`` (done by then, not yet expired)."""
    return completed_on <= day and (expires_on is None or expires_on >= day)


@dataclass(frozen=True)
class Held:
    """One completion, reduced to what the rules need."""

    completed_on: datetime.date
    expires_on: datetime.date | None
    ref: object = None


def _lasts_longer(a: Held, b: Held) -> bool:
    if a.expires_on is None or b.expires_on is None:
        return a.expires_on is None and (
            b.expires_on is not None or a.completed_on > b.completed_on
        )
    return (a.expires_on, a.completed_on) > (b.expires_on, b.completed_on)


def best(held: Iterable[Held], on: datetime.date) -> Held | None:
    """The completion done by ``on`` that counts the longest (never = longest;
    between equals, the most recent), or None if nothing was done by then."""
    chosen = None
    for item in held:
        if item.completed_on > on:
            continue
        if chosen is None or _lasts_longer(item, chosen):
            chosen = item
    return chosen


def status_of(held: Iterable[Held], today: datetime.date) -> tuple[Status, Held | None]:
    """A person's status in one course from all their completions of it."""
    chosen = best(held, today)
    if chosen is None:
        return Status.MISSING, None
    return classify(chosen.expires_on, today), chosen
