"""Reads for the skills matrix: bulk-load the history, compute in coverage.py.

Who may see which team is decided by ``workforce.selectors``; these functions
take a team or organization the caller has already scoped.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from workforce.models import Organization, StaffMember, Team, TeamMembership

from . import coverage
from .models import Skill, SkillAssessment, TeamSkillRequirement


def month_starts(start: date, end: date) -> list[date]:
    """First days of every month from ``start``'s month to ``end``'s, inclusive."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def months_before(day: date, count: int) -> date:
    """The first day of the month ``count`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _spells(team_ids, first_day: date, last_day: date) -> list[coverage.Spell]:
    rows = TeamMembership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=first_day),
        team_id__in=team_ids,
        start_date__lte=last_day,
    ).values_list(
        "staff_member_id",
        "team_id",
        "start_date",
        "end_date",
        "staff_member__termination_date",
    )
    return [
        coverage.Spell(person=p, team=t, start=s, end=e, left_on=left)
        for p, t, s, e, left in rows
    ]


def _requirement_spells(
    team_ids, first_day: date, last_day: date
) -> list[coverage.RequirementSpell]:
    rows = (
        TeamSkillRequirement.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=first_day),
            team_id__in=team_ids,
            start_date__lte=last_day,
        )
        .order_by("skill__name", "start_date")
        .values_list("team_id", "skill_id", "min_competent", "start_date", "end_date")
    )
    return [
        coverage.RequirementSpell(team=t, skill=k, min_competent=m, start=s, end=e)
        for t, k, m, s, e in rows
    ]


def _assessments(people, on_or_before: date, skill_ids=None):
    """Assessments of ``people`` (ids, or a subquery of ids) up to a day."""
    rows = SkillAssessment.objects.filter(
        staff_member_id__in=people, assessed_on__lte=on_or_before
    )
    if skill_ids is not None:
        rows = rows.filter(skill_id__in=skill_ids)
    return [
        coverage.Assessment(
            person=p, skill=k, level=level, assessed_on=day, sequence=pk
        )
        for p, k, level, day, pk in rows.values_list(
            "staff_member_id", "skill_id", "level", "assessed_on", "pk"
        ).iterator(chunk_size=5000)
    ]


def team_month_coverage(
    *,
    organization: Organization,
    start: date,
    end: date,
    teams: Iterable[Team] | None = None,
    until: date | None = None,
) -> list[dict]:
    """Coverage of every team (or ``teams``) for each month from start to end.

    Each month is judged on its last day: the members whose spells are active
    then (leavers drop out from their termination date), their latest
    assessments on or before it, and the requirements in force. Rows carry
    team_id, month (first day), required_skills, covered_skills, coverage
    (0..1, None when the team requires nothing), spof_count, uncovered_count.

    With ``until`` (usually today), a month that ends later is judged on
    ``until`` instead: the current month so far, not a guess at its end.

    Four queries whatever the range: teams, spells, requirements, assessments.
    """
    team_qs = Team.objects.filter(site__organization=organization)
    if teams is not None:
        team_qs = team_qs.filter(pk__in=[team.pk for team in teams])
    team_ids = list(team_qs.order_by("site__name", "name").values_list("pk", flat=True))
    months = month_starts(start, end)
    if not team_ids or not months:
        return []
    judged = [
        (month, min(month_end(month), until) if until else month_end(month))
        for month in months
    ]
    first_day, last_day = judged[0][1], judged[-1][1]
    spells = _spells(team_ids, first_day, last_day)
    requirements = _requirement_spells(team_ids, first_day, last_day)
    # A subquery rather than a list of ids: an organization can have more people
    # than SQLite allows parameters in one query.
    assessments = _assessments(
        TeamMembership.objects.filter(
            team_id__in=team_ids, start_date__lte=last_day
        ).values("staff_member_id"),
        last_day,
        skill_ids={requirement.skill for requirement in requirements},
    )
    rows = coverage.coverage_by_month(
        teams=team_ids,
        month_ends=judged,
        spells=spells,
        assessments=assessments,
        requirements=requirements,
    )
    return [
        {
            "team_id": row.team,
            "month": row.month,
            "required_skills": row.required_skills,
            "covered_skills": row.covered_skills,
            "coverage": row.coverage,
            "spof_count": row.spof_count,
            "uncovered_count": row.uncovered_count,
        }
        for row in rows
    ]


@dataclass
class TeamSkills:
    """One team's matrix on one day, with everything a page needs to show it."""

    team: Team
    on: date
    members: list[StaffMember]
    skills: list[Skill]
    requirements: dict[int, int]
    levels: dict[tuple[int, int], int]
    coverage: coverage.TeamCoverage

    @property
    def required_skills(self) -> list[Skill]:
        return [skill for skill in self.skills if skill.pk in self.requirements]

    @property
    def other_skills(self) -> list[Skill]:
        return [skill for skill in self.skills if skill.pk not in self.requirements]

    @property
    def columns(self) -> list[tuple[Skill, int | None]]:
        """``(skill, min_competent or None when not required)``, required first."""
        return [(skill, self.requirements.get(skill.pk)) for skill in self.skills]

    def level(self, person: StaffMember, skill: Skill) -> int:
        return self.levels.get((person.pk, skill.pk), 0)


def team_members_on(team: Team, on: date):
    """The people in ``team`` on ``on`` (their spell is active, not yet left)."""
    return (
        StaffMember.objects.filter(
            Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gt=on),
            memberships__team=team,
            memberships__start_date__lte=on,
        )
        .filter(Q(termination_date__isnull=True) | Q(termination_date__gt=on))
        .distinct()
        .order_by("full_name", "pk")
    )


def team_skills(
    *, team: Team, on: date, extra_skill_ids: Iterable[int] = ()
) -> TeamSkills:
    """The matrix of ``team`` on ``on``: its members × its required skills, plus
    any other skill a member has been assessed in and ``extra_skill_ids``."""
    members = list(team_members_on(team, on))
    requirements = {
        skill_id: minimum
        for skill_id, minimum in TeamSkillRequirement.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=on),
            team=team,
            start_date__lte=on,
        ).values_list("skill_id", "min_competent")
    }
    levels = coverage.levels_as_of(_assessments([m.pk for m in members], on), on)
    assessed = {skill_id for (_person, skill_id), level in levels.items() if level > 0}
    skill_ids = set(requirements) | assessed | set(extra_skill_ids)
    skills = list(
        Skill.objects.filter(
            organization_id=team.site.organization_id, pk__in=skill_ids
        ).order_by("name")
    )
    ordered_requirements = {
        skill.pk: requirements[skill.pk] for skill in skills if skill.pk in requirements
    }
    return TeamSkills(
        team=team,
        on=on,
        members=members,
        skills=sorted(skills, key=lambda skill: skill.pk not in requirements),
        requirements=ordered_requirements,
        levels=levels,
        coverage=coverage.team_coverage(
            members={m.pk for m in members},
            levels=levels,
            requirements=ordered_requirements,
        ),
    )


def site_levels(*, team: Team, on: date) -> tuple[set[int], dict]:
    """Everyone on ``team``'s site on ``on`` and their levels, for pairings."""
    site_teams = Team.objects.filter(site_id=team.site_id).values_list("pk", flat=True)
    spells = _spells(list(site_teams), on, on)
    people = {spell.person for spell in spells if spell.active_on(on)}
    return people, coverage.levels_as_of(_assessments(people, on), on)
