"""Reads for recognition, all scoped through ``workforce.selectors``.

Who sees what:
- owner and HR: everything in their organization, private recognitions too;
- site manager: reviews nominations for people at the sites they manage;
- team lead: nominates anyone in the organization, sees their teams' recognitions;
- staff: the wall of their own site and their own recognitions.
Private means the nominee opted out of the wall: only they and HR/owner see it,
but it still counts in every total.
"""

import datetime
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, QuerySet

from workforce.models import (
    Organization,
    Role,
    Site,
    StaffMember,
    TeamMembership,
    User,
)
from workforce.selectors import (
    can_manage_organization,
    visible_organizations,
    visible_sites,
    visible_teams,
)

from .dates import add_months, days_overlapping, month_starts, organization_today
from .models import (
    Award,
    CompanyValue,
    Recognition,
    RecognitionPreference,
    RecognitionSettings,
    RecognitionStatus,
)


def recognition_settings(organization: Organization) -> RecognitionSettings:
    """The organization's settings, or the defaults (unsaved) if never changed."""
    # A fresh query, not the cached reverse accessor: the organization object
    # may have been loaded before the settings last changed.
    current = RecognitionSettings.objects.filter(organization=organization).first()
    return current or RecognitionSettings(organization=organization)


def user_organization(user: User) -> Organization | None:
    return visible_organizations(user).first()


def can_nominate(user: User) -> bool:
    """Team leads always; staff when the organization allows, as their own record."""
    organization = user_organization(user)
    if organization is None:
        return False
    if user.role == Role.TEAM_LEAD:
        return True
    return (
        user.role == Role.STAFF
        and user.staff_member_id is not None
        and recognition_settings(organization).allow_staff_nominations
    )


def active_values(organization: Organization) -> QuerySet[CompanyValue]:
    return CompanyValue.objects.filter(organization=organization, is_active=True)


def nominee_choices(user: User, *, query: str = "") -> QuerySet[StaffMember]:
    """Colleagues the user may nominate: anyone employed in their organization."""
    organization = user_organization(user)
    if organization is None:
        return StaffMember.objects.none()
    people = (
        StaffMember.objects.filter(organization=organization)
        .active_on(organization_today(organization))
        .select_related("team__site")
        .order_by("site__name", "team__name", "full_name")
    )
    if user.staff_member_id:
        people = people.exclude(pk=user.staff_member_id)
    query = query.strip()
    if query:
        people = people.filter(full_name__icontains=query)
    return people


def _opted_out():
    return Exists(
        RecognitionPreference.objects.filter(
            staff_member=OuterRef("nominee"), wall_opt_out=True
        )
    )


def with_privacy(recognitions: QuerySet[Recognition]) -> QuerySet[Recognition]:
    return recognitions.annotate(is_private=_opted_out())


def _base(organization_id) -> QuerySet[Recognition]:
    return Recognition.objects.filter(organization_id=organization_id).select_related(
        "nominee", "value", "site", "team"
    )


def reviewable_recognitions(user: User) -> QuerySet[Recognition]:
    """Recognitions the user may approve or decline (any status, for lookups)."""
    organization = user_organization(user)
    if organization is None:
        return Recognition.objects.none()
    if can_manage_organization(user):
        return _base(organization.pk)
    if user.role == Role.SITE_MANAGER:
        return _base(organization.pk).filter(site__in=visible_sites(user))
    return Recognition.objects.none()


def can_review(user: User, recognition: Recognition) -> bool:
    return reviewable_recognitions(user).filter(pk=recognition.pk).exists()


def pending_reviews(user: User) -> QuerySet[Recognition]:
    return with_privacy(
        reviewable_recognitions(user).filter(status=RecognitionStatus.PENDING)
    ).order_by("recognised_on", "id")


def recognitions_in_scope(user: User) -> QuerySet[Recognition]:
    """The recognition list of a manager: their sites or teams; private only to HR."""
    organization = user_organization(user)
    if organization is None:
        return Recognition.objects.none()
    recognitions = with_privacy(_base(organization.pk))
    if can_manage_organization(user):
        return recognitions
    if user.role == Role.SITE_MANAGER:
        recognitions = recognitions.filter(site__in=visible_sites(user))
    elif user.role == Role.TEAM_LEAD:
        recognitions = recognitions.filter(team__in=visible_teams(user))
    else:
        return Recognition.objects.none()
    return recognitions.filter(is_private=False)


def wall_sites(user: User) -> QuerySet[Site]:
    """Sites whose wall the user may read: the sites they see, and their own."""
    organization = user_organization(user)
    if organization is None:
        return Site.objects.none()
    own = Q(pk=user.staff_member.site_id) if user.staff_member_id else Q(pk__in=[])
    return Site.objects.filter(organization=organization).filter(
        Q(pk__in=visible_sites(user).values("pk")) | own
    )


