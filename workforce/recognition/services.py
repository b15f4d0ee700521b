"""Writes for recognition: nominating, reviewing, preferences, awards, values."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from workforce.models import Organization, Site, StaffMember, TeamMembership, User
from workforce.selectors import can_manage_organization

from . import tasks
from .dates import organization_today
from .models import (
    STORY_MAX_LENGTH,
    Award,
    CompanyValue,
    Recognition,
    RecognitionPreference,
    RecognitionSettings,
    RecognitionStatus,
)
from .selectors import can_nominate, can_review, recognition_settings

DEFAULT_VALUES = (
    ("Patient first", "Puts patients' comfort and care ahead of everything else."),
    ("Team player", "Steps in for colleagues and makes the day easier for all."),
    ("Calm under pressure", "Keeps a steady head when the schedule falls apart."),
)


def company_values_seed_defaults(*, organization: Organization) -> None:
    """Give an organization three starter values the first time it has none."""
    if CompanyValue.objects.filter(organization=organization).exists():
        return
    # ignore_conflicts: two first visits at once must not fail on the unique name.
    CompanyValue.objects.bulk_create(
        [
            CompanyValue(
                organization=organization,
                name=name,
                description=description,
                position=position,
            )
            for position, (name, description) in enumerate(DEFAULT_VALUES)
        ],
        ignore_conflicts=True,
    )


def _nominator_name(user: User) -> str:
    if user.staff_member_id:
        return user.staff_member.full_name
    return user.get_full_name() or user.username


def _team_on(nominee: StaffMember, day: datetime.date):
    """The team the nominee belonged to on ``day`` (dated history first)."""
    spell = (
        TeamMembership.objects.filter(staff_member=nominee, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .select_related("team__site")
        .order_by("-start_date")
        .first()
    )
    return spell.team if spell else nominee.team


@transaction.atomic
def recognition_nominate(
    *,
    nominator: User,
    nominee: StaffMember,
    value: CompanyValue,
    story: str,
    recognised_on: datetime.date | None = None,
) -> Recognition:
    """Record a nomination; publish it at once unless the organization reviews first.

    ``recognised_on`` defaults to today in the organization's time zone; it is a
    date on purpose (see models).
    """
    organization = nominator.organization
    if organization is None or not can_nominate(nominator):
        raise PermissionDenied(_("You cannot nominate colleagues."))
    if nominee.organization_id != organization.pk:
        raise ValidationError({"nominee": _("Choose someone in your organization.")})
    if nominator.staff_member_id and nominator.staff_member_id == nominee.pk:
        raise ValidationError({"nominee": _("You cannot nominate yourself.")})
    if value.organization_id != organization.pk or not value.is_active:
        raise ValidationError({"value": _("Choose one of your organization's values.")})
    story = (story or "").strip()
    if not story:
        raise ValidationError({"story": _("Say in a sentence or two what they did.")})
    if len(story) > STORY_MAX_LENGTH:
        raise ValidationError(
            {
                "story": _("Keep the story to %(n)d characters.")
                % {"n": STORY_MAX_LENGTH}
            }
        )
    recognised_on = recognised_on or organization_today(organization)
    if not StaffMember.objects.filter(pk=nominee.pk).active_on(recognised_on).exists():
        raise ValidationError({"nominee": _("This person is not employed any more.")})

    team = _team_on(nominee, recognised_on)
    needs_review = recognition_settings(organization).require_approval
    recognition = Recognition(
        organization=organization,
        nominee=nominee,
        nominated_by=nominator,
        nominator_name=_nominator_name(nominator),
        value=value,
        story=story,
        recognised_on=recognised_on,
        site=team.site,
        team=team,
        job_role=nominee.job_role,
        employment_type=nominee.employment_type,
        status=RecognitionStatus.PENDING
        if needs_review
        else RecognitionStatus.APPROVED,
        decided_on=None if needs_review else recognised_on,
    )
    recognition.full_clean()
    recognition.save()
    if not needs_review:
        _notify_after_commit(recognition)
    return recognition


def _notify_after_commit(recognition: Recognition) -> None:
    recognition_id = recognition.pk
    transaction.on_commit(
        lambda: tasks.recognition_notify_nominee.delay(recognition_id)
    )


def _locked_pending(recognition: Recognition, reviewer: User) -> Recognition:
    if not can_review(reviewer, recognition):
        raise PermissionDenied(_("You cannot review this nomination."))
    recognition = Recognition.objects.select_for_update().get(pk=recognition.pk)
    if recognition.status != RecognitionStatus.PENDING:
        raise ValidationError(
            _("This nomination was already %(status)s.")
            % {"status": recognition.get_status_display().lower()}
        )
    if reviewer.staff_member_id and reviewer.staff_member_id == recognition.nominee_id:
        raise ValidationError(_("Someone else must review a nomination of you."))
    if reviewer.pk == recognition.nominated_by_id:
        raise ValidationError(_("Someone else must review your own nomination."))
    return recognition


@transaction.atomic
def recognition_approve(*, recognition: Recognition, reviewer: User) -> Recognition:
    """Publish a pending nomination and tell the nominee by email."""
    recognition = _locked_pending(recognition, reviewer)
    recognition.status = RecognitionStatus.APPROVED
    recognition.decided_by = reviewer
    recognition.decided_on = organization_today(recognition.organization)
    recognition.full_clean()
    recognition.save()
    _notify_after_commit(recognition)
    return recognition


@transaction.atomic
def recognition_decline(
    *, recognition: Recognition, reviewer: User, reason: str
) -> Recognition:
    """Decline a pending nomination; the reason is kept for the nominator."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, for the person who nominated.")})
    recognition = _locked_pending(recognition, reviewer)
    recognition.status = RecognitionStatus.DECLINED
    recognition.decided_by = reviewer
    recognition.decided_on = organization_today(recognition.organization)
    recognition.decline_reason = reason
    recognition.full_clean()
    recognition.save()
    return recognition


