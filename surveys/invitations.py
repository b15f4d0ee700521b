"""Delivering invitations and reminders: email, text message and printed slips.

Each invitation is leased with a conditional UPDATE (``sent_at``/``reminded_at``
still empty, no live lease) before its message goes out, and ``sent_at`` /
``reminded_at`` are written only once the provider has taken the message. A task
that runs twice, or two workers at once, send each message once; a failed send
releases the lease so a later run retries it, and a worker killed mid-send leaves
a lease that expires (``SURVEY_DELIVERY_LEASE_SECONDS``) for the next run.

Codes and links are secrets: they go into messages, slips and the links CSV,
never into logs. Only counts are logged.
"""

import datetime
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from workforce.spreadsheets import csv_text

from . import sms, tokens
from .models import Channel, Invitation, Round, RoundStatus

logger = logging.getLogger(__name__)

LINKS_CSV_HEADER = [
    "employee_id",
    "full_name",
    "site",
    "team",
    "channel",
    "code",
    "link",
]

Progress = Callable[[int, int], None]


@dataclass
class DeliveryResult:
    """What one run did. ``printed`` invitations are delivered on paper instead."""

    sent: int = 0
    already_done: int = 0
    failed: int = 0
    printed: int = 0
    answered: int = 0


# --- links ------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def respond_url(code: str) -> str:
    """The personal link that opens the survey for ``code``."""
    return _absolute(reverse("surveys:respond_link", kwargs={"code": code}))


def code_entry_url() -> str:
    """The page where a code from a slip or message is typed in."""
    return _absolute(reverse("surveys:code_entry"))


@dataclass(frozen=True)
class InvitationLink:
    invitation: Invitation
    code: str

    @property
    def grouped_code(self) -> str:
        return tokens.format_code(self.code)

    @property
    def url(self) -> str:
        return respond_url(self.code)


def invitation_links(invitations: QuerySet[Invitation]) -> list[InvitationLink]:
    """Each invitation with its derived code, in name order."""
    invitations = invitations.select_related(
        "staff_member", "site", "team", "round__organization"
    ).order_by("site__name", "team__name", "staff_member__full_name", "pk")
    return [
        InvitationLink(inv, tokens.invitation_code(inv.pk, inv.nonce))
        for inv in invitations
    ]


def links_rows(*, round_: Round, channel: str | None = None):
    """One row per invitee in LINKS_CSV_HEADER order, for mail-merge or printing."""
    for link in invitation_links(round_invitations(round_, channel)):
        yield [
            link.invitation.staff_member.employee_id,
            link.invitation.staff_member.full_name,
            link.invitation.site.name,
            link.invitation.team.name,
            link.invitation.channel,
            link.grouped_code,
            link.url,
        ]


def links_csv(*, round_: Round, channel: str | None = None) -> str:
    """The links as CSV text, every cell spreadsheet-safe."""
    return csv_text(LINKS_CSV_HEADER, links_rows(round_=round_, channel=channel))


# --- messages ---------------------------------------------------------------


def _closes_on(round_: Round) -> datetime.date | None:
    if round_.closes_at is None:
        return None
    tz = zoneinfo.ZoneInfo(round_.organization.timezone)
    return timezone.localtime(round_.closes_at, tz).date()


def _context(link: InvitationLink, *, reminder: bool) -> dict:
    round_ = link.invitation.round
    return {
        "reminder": reminder,
        "full_name": link.invitation.staff_member.full_name,
        "organization": round_.organization.name,
        "round_name": round_.name,
        "closes_on": _closes_on(round_),
        "min_group_size": round_.min_group_size or round_.organization.min_group_size,
        "code": link.grouped_code,
        "link": link.url,
        "code_entry_url": code_entry_url(),
    }


