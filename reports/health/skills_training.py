"""Cross-training coverage and single points of failure per team, training
compliance and expiring certificates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from workforce.models import StaffMember
from workforce.skills.models import Skill
from workforce.skills.selectors import team_skills
from workforce.training.expiry import Status as TrainingStatus
from workforce.training.selectors import compliance_matrix

from .periods import Scope
from .statuses import (
    COVERAGE_TARGET,
    COVERAGE_WATCH,
    MET,
    TRAINING_TARGET,
    TRAINING_WATCH,
    WATCH,
    _round1,
    status_at_least,
)


@dataclass(frozen=True)
class TeamCoverageRow:
    site: str
    team: str
    team_id: int
    members: int
    required_skills: int
    covered_skills: int
    coverage: float | None  # percent
    spof_skills: list[str]
    uncovered_skills: list[str]
    below_minimum_skills: list[str]
    status: str

    @property
    def at_risk_skills(self) -> list[str]:
        return sorted(set(self.spof_skills) | set(self.below_minimum_skills))


@dataclass(frozen=True)
class ExpiringCourse:
    course: str
    expired: int
    expiring_30: int
    expiring_60: int
    expiring_90: int
    missing: int


@dataclass(frozen=True)
class TeamTraining:
    site: str
    team: str
    required: int
    valid: int
    compliance: float | None  # percent
    status: str


@dataclass(frozen=True)
class Training:
    compliance: float | None  # percent
    status: str
    required: int
    counts: dict[str, int]
    by_team: list[TeamTraining]
    courses: list[ExpiringCourse]


def _coverage(scope: Scope, on: date) -> list[TeamCoverageRow]:
    names = dict(
        Skill.objects.filter(organization=scope.organization).values_list("pk", "name")
    )
    rows = []
    for team in scope.teams():
        matrix = team_skills(team=team, on=on)
        cover = matrix.coverage
        if not cover.required_skills:
            continue
        percent = None if cover.coverage is None else 100.0 * cover.coverage
        spof = sorted(names[s] for s in cover.spof)
        below = sorted(names[s] for s in cover.below_minimum)
        status = status_at_least(percent, COVERAGE_TARGET, COVERAGE_WATCH)
        if status == MET and spof:
            status = WATCH
        rows.append(
            TeamCoverageRow(
                site=team.site.name,
                team=team.name,
                team_id=team.pk,
                members=len(matrix.members),
                required_skills=cover.required_skills,
                covered_skills=cover.covered_skills,
                coverage=_round1(percent),
                spof_skills=spof,
                uncovered_skills=sorted(names[s] for s in cover.uncovered),
                below_minimum_skills=below,
                status=status,
            )
        )
    return rows


def _training(scope: Scope, on: date) -> Training:
    people = StaffMember.objects.filter(organization=scope.organization)
    if scope.site is not None:
        people = people.filter(site=scope.site)
    matrix = compliance_matrix(people=people, organization=scope.organization, today=on)
    summary = matrix.summary
    compliance = None if summary.compliance is None else 100.0 * summary.compliance
    by_team: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in matrix.rows:
        key = (
            row.person.site.name if row.person.site_id else "",
            row.person.team.name if row.person.team_id else "No team",
        )
        by_team[key][0] += row.summary.total
        by_team[key][1] += row.summary.counting
    teams = []
    for (site, team), (required, valid) in sorted(by_team.items()):
        if not required:
            continue
        percent = 100.0 * valid / required
        teams.append(
            TeamTraining(
                site=site,
                team=team,
                required=required,
                valid=valid,
                compliance=_round1(percent),
                status=status_at_least(percent, TRAINING_TARGET, TRAINING_WATCH),
            )
        )
    courses = []
    for course, course_summary in matrix.course_summaries():
        counts = course_summary.counts
        courses.append(
            ExpiringCourse(
                course=course.name,
                expired=counts[TrainingStatus.EXPIRED],
                expiring_30=counts[TrainingStatus.EXPIRING_30],
                expiring_60=counts[TrainingStatus.EXPIRING_60],
                expiring_90=counts[TrainingStatus.EXPIRING_90],
                missing=counts[TrainingStatus.MISSING],
            )
        )
    return Training(
        compliance=_round1(compliance),
        status=status_at_least(compliance, TRAINING_TARGET, TRAINING_WATCH),
        required=summary.total,
        counts={str(status): count for status, count in summary.counts.items()},
        by_team=teams,
        courses=courses,
    )
