"""Who gets recognised: rates per head by group, and who got none.

For owner and HR. Per-head numbers of groups smaller than the organization's k
(``min_group_size``, the survey threshold) are suppressed, because the counts
include private recognitions that the people in the group did not publish. So
that a hidden group cannot be worked out by subtraction from a total shown
next to it, each set of groups that adds up to a visible total hides either
nothing, or at least two groups with k people between them.
"""

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from workforce.models import (
    EmploymentType,
    JobRole,
    Organization,
    Site,
    StaffMember,
    Team,
)

from .dates import add_months, days_overlapping, organization_today
from .models import Recognition, RecognitionStatus
from .selectors import membership_spells

NONE_WINDOW_MONTHS = 6
TOTAL = ("total", None)


class Hidden:
    SMALL = "small"  # fewer than k people
    COMPLEMENT = "complement"  # hidden so a small group cannot be derived


@dataclass(frozen=True)
class GroupRate:
    """One group's recognitions over the window; numbers are None when hidden."""

    label: str
    people: int
    heads: float
    recognitions: int | None
    per_head: float | None
    hidden: str | None


@dataclass(frozen=True)
class FairnessReport:
    start: datetime.date
    end: datetime.date
    k: int
    total: GroupRate
    by_site: list[GroupRate]
    by_team: list[GroupRate]
    by_job_role: list[GroupRate]
    by_employment_type: list[GroupRate]
    none_since: datetime.date
    none_until: datetime.date
    people_without: list[StaffMember]
    roles_without: list[JobRole]


def suppressed_groups(
    sizes: dict[Hashable, int],
    *,
    k: int,
    partitions: Iterable[tuple[Hashable, list[Hashable]]],
) -> dict[Hashable, str]:
    """Which groups to hide, and why.

    ``sizes`` maps each group to the number of people in it. Each partition is
    ``(total, parts)``: groups that add up to the group ``total``. A group with
    fewer than ``k`` people is hidden (``Hidden.SMALL``). While a partition with
    a visible total hides exactly one part, or parts with fewer than ``k``
    people between them, its smallest visible part is hidden too
    (``Hidden.COMPLEMENT``).
    """
    hidden = {group: Hidden.SMALL for group, size in sizes.items() if size < k}
    partitions = list(partitions)
    changed = True
    while changed:
        changed = False
        for total, parts in partitions:
            if total in hidden:
                continue
            inside = [part for part in parts if part in hidden]
            if not inside:
                continue
            if len(inside) >= 2 and sum(sizes[part] for part in inside) >= k:
                continue
            shown = sorted(
                (part for part in parts if part not in hidden),
                key=lambda part: (sizes[part], str(part)),
            )
            if shown:
                hidden[shown[0]] = Hidden.COMPLEMENT
                changed = True
    return hidden