@translation.override("en")
def _email(link: InvitationLink, *, reminder: bool, connection):
    # Both languages are written out in the templates; rendering under English
    # keeps the English half's dates English whatever the caller's language.
    context = _context(link, reminder=reminder)
    subject = " ".join(
        render_to_string("surveys/email/invitation_subject.txt", context).split()
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("surveys/email/invitation.txt", context),
        to=[link.invitation.staff_member.email],
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("surveys/email/invitation.html", context), "text/html"
    )
    return message


def sms_body(link: InvitationLink, *, reminder: bool) -> str:
    """A short bilingual text: one or two SMS segments with the link."""
    organization = link.invitation.round.organization.name
    if reminder:
        return (
            f"{organization}: reminder, the anonymous staff survey closes soon. "
            f"Recordatorio: la encuesta anónima cierra pronto. {link.url}"
        )
    return (
        f"{organization}: anonymous staff survey, 3 min. "
        f"Encuesta anónima del personal, 3 min. {link.url}"
    )


class _Sender:
    """Sends one message per invitation on a reused connection."""

    def __init__(self, *, reminder: bool):
        self.reminder = reminder
        self._email_connection = None
        self._sms_backend = None

    def send(self, link: InvitationLink) -> bool:
        channel = link.invitation.channel
        if channel == Channel.EMAIL:
            return self._send_email(link)
        if channel == Channel.SMS:
            return self._send_sms(link)
        return False

    def _send_email(self, link):
        if not link.invitation.staff_member.email:
            return False
        if self._email_connection is None:
            self._email_connection = get_connection()
            self._email_connection.open()
        message = _email(
            link, reminder=self.reminder, connection=self._email_connection
        )
        return message.send() == 1

    def _send_sms(self, link):
        try:
            to = sms.e164(link.invitation.staff_member.phone)
        except sms.InvalidPhoneNumber:
            return False
        if self._sms_backend is None:
            self._sms_backend = sms.get_sms_backend()
        message = sms.SmsMessage(to=to, body=sms_body(link, reminder=self.reminder))
        return self._sms_backend.send_messages([message]) == 1

    def close(self):
        if self._email_connection is not None:
            self._email_connection.close()


# --- sending ----------------------------------------------------------------


def round_invitations(round_: Round, channel: str | None) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(round=round_)
    if channel:
        if channel not in Channel.values:
            raise ValidationError(f"Unknown channel “{channel}”.")
        invitations = invitations.filter(channel=channel)
    return invitations


def _require_open(round_: Round) -> None:
    if round_.status != RoundStatus.OPEN:
        raise ValidationError(
            f"Round “{round_.name}” is {round_.get_status_display().lower()}; "
            "invitations and reminders go out only while it is open."
        )


def _lease() -> datetime.timedelta:
    return datetime.timedelta(
        seconds=getattr(settings, "SURVEY_DELIVERY_LEASE_SECONDS", 15 * 60)
    )


def _claim(invitation: Invitation, field: str, now: datetime.datetime):
    """Lease ``invitation`` for sending its ``field`` message; None if not ours.

    A conditional UPDATE, committed at once: only one run gets the lease while
    ``field`` is still empty and no other live lease holds the row. The lease
    expires rather than blocking forever, so a worker killed mid-send leaves its
    message to the next run instead of losing it.
    """
    until = now + _lease()
    claimed = (
        Invitation.objects.filter(pk=invitation.pk, **{f"{field}__isnull": True})
        .filter(Q(delivery_lease_until__isnull=True) | Q(delivery_lease_until__lt=now))
        .update(delivery_lease_until=until)
    )
    return until if claimed == 1 else None


def _record_sent(invitation: Invitation, field: str, lease, at) -> None:
    Invitation.objects.filter(pk=invitation.pk, delivery_lease_until=lease).update(
        **{field: at, "delivery_lease_until": None}
    )


def _release(invitation: Invitation, lease) -> None:
    Invitation.objects.filter(pk=invitation.pk, delivery_lease_until=lease).update(
        delivery_lease_until=None
    )


