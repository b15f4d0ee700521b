"""Reads for training: bulk-load, then compute in compliance.py.

Who may see whose records is decided by ``workforce.selectors``; these
functions take people the caller has already scoped, except
``visible_completions``, which applies the rule for evidence and uploads.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from workforce import selectors as scope
from workforce.models import Organization, StaffMember, Team, TeamMembership
from workforce.recognition.dates import add_months, month_starts, organization_today

from . import compliance
from .compliance import Cell, Summary
from .expiry import STATUS_ORDER, Held, Status
from .models import Completion, Course, Requirement


def visible_completions(user) -> QuerySet[Completion]:
    """Completions ``user`` may see: their own, and those of the people they may
    see (team lead, site manager in scope, owner and HR). Nobody else's."""
    if not (
        user.is_authenticated
        and user.is_active
        and getattr(user, "organization_id", None)
    ):
        return Completion.objects.none()
    allowed = Q(staff_member__in=scope.visible_staff(user).values("pk"))
    if user.staff_member_id:
        allowed |= Q(staff_member_id=user.staff_member_id)
    return Completion.objects.filter(
        allowed, staff_member__organization_id=user.organization_id
    ).select_related("course", "staff_member")


def requirement_rules(organization: Organization) -> list[compliance.Rule]:
    return [
        compliance.Rule(course=course, job_role=job_role, site=site)
        for course, job_role, site in Requirement.objects.filter(
            organization=organization
        ).values_list("course_id", "job_role_id", "site_id")
    ]


def _held(people_ids, course_ids=None) -> dict[int, dict[int, list[Held]]]:
    """``{person: {course: [Held]}}`` for ``people_ids`` (ids or a subquery)."""
    rows = Completion.objects.filter(staff_member_id__in=people_ids)
    if course_ids is not None:
        rows = rows.filter(course_id__in=course_ids)
    held: dict[int, dict[int, list[Held]]] = defaultdict(lambda: defaultdict(list))
    for person, course, completed_on, expires_on, pk in rows.values_list(
        "staff_member_id", "course_id", "completed_on", "expires_on", "pk"
    ).iterator(chunk_size=5000):
        held[person][course].append(Held(completed_on, expires_on, pk))
    return held


@dataclass
class MatrixRow:
    person: StaffMember
    #: One per matrix course, in order; None where the course is not required.
    cells: list[Cell | None]
    summary: Summary


@dataclass
class Matrix:
    """People × required courses on ``today``."""

    today: date
    courses: list[Course]
    rows: list[MatrixRow]
    summary: Summary

    def course_summaries(self) -> list[tuple[Course, Summary]]:
        totals = [Summary() for _course in self.courses]
        for row in self.rows:
            for summary, cell in zip(totals, row.cells, strict=True):
                if cell is not None:
                    summary.add(cell.status)
        return list(zip(self.courses, totals, strict=True))


def compliance_matrix(
    *, people: QuerySet[StaffMember], organization: Organization, today: date
) -> Matrix:
    """The matrix of ``people`` employed on ``today`` (already scoped) against
    the courses any of them must hold. Four queries whatever the size."""
    members = list(
        people.filter(organization=organization)
        .active_on(today)
        .select_related("site", "team", "job_role")
        .order_by("site__name", "team__name", "full_name", "pk")
    )
    rules = requirement_rules(organization)
    required = {
        person.pk: compliance.required_courses(
            rules, job_role=person.job_role_id, site=person.site_id
        )
        for person in members
    }
    course_ids = set().union(*required.values()) if required else set()
    courses = list(
        Course.objects.filter(organization=organization, pk__in=course_ids).order_by(
            "name"
        )
    )
    held = _held([person.pk for person in members], course_ids) if members else {}
    rows, overall = [], Summary()
    for person in members:
        cells = compliance.person_cells(
            required[person.pk], held.get(person.pk, {}), today
        )
        summary = Summary()
        for cell in cells.values():
            summary.add(cell.status)
            overall.add(cell.status)
        rows.append(
            MatrixRow(
                person=person,
                cells=[cells.get(course.pk) for course in courses],
                summary=summary,
            )
        )
    return Matrix(today=today, courses=courses, rows=rows, summary=overall)


@dataclass
class RequiredCourse:
    course: Course
    cell: Cell
    completion: Completion | None


