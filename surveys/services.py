"""Writes for surveys: the round lifecycle (submissions: surveys/submission.py)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workforce.models import StaffMember

from . import tokens
from .models import Channel, Invitation, Round, RoundStatus, TenureBand


def tenure_band(*, hire_date: datetime.date, on: datetime.date) -> str:
    years = (on - hire_date).days / 365.25
    if years < 1:
        return TenureBand.UNDER_1
    if years < 2:
        return TenureBand.ONE_TO_2
    if years < 5:
        return TenureBand.TWO_TO_5
    return TenureBand.FIVE_PLUS


def round_audience(round_: Round):
    """Staff employed on the launch day in the round's sites/teams (all if none)."""
    on = timezone.localdate()
    staff = StaffMember.objects.filter(organization=round_.organization).active_on(on)
    site_ids = list(round_.sites.values_list("pk", flat=True))
    team_ids = list(round_.teams.values_list("pk", flat=True))
    if site_ids or team_ids:
        staff = staff.filter(Q(site_id__in=site_ids) | Q(team_id__in=team_ids))
    return staff


def _channel_for(person: StaffMember) -> str:
    if person.email:
        return Channel.EMAIL
    if person.phone:
        return Channel.SMS
    return Channel.PRINTED


def _transition(round_: Round, *, allowed_from: set[str], to: str) -> Round:
    if round_.status not in allowed_from:
        raise ValidationError(
            f"Round “{round_.name}” is {round_.get_status_display().lower()}; "
            f"it cannot become {RoundStatus(to).label.lower()}."
        )
    round_.status = to
    return round_


@transaction.atomic
def round_launch(*, round_: Round, closes_at: datetime.datetime | None = None) -> Round:
    """Open a round: snapshot the audience and their reporting attributes.

    Each invitee's site, team, job role, tenure band and employment type are copied
    now, so later transfers do not move their answers. The organization's k is
    frozen on the round.
    """
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    _transition(
        round_, allowed_from={RoundStatus.DRAFT, RoundStatus.SCHEDULED}, to="open"
    )
    if not round_.survey.survey_questions.exists():
        raise ValidationError(f"Survey “{round_.survey.name}” has no questions.")
    now = timezone.now()
    today = timezone.localdate()
    round_.launched_at = now
    round_.opens_at = round_.opens_at or now
    round_.closes_at = closes_at or round_.closes_at or now + datetime.timedelta(days=7)
    round_.min_group_size = round_.organization.min_group_size
    round_.full_clean()
    round_.save()
    invitations = []
    for person in round_audience(round_).select_related("team"):
        invitations.append(
            Invitation(
                round=round_,
                staff_member=person,
                nonce=tokens.new_nonce(),
                lookup_digest="",
                channel=_channel_for(person),
                site_id=person.site_id,
                team_id=person.team_id,
                job_role_id=person.job_role_id,
                tenure_band=tenure_band(hire_date=person.hire_date, on=today),
                employment_type=person.employment_type,
            )
        )
    # Digests need primary keys: insert with unique placeholders, then fill them in.
    for i, invitation in enumerate(invitations):
        invitation.lookup_digest = f"pending-{round_.pk}-{i}"
    created = Invitation.objects.bulk_create(invitations, batch_size=1000)
    if any(inv.pk is None for inv in created):
        created = list(Invitation.objects.filter(round=round_).order_by("pk"))
    for invitation in created:
        code = tokens.invitation_code(invitation.pk, invitation.nonce)
        invitation.lookup_digest = tokens.lookup_digest(code)
    Invitation.objects.bulk_update(created, ["lookup_digest"], batch_size=1000)
    return round_


@transaction.atomic
def round_close(*, round_: Round) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    _transition(round_, allowed_from={RoundStatus.OPEN}, to=RoundStatus.CLOSED)
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    return round_


@transaction.atomic
def round_release(*, round_: Round) -> Round:
    """Make results visible. Only a closed round can be released: no live results."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    _transition(round_, allowed_from={RoundStatus.CLOSED}, to=RoundStatus.RELEASED)
    round_.released_at = timezone.now()
    round_.save(update_fields=["status", "released_at"])
    return round_


def invitation_code_for(invitation: Invitation) -> str:
    return tokens.invitation_code(invitation.pk, invitation.nonce)