@transaction.atomic
def recognition_preference_set(
    *, staff_member: StaffMember, wall_opt_out: bool
) -> RecognitionPreference:
    preference, _created = RecognitionPreference.objects.update_or_create(
        staff_member=staff_member, defaults={"wall_opt_out": wall_opt_out}
    )
    return preference


def _require_org_admin(user: User, organization: Organization) -> None:
    if not can_manage_organization(user) or user.organization_id != organization.pk:
        raise PermissionDenied(_("Only the owner or HR can do this."))


@transaction.atomic
def recognition_settings_update(
    *,
    organization: Organization,
    changed_by: User,
    allow_staff_nominations: bool,
    require_approval: bool,
) -> RecognitionSettings:
    _require_org_admin(changed_by, organization)
    current, _created = RecognitionSettings.objects.update_or_create(
        organization=organization,
        defaults={
            "allow_staff_nominations": allow_staff_nominations,
            "require_approval": require_approval,
        },
    )
    return current


@transaction.atomic
def company_value_save(
    *,
    organization: Organization,
    changed_by: User,
    name: str,
    description: str = "",
    is_active: bool = True,
    position: int = 0,
    value: CompanyValue | None = None,
) -> CompanyValue:
    """Create a value, or change ``value``; names are unique per organization."""
    _require_org_admin(changed_by, organization)
    if value is not None and value.organization_id != organization.pk:
        raise PermissionDenied(_("This value belongs to another organization."))
    name = (name or "").strip()
    clash = CompanyValue.objects.filter(organization=organization, name__iexact=name)
    if value is not None:
        clash = clash.exclude(pk=value.pk)
    if clash.exists():
        raise ValidationError({"name": _("There is already a value with this name.")})
    value = value or CompanyValue(organization=organization)
    value.name = name
    value.description = (description or "").strip()
    value.is_active = is_active
    value.position = position
    value.full_clean()
    value.save()
    return value


@transaction.atomic
def award_choose(
    *,
    organization: Organization,
    chosen_by: User,
    site: Site | None,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    recognition: Recognition,
) -> Award:
    """Give a periodic award to one of the period's approved recognitions."""
    _require_org_admin(chosen_by, organization)
    title = (title or "").strip()
    if site is not None and site.organization_id != organization.pk:
        raise ValidationError({"site": _("Choose one of your organization's sites.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if (
        recognition.organization_id != organization.pk
        or recognition.status != RecognitionStatus.APPROVED
        or not period_start <= recognition.recognised_on <= period_end
        or (site is not None and recognition.site_id != site.pk)
    ):
        raise ValidationError(
            {
                "recognition": _(
                    "Choose an approved recognition from this period and site."
                )
            }
        )
    award = Award(
        organization=organization,
        site=site,
        title=title,
        period_start=period_start,
        period_end=period_end,
        recognition=recognition,
        chosen_by=chosen_by,
        chosen_on=organization_today(organization),
    )
    duplicate = _("“%(title)s” has already been awarded for this period.") % {
        "title": title
    }
    existing = Award.objects.filter(
        organization=organization, title=title, period_start=period_start, site=site
    )
    if existing.exists():
        raise ValidationError(duplicate)
    award.full_clean()
    try:
        # A savepoint, so a lost race leaves the outer transaction usable.
        with transaction.atomic():
            award.save()
    except IntegrityError as error:
        raise ValidationError(duplicate) from error
    return award