@dataclass
class PersonTraining:
    """One person's required courses (worst first) and all their completions."""

    person: StaffMember
    today: date
    required: list[RequiredCourse]
    completions: list[Completion]

    @property
    def due(self) -> list[RequiredCourse]:
        """Required courses to act on: missing, expired or expiring."""
        return [item for item in self.required if item.cell.status != Status.VALID]


def person_training(*, person: StaffMember, today: date) -> PersonTraining:
    rules = requirement_rules(person.organization)
    required_ids = compliance.required_courses(
        rules, job_role=person.job_role_id, site=person.site_id
    )
    completions = list(
        Completion.objects.filter(staff_member=person)
        .select_related("course")
        .order_by("-completed_on", "course__name")
    )
    by_pk = {completion.pk: completion for completion in completions}
    held = defaultdict(list)
    for completion in completions:
        held[completion.course_id].append(
            Held(completion.completed_on, completion.expires_on, completion.pk)
        )
    cells = compliance.person_cells(required_ids, held, today)
    courses = Course.objects.filter(
        organization_id=person.organization_id, pk__in=required_ids
    )
    required = sorted(
        (
            RequiredCourse(
                course=course,
                cell=cells[course.pk],
                completion=(
                    by_pk[cells[course.pk].completion.ref]
                    if cells[course.pk].completion
                    else None
                ),
            )
            for course in courses
        ),
        key=lambda item: (STATUS_ORDER[item.cell.status], item.course.name),
    )
    return PersonTraining(
        person=person, today=today, required=required, completions=completions
    )


# --- Metrics for the analysis layer -----------------------------------------


def team_month_training(
    *,
    organization: Organization,
    start: date,
    end: date,
    until: date | None = None,
) -> list[dict]:
    """Training compliance and CPD hours per head per team and calendar month.

    Covers every month from ``start``'s through ``end``'s, from dated history:
    TeamMembership spells (cut to the employment) and completion and expiry
    dates, not today's statuses. Each month is judged on its last day, or on
    ``until`` (default: today in the organization's time zone) if earlier, so
    the current month is not judged on days still to come. Requirements are
    taken as they are now (they carry no dates) and a person's job role is
    their current one.

    Returns one dict per team-month with a member or CPD hours: ``team_id``;
    ``month`` (first day); ``training_compliance`` (share of (member, required
    course) pairs with a completion that counts on the judged day, None with
    no pairs); ``cpd_hours_per_head`` (CPD hours of completions dated in the
    month, counted for the team the person was in that day, divided by the
    average headcount; None with no headcount); and the parts:
    ``required_pairs``, ``valid_pairs``, ``cpd_hours``, ``headcount``.
    Four queries for any range.
    """
    months = month_starts(start, end)
    if not months:
        return []
    if until is None:
        until = organization_today(organization)
    window_start, window_end = months[0], add_months(months[-1], 1)
    team_sites = dict(
        Team.objects.filter(site__organization=organization).values_list(
            "pk", "site_id"
        )
    )
    memberships = (
        TeamMembership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=window_start),
            staff_member__organization=organization,
            start_date__lt=window_end,
        )
        .filter(
            Q(staff_member__termination_date__isnull=True)
            | Q(staff_member__termination_date__gt=window_start)
        )
        .values_list(
            "staff_member_id",
            "team_id",
            "start_date",
            "end_date",
            "staff_member__hire_date",
            "staff_member__termination_date",
            "staff_member__job_role_id",
        )
    )
    spells, job_roles = [], {}
    for person, team, begin, finish, hired, left, job_role in memberships:
        ends = [day for day in (finish, left) if day is not None]
        spell = compliance.Spell(
            person=person,
            team=team,
            start=max(begin, hired),
            end=min(ends) if ends else None,
        )
        if spell.end is None or spell.end > spell.start:
            spells.append(spell)
        job_roles[person] = job_role
    completion_rows = (
        Completion.objects.filter(
            staff_member_id__in=TeamMembership.objects.filter(
                staff_member__organization=organization, start_date__lt=window_end
            ).values("staff_member_id"),
            completed_on__lt=window_end,
        )
        .values_list(
            "staff_member_id", "course_id", "completed_on", "expires_on", "cpd_hours"
        )
        .iterator(chunk_size=5000)
    )
    completions = [compliance.Done(*row) for row in completion_rows]
    return compliance.team_months(
        months=months,
        spells=spells,
        job_roles=job_roles,
        team_sites=team_sites,
        rules=requirement_rules(organization),
        completions=completions,
        until=until,
    )
