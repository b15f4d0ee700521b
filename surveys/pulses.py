"""Recurring pulses: which round a schedule owes now, and which rounds are due.

Celery beat runs ``surveys.tasks.pulse_tick`` hourly; the functions here decide
what is due, the services in ``surveys.services`` and ``surveys.invitations`` do
it. Periods follow the organization's own time zone, so a monthly pulse of a
practice in Los Angeles starts on the 1st there, not on the 1st in UTC.
"""

import datetime
import zoneinfo

from django.db import IntegrityError, transaction
from django.utils import formats, timezone

from .models import Frequency, PulseSchedule, Round, RoundStatus

# Rounds launched by hand have no schedule: remind them after the model's default.
DEFAULT_REMINDER_AFTER_DAYS = PulseSchedule._meta.get_field(
    "reminder_after_days"
).default


def period_start(frequency: str, day: datetime.date) -> datetime.date:
    """The first day of the month or quarter that ``day`` falls in."""
    if frequency == Frequency.QUARTERLY:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def period_label(frequency: str, period: datetime.date) -> str:
    if frequency == Frequency.QUARTERLY:
        return f"Q{(period.month - 1) // 3 + 1} {period.year}"
    return formats.date_format(period, "F Y")


def _local_today(organization, now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now, zoneinfo.ZoneInfo(organization.timezone)).date()


def schedule_round_ensure(
    *, schedule: PulseSchedule, now: datetime.datetime | None = None
) -> tuple[Round | None, bool]:
    """The schedule's round for the current period, created if missing.

    Returns ``(round, created)``; ``(None, False)`` for an inactive schedule.
    The unique constraint ``round_one_per_schedule_period`` makes two runs at
    once create one round: the loser of the race reads the winner's.
    """
    if not schedule.active:
        return None, False
    now = now or timezone.now()
    organization = schedule.organization
    period = period_start(schedule.frequency, _local_today(organization, now))
    try:
        with transaction.atomic():
            round_, created = Round.objects.get_or_create(
                schedule=schedule,
                period=period,
                defaults={
                    "organization": organization,
                    "survey": schedule.survey,
                    "name": f"{schedule.survey.name} – "
                    f"{period_label(schedule.frequency, period)}",
                    "status": RoundStatus.SCHEDULED,
                    "opens_at": now,
                    "closes_at": now + datetime.timedelta(days=schedule.open_days),
                },
            )
            if created:
                round_.sites.set(schedule.sites.all())
                round_.teams.set(schedule.teams.all())
    except IntegrityError:
        return Round.objects.get(schedule=schedule, period=period), False
    return round_, created


def rounds_due_to_open(now: datetime.datetime):
    """Scheduled rounds whose opening time has come and whose window has not passed."""
    return (
        Round.objects.filter(status=RoundStatus.SCHEDULED, opens_at__lte=now)
        .exclude(closes_at__lte=now)
        .order_by("pk")
    )


def rounds_due_to_close(now: datetime.datetime):
    return Round.objects.filter(status=RoundStatus.OPEN, closes_at__lte=now).order_by(
        "pk"
    )


def rounds_open(now: datetime.datetime):
    """Open rounds still inside their window."""
    return (
        Round.objects.filter(status=RoundStatus.OPEN)
        .exclude(closes_at__lte=now)
        .order_by("pk")
    )


def reminder_due(round_: Round, now: datetime.datetime) -> bool:
    """Whether ``round_`` is open, inside its window and past its reminder day."""
    if round_.status != RoundStatus.OPEN or round_.launched_at is None:
        return False
    if round_.closes_at is not None and round_.closes_at <= now:
        return False
    days = (
        round_.schedule.reminder_after_days
        if round_.schedule_id
        else DEFAULT_REMINDER_AFTER_DAYS
    )
    return round_.launched_at + datetime.timedelta(days=days) <= now


def rounds_due_for_reminders(now: datetime.datetime) -> list[Round]:
    return [
        round_
        for round_ in rounds_open(now).select_related("schedule")
        if reminder_due(round_, now)
    ]
