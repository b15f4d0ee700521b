"""Background work for surveys. Thin: each task takes ids and calls a service.

Every task is safe to run twice: round creation is guarded by a unique
constraint, lifecycle steps check the round's status first, and each message is
claimed before it goes out (``surveys.invitations``).
"""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from . import pulses, retention
from .invitations import invitations_send, reminders_send
from .models import PulseSchedule, Round, RoundStatus
from .services import round_close, round_launch
from .slips import slips_file_write, slips_files_delete

logger = logging.getLogger(__name__)


def defer(task, *args, **kwargs) -> bool:
    """Queue ``task``; if the broker is unreachable, log it and return False.

    For work that a later run picks up anyway: the hourly ``pulse_tick`` sends
    every open round's unsent invitations and due reminders, so a launch whose
    queueing failed while Redis was down is caught up once Redis is back. The
    caller's own change (the launch) stands either way.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except (KombuOperationalError, RedisError, OSError) as exc:
        logger.warning(
            "broker unavailable (%s): %s not queued for %s; the pulse tick will "
            "retry it",
            type(exc).__name__,
            task.name,
            args,
        )
        return False
    return True


def _round(round_id: int) -> Round | None:
    return (
        Round.objects.select_related("schedule", "organization")
        .filter(pk=round_id)
        .first()
    )


@shared_task
def pulse_tick() -> dict:
    """Hourly: create due pulse rounds, open, invite, remind and close."""
    now = timezone.now()
    schedule_ids = list(
        PulseSchedule.objects.filter(active=True).values_list("pk", flat=True)
    )
    to_open = list(pulses.rounds_due_to_open(now).values_list("pk", flat=True))
    to_close = list(pulses.rounds_due_to_close(now).values_list("pk", flat=True))
    open_ids = list(pulses.rounds_open(now).values_list("pk", flat=True))
    to_remind = [r.pk for r in pulses.rounds_due_for_reminders(now)]
    for schedule_id in schedule_ids:
        defer(pulse_schedule_tick, schedule_id)
    for round_id in to_open:
        defer(round_open, round_id)
    # Retries invitations that failed before (a mail server that was down).
    for round_id in open_ids:
        defer(round_send_invitations, round_id)
    for round_id in to_remind:
        defer(round_send_reminders, round_id)
    for round_id in to_close:
        defer(round_close_due, round_id)
    counts = {
        "schedules": len(schedule_ids),
        "opened": len(to_open),
        "open": len(open_ids),
        "reminded": len(to_remind),
        "closed": len(to_close),
    }
    logger.info("pulse tick: %s", counts)
    return counts


@shared_task
def pulse_schedule_tick(schedule_id: int) -> int | None:
    """Make sure the schedule has its round for this period; open it if due."""
    schedule = (
        PulseSchedule.objects.select_related("organization", "survey")
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        return None
    round_, created = pulses.schedule_round_ensure(schedule=schedule)
    if round_ is None:
        return None
    if created:
        logger.info("pulse schedule %s created round %s", schedule_id, round_.pk)
        round_open.delay(round_.pk)
    return round_.pk


@shared_task
def round_open(round_id: int) -> bool:
    """Launch a scheduled round whose time has come, then send its invitations."""
    round_ = _round(round_id)
    now = timezone.now()
    if (
        round_ is None
        or not pulses.rounds_due_to_open(now).filter(pk=round_id).exists()
    ):
        return False
    try:
        round_launch(round_=round_)
    except ValidationError as exc:
        # Opened by another run meanwhile, or a survey without questions.
        logger.warning("round %s not opened: %s", round_id, " ".join(exc.messages))
        return False
    round_send_invitations.delay(round_id)
    return True


@shared_task
def round_send_invitations(round_id: int) -> int:
    """Send the open round's invitations that have not gone out; returns how many."""
    round_ = _round(round_id)
    if round_ is None or round_.status != RoundStatus.OPEN:
        return 0
    return invitations_send(round_=round_).sent


@shared_task
def round_send_reminders(round_id: int, when_due: bool = True) -> int:
    """Remind non-respondents once: when the reminder day has come, or now."""
    round_ = _round(round_id)
    if round_ is None or round_.status != RoundStatus.OPEN:
        return 0
    if when_due and not pulses.reminder_due(round_, timezone.now()):
        return 0
    return reminders_send(round_=round_).sent


@shared_task
def round_close_due(round_id: int) -> bool:
    """Close an open round whose closing time has passed."""
    round_ = _round(round_id)
    due = pulses.rounds_due_to_close(timezone.now()).filter(pk=round_id)
    if round_ is None or not due.exists():
        return False
    try:
        round_close(round_=round_)
    except ValidationError:
        return False
    slips_files_delete(round_id=round_id)
    return True


@shared_task
def round_slips_render(round_id: int, variant: str) -> bool:
    """Prepare a round's printed slips for download from the back office."""
    round_ = _round(round_id)
    if round_ is None or round_.status != RoundStatus.OPEN:
        return False
    return slips_file_write(round_=round_, variant=variant) is not None


@shared_task
def survey_answers_purge() -> dict:
    """Daily: delete raw answers past SURVEY_RAW_RETENTION_DAYS (surveys.retention)."""
    result = retention.survey_answers_purge()
    logger.info(
        "survey answers purge: %s rounds, %s answers",
        result.rounds,
        result.answers,
    )
    return {"rounds": result.rounds, "answers": result.answers}