def wall_recognitions(site: Site) -> QuerySet[Recognition]:
    """Approved recognitions at a site, newest first, without private ones."""
    return (
        with_privacy(_base(site.organization_id))
        .filter(site=site, status=RecognitionStatus.APPROVED, is_private=False)
        .order_by("-recognised_on", "-id")
    )


def received_recognitions(staff_member: StaffMember) -> QuerySet[Recognition]:
    """What the nominee sees: their approved recognitions, private ones included."""
    return _base(staff_member.organization_id).filter(
        nominee=staff_member, status=RecognitionStatus.APPROVED
    )


def given_recognitions(user: User) -> QuerySet[Recognition]:
    organization = user_organization(user)
    if organization is None:
        return Recognition.objects.none()
    return _base(organization.pk).filter(nominated_by=user)


def wall_opt_out(staff_member: StaffMember) -> bool:
    return RecognitionPreference.objects.filter(
        staff_member=staff_member, wall_opt_out=True
    ).exists()


def visible_awards(user: User) -> QuerySet[Award]:
    """Org-wide awards, and awards of the sites whose wall the user may read."""
    organization = user_organization(user)
    if organization is None:
        return Award.objects.none()
    awards = (
        Award.objects.filter(organization=organization)
        .select_related("site", "recognition__nominee", "recognition__value")
        .annotate(is_private=_opted_out_award())
    )
    if can_manage_organization(user):
        return awards
    return awards.filter(Q(site__isnull=True) | Q(site__in=wall_sites(user)))


def _opted_out_award():
    return Exists(
        RecognitionPreference.objects.filter(
            staff_member=OuterRef("recognition__nominee"), wall_opt_out=True
        )
    )


def award_candidates(
    *,
    organization: Organization,
    site: Site | None,
    period_start: datetime.date,
    period_end: datetime.date,
) -> QuerySet[Recognition]:
    """The period's approved recognitions an award may go to (private ones too)."""
    candidates = with_privacy(_base(organization.pk)).filter(
        status=RecognitionStatus.APPROVED,
        recognised_on__gte=period_start,
        recognised_on__lte=period_end,
    )
    if site is not None:
        candidates = candidates.filter(site=site)
    return candidates.order_by("-recognised_on", "-id")


# --- metrics for the analysis layer ----------------------------------------


def team_month_recognitions(
    *, organization: Organization, start: datetime.date, end: datetime.date
) -> list[dict]:
    """Approved recognitions and headcount per team and calendar month.

    Covers every calendar month from ``start``'s through ``end``'s. Returns one
    dict per team-month with a person in the team or a recognition, with keys:
    ``team_id``; ``month`` (first day of the month); ``recognitions`` (approved,
    counted by the team the nominee was in on ``recognised_on``, private ones
    included); ``headcount`` (average number of people in the team on each day
    of the month, from dated TeamMembership history while employed);
    ``recognitions_per_head`` (``None`` when the headcount is 0).
    """
    months = month_starts(start, end)
    if not months:
        return []
    window_start = months[0]
    window_end = add_months(months[-1], 1)

    person_days: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for spell in membership_spells(organization, window_start, window_end):
        for month in months:
            days = days_overlapping(
                spell["start"], spell["end"], month, add_months(month, 1)
            )
            if days:
                person_days[(spell["team_id"], month)] += days

    counts: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for team_id, day in Recognition.objects.filter(
        organization=organization,
        status=RecognitionStatus.APPROVED,
        recognised_on__gte=window_start,
        recognised_on__lt=window_end,
    ).values_list("team_id", "recognised_on"):
        counts[(team_id, day.replace(day=1))] += 1

    rows = []
    for team_id, month in sorted(set(person_days) | set(counts)):
        month_days = (add_months(month, 1) - month).days
        headcount = person_days.get((team_id, month), 0) / month_days
        recognitions = counts.get((team_id, month), 0)
        rows.append(
            {
                "team_id": team_id,
                "month": month,
                "recognitions": recognitions,
                "headcount": headcount,
                "recognitions_per_head": recognitions / headcount
                if headcount
                else None,
            }
        )
    return rows


def membership_spells(
    organization: Organization,
    window_start: datetime.date,
    window_end: datetime.date,
) -> list[dict]:
    """Team spells overlapping the half-open window, cut to the employment."""
    memberships = (
        TeamMembership.objects.filter(
            staff_member__organization=organization, start_date__lt=window_end
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=window_start))
        .values(
            "staff_member_id",
            "team_id",
            "team__site_id",
            "start_date",
            "end_date",
            "staff_member__hire_date",
            "staff_member__termination_date",
        )
    )
    spells = []
    for row in memberships:
        start = max(row["start_date"], row["staff_member__hire_date"])
        ends = [
            d
            for d in (row["end_date"], row["staff_member__termination_date"])
            if d is not None
        ]
        spells.append(
            {
                "staff_member_id": row["staff_member_id"],
                "team_id": row["team_id"],
                "site_id": row["team__site_id"],
                "start": start,
                "end": min(ends) if ends else None,
            }
        )
    return spells