def _deliver(
    links: list[InvitationLink],
    *,
    field: str,
    reminder: bool,
    result: DeliveryResult,
    on_progress: Progress | None,
) -> DeliveryResult:
    sender = _Sender(reminder=reminder)
    total = len(links)
    try:
        for done, link in enumerate(links, start=1):
            lease = _claim(link.invitation, field, timezone.now())
            if lease is None:
                result.already_done += 1
            else:
                try:
                    delivered = sender.send(link)
                except Exception as exc:
                    # One bad address must not stop the rest. The exception text
                    # may quote the message (and its link): log the type only.
                    logger.warning("survey delivery error: %s", type(exc).__name__)
                    delivered = False
                if delivered:
                    # The gap: a crash after the provider took the message and
                    # before this UPDATE commits resends it once the lease
                    # expires (at least once). Everywhere else, a crash leaves
                    # the message unsent and leased, and the next run sends it:
                    # exactly once (tests/surveys/test_faults_worker.py).
                    _record_sent(link.invitation, field, lease, timezone.now())
                    result.sent += 1
                else:
                    _release(link.invitation, lease)
                    result.failed += 1
            if on_progress:
                on_progress(done, total)
    finally:
        sender.close()
    return result


def invitations_send(
    *,
    round_: Round,
    channel: str | None = None,
    on_progress: Progress | None = None,
) -> DeliveryResult:
    """Email and text the round's invitations that have not gone out yet.

    Printed invitations are counted, not sent: they go out as slips
    (``surveys.slips.round_slips_pdf``).
    """
    round_ = Round.objects.select_related("organization").get(pk=round_.pk)
    _require_open(round_)
    invitations = round_invitations(round_, channel)
    result = DeliveryResult(
        printed=invitations.filter(channel=Channel.PRINTED).count(),
        already_done=invitations.exclude(channel=Channel.PRINTED)
        .filter(sent_at__isnull=False)
        .count(),
    )
    pending = invitations.exclude(channel=Channel.PRINTED).filter(sent_at__isnull=True)
    _deliver(
        invitation_links(pending),
        field="sent_at",
        reminder=False,
        result=result,
        on_progress=on_progress,
    )
    logger.info(
        "survey invitations for round %s: %s sent, %s already sent, %s failed, "
        "%s printed",
        round_.pk,
        result.sent,
        result.already_done,
        result.failed,
        result.printed,
    )
    return result


def reminders_send(
    *,
    round_: Round,
    on_progress: Progress | None = None,
) -> DeliveryResult:
    """Remind, once, the invitees whose code has not answered.

    Only invitations already sent by email or text are reminded; whether a
    code has answered is known only through its participation digest.
    """
    round_ = Round.objects.select_related("organization").get(pk=round_.pk)
    _require_open(round_)
    invitations = Invitation.objects.filter(round=round_)
    result = DeliveryResult(
        printed=invitations.filter(channel=Channel.PRINTED).count(),
        already_done=invitations.exclude(channel=Channel.PRINTED)
        .filter(reminded_at__isnull=False)
        .count(),
    )
    answered = set(round_.participations.values_list("digest", flat=True))
    pending = []
    for link in invitation_links(
        invitations.exclude(channel=Channel.PRINTED).filter(
            sent_at__isnull=False, reminded_at__isnull=True
        )
    ):
        if tokens.participation_digest(link.code) in answered:
            result.answered += 1
        else:
            pending.append(link)
    _deliver(
        pending,
        field="reminded_at",
        reminder=True,
        result=result,
        on_progress=on_progress,
    )
    logger.info(
        "survey reminders for round %s: %s sent, %s already reminded, "
        "%s answered, %s failed",
        round_.pk,
        result.sent,
        result.already_done,
        result.answered,
        result.failed,
    )
    return result


def printed_mark_sent(*, round_: Round, invitations: QuerySet[Invitation]) -> int:
    """Record that slips were produced for printed invitations not yet marked."""
    return invitations.filter(
        round=round_, channel=Channel.PRINTED, sent_at=None
    ).update(sent_at=timezone.now())
