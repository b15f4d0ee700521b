"""Expiry reminders: each one emailed exactly once, even if runs overlap or die.

Which reminder is due follows from ``days_left`` (see ``expiry.py``):

=================  ==========================
``days_left``      reminder
=================  ==========================
61 to 90           90 days before expiry
31 to 60           60 days before expiry
1 to 30            30 days before expiry
0 to -7            on expiry (catch-up week)
=================  ==========================

Only the band the completion is in today is sent: a completion first seen
with 45 days left gets the 60-day reminder, not the 90-day one as well. The
catch-up week lets a run missed on the day of expiry still send it; after
that the matrix shows the completion as expired and nobody is emailed about
it again. Reminders go about a person's current completion of a course (the
one that counts the longest), while they are employed: a renewal silences the
old one.

Exactly once: a ``TrainingReminder`` row, unique per completion and
threshold, is claimed *before* the email is sent and marked sent right after.
A second run finds the row and does nothing. A claim still unsent after
``CLAIM_TIMEOUT`` means the worker died between the two steps: the next run
takes it over (one UPDATE that only one run can win) and sends. If sending
raises, the claim is given back so the next run tries again.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workforce.models import Organization, Role, User

from .expiry import days_left, organization_date
from .models import Completion, ReminderThreshold, TrainingReminder

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=30)
CATCH_UP_DAYS = 7
#: (threshold, fewest days left, most days left), inclusive.
BANDS = (
    (ReminderThreshold.DAYS_90, 61, 90),
    (ReminderThreshold.DAYS_60, 31, 60),
    (ReminderThreshold.DAYS_30, 1, 30),
    (ReminderThreshold.ON_EXPIRY, -CATCH_UP_DAYS, 0),
)


def threshold_for(left: int | None) -> int | None:
    """The reminder due with ``left`` days to expiry, or None."""
    if left is None:
        return None
    for threshold, fewest, most in BANDS:
        if fewest <= left <= most:
            return threshold
    return None


def due_completions(*, organization: Organization, today) -> list[Completion]:
    """Current completions of employed people whose expiry is in a band today."""
    superseded = Completion.objects.filter(
        staff_member=OuterRef("staff_member"), course=OuterRef("course")
    ).filter(
        Q(expires_on__isnull=True)
        | Q(expires_on__gt=OuterRef("expires_on"))
        | Q(
            expires_on=OuterRef("expires_on"), completed_on__gt=OuterRef("completed_on")
        )
    )
    return list(
        Completion.objects.filter(
            staff_member__organization=organization,
            expires_on__gte=today - timedelta(days=CATCH_UP_DAYS),
            expires_on__lte=today + timedelta(days=90),
            completed_on__lte=today,
        )
        .filter(
            Q(staff_member__termination_date__isnull=True)
            | Q(staff_member__termination_date__gt=today)
        )
        .exclude(Exists(superseded))
        .select_related("staff_member__team", "course")
        .order_by("expires_on", "pk")
    )


def reminder_claim(
    *, completion_id: int, threshold: int, now: datetime
) -> TrainingReminder | None:
    """Claim the reminder for sending, or None if it is sent or being sent.

    A new row is the claim; an existing row is taken over only if it is an
    unsent claim older than CLAIM_TIMEOUT (its worker died).
    """
    try:
        with transaction.atomic():
            return TrainingReminder.objects.create(
                completion_id=completion_id, threshold=threshold, claimed_at=now
            )
    except IntegrityError:
        pass
    taken = TrainingReminder.objects.filter(
        completion_id=completion_id,
        threshold=threshold,
        status=TrainingReminder.Status.CLAIMED,
        claimed_at__lt=now - CLAIM_TIMEOUT,
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    if not taken:
        return None
    return TrainingReminder.objects.get(
        completion_id=completion_id, threshold=threshold
    )


def _leads_of(completion: Completion) -> list[str]:
    person = completion.staff_member
    return sorted(
        set(
            User.objects.filter(
                organization_id=person.organization_id,
                role=Role.TEAM_LEAD,
                is_active=True,
                led_teams=person.team_id,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def reminder_message(
    completion: Completion, threshold: int, today
) -> EmailMessage | None:
    """One email to the person, copied to the leads of their team (or to the
    leads alone if the person has no address); None if nobody can be told."""
    person = completion.staff_member
    leads = [email for email in _leads_of(completion) if email != person.email]
    to = [person.email] if person.email else leads
    cc = leads if person.email else []
    if not to:
        return None
    left = days_left(completion.expires_on, today)
    with translation.override(settings.LANGUAGE_CODE):
        if threshold == ReminderThreshold.ON_EXPIRY:
            subject = _("%(course)s has expired for %(name)s") % {
                "course": completion.course.name,
                "name": person.full_name,
            }
            if left == 0:
                subject = _("%(course)s expires today for %(name)s") % {
                    "course": completion.course.name,
                    "name": person.full_name,
                }
        else:
            subject = _("%(course)s expires in %(days)d days for %(name)s") % {
                "course": completion.course.name,
                "days": left,
                "name": person.full_name,
            }
        body = render_to_string(
            "training/email/reminder.txt",
            {
                "completion": completion,
                "person": person,
                "days_left": left,
                "on_expiry": threshold == ReminderThreshold.ON_EXPIRY,
                "leads_only": not person.email,
                "copied_to_leads": bool(cc),
                "site_url": settings.SITE_URL,
            },
        )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to, cc=cc)


def reminder_send(
    *, completion: Completion, threshold: int, today, now: datetime
) -> bool:
    """Claim, send and mark one reminder. Returns whether an email went out."""
    reminder = reminder_claim(completion_id=completion.pk, threshold=threshold, now=now)
    if reminder is None:
        return False
    try:
        message = reminder_message(completion, threshold, today)
        if message is not None:
            message.send()
    except Exception:
        # Give the claim back so the next run tries again.
        TrainingReminder.objects.filter(
            pk=reminder.pk, status=TrainingReminder.Status.CLAIMED, claimed_at=now
        ).delete()
        raise
    recipients = len(message.recipients()) if message is not None else 0
    TrainingReminder.objects.filter(pk=reminder.pk).update(
        status=TrainingReminder.Status.SENT,
        sent_at=timezone.now(),
        recipient_count=recipients,
    )
    return message is not None


@dataclass
class RunResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def reminders_send_due(*, organization: Organization, now: datetime | None = None):
    """Send every reminder due today in ``organization``; safe to run twice."""
    now = now or timezone.now()
    today = organization_date(organization, now)
    result = RunResult()
    for completion in due_completions(organization=organization, today=today):
        threshold = threshold_for(days_left(completion.expires_on, today))
        if threshold is None:
            continue
        try:
            sent = reminder_send(
                completion=completion, threshold=threshold, today=today, now=now
            )
        except Exception:
            # One bad address or a mail server hiccup must not stop the rest.
            logger.exception(
                "Training reminder for completion %s at %s days failed",
                completion.pk,
                threshold,
            )
            result.failed += 1
            continue
        if sent:
            result.sent += 1
        else:
            result.skipped += 1
    return result