def fairness_report(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> FairnessReport:
    """Recognitions per head by site, team, job role and employment type.

    ``heads`` is the average number of people active on each day of the window
    (``start`` to ``end``, both included): for sites and teams from dated team
    membership, for job roles and employment types from employment dates and
    the person's current role and type. Recognitions are the approved ones
    recognised in the window, grouped by what was copied on the day.
    """
    k = organization.min_group_size
    window_end = end + datetime.timedelta(days=1)
    window_days = (window_end - start).days

    people: dict[Hashable, set[int]] = defaultdict(set)
    person_days: dict[Hashable, int] = defaultdict(int)
    for spell in membership_spells(organization, start, window_end):
        days = days_overlapping(spell["start"], spell["end"], start, window_end)
        if not days:
            continue
        for group in (("site", spell["site_id"]), ("team", spell["team_id"])):
            people[group].add(spell["staff_member_id"])
            person_days[group] += days

    employed = (
        StaffMember.objects.filter(organization=organization, hire_date__lt=window_end)
        .filter(Q(termination_date__isnull=True) | Q(termination_date__gt=start))
        .values_list(
            "pk", "job_role_id", "employment_type", "hire_date", "termination_date"
        )
    )
    for pk, job_role_id, employment_type, hired, left in employed:
        days = days_overlapping(hired, left, start, window_end)
        if not days:
            continue
        for group in (
            TOTAL,
            ("job_role", job_role_id),
            ("employment", employment_type),
        ):
            people[group].add(pk)
            person_days[group] += days

    counts: dict[Hashable, int] = defaultdict(int)
    for site_id, team_id, job_role_id, employment_type in Recognition.objects.filter(
        organization=organization,
        status=RecognitionStatus.APPROVED,
        recognised_on__gte=start,
        recognised_on__lte=end,
    ).values_list("site_id", "team_id", "job_role_id", "employment_type"):
        counts[TOTAL] += 1
        counts[("site", site_id)] += 1
        counts[("team", team_id)] += 1
        counts[("job_role", job_role_id)] += 1
        counts[("employment", employment_type)] += 1

    groups = set(people) | set(counts) | {TOTAL}
    sizes = {group: len(people.get(group, ())) for group in groups}
    teams = {
        team.pk: team
        for team in Team.objects.filter(site__organization=organization).select_related(
            "site"
        )
    }
    sites = {site.pk: site for site in Site.objects.filter(organization=organization)}
    job_roles = {
        role.pk: role for role in JobRole.objects.filter(organization=organization)
    }

    def of(dimension):
        return sorted(group for group in groups if group[0] == dimension)

    partitions = [
        (TOTAL, of("site")),
        (TOTAL, of("job_role")),
        (TOTAL, of("employment")),
    ]
    for site_id in sites:
        partitions.append(
            (
                ("site", site_id),
                [g for g in of("team") if teams[g[1]].site_id == site_id],
            )
        )
    hidden = suppressed_groups(sizes, k=k, partitions=partitions)

    def rate(group, label) -> GroupRate:
        heads = person_days.get(group, 0) / window_days
        recognitions = counts.get(group, 0)
        why = hidden.get(group)
        return GroupRate(
            label=label,
            people=sizes[group],
            heads=heads,
            recognitions=None if why else recognitions,
            per_head=None if why or not heads else recognitions / heads,
            hidden=why,
        )

    employment_labels = dict(EmploymentType.choices)
    by_site = sorted(
        (rate(g, sites[g[1]].name) for g in of("site")), key=lambda r: r.label
    )
    by_team = sorted(
        (rate(g, str(teams[g[1]])) for g in of("team")), key=lambda r: r.label
    )
    by_job_role = sorted(
        (rate(g, job_roles[g[1]].name) for g in of("job_role")),
        key=lambda r: r.label,
    )
    by_employment_type = sorted(
        (rate(g, str(employment_labels.get(g[1], g[1]))) for g in of("employment")),
        key=lambda r: r.label,
    )

    today = today or organization_today(organization)
    none_since = add_months(today, -NONE_WINDOW_MONTHS)
    people_without, roles_without = received_none(
        organization=organization, since=none_since, until=today
    )
    return FairnessReport(
        start=start,
        end=end,
        k=k,
        total=rate(TOTAL, _("Whole organization")),
        by_site=by_site,
        by_team=by_team,
        by_job_role=by_job_role,
        by_employment_type=by_employment_type,
        none_since=none_since,
        none_until=today,
        people_without=people_without,
        roles_without=roles_without,
    )


def received_none(
    *, organization: Organization, since: datetime.date, until: datetime.date
) -> tuple[list[StaffMember], list[JobRole]]:
    """People employed on ``until`` with no approved recognition since ``since``,
    and the job roles (with someone in them) whose people got none at all."""
    recognised = Recognition.objects.filter(
        organization=organization,
        status=RecognitionStatus.APPROVED,
        recognised_on__gte=since,
        recognised_on__lte=until,
    )
    active = StaffMember.objects.filter(organization=organization).active_on(until)
    people = list(
        active.exclude(pk__in=recognised.values("nominee_id"))
        .select_related("site", "team", "job_role")
        .order_by("site__name", "team__name", "full_name")
    )
    roles = list(
        JobRole.objects.filter(organization=organization, staff__in=active)
        .exclude(pk__in=recognised.values("job_role_id"))
        .distinct()
        .order_by("name")
    )
    return people, roles
