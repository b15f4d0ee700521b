"""The team lead's dashboard: one team's released survey results, skills
coverage, training due and recognitions.

The caller passes a team it took from ``workforce.selectors.visible_teams``;
survey figures come from ``surveys.results.results_payload`` for the viewer's
own scope, so what anonymity hides stays hidden here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from reports import charts
from reports.health import TRAINING_TARGET, TRAINING_WATCH, status_at_least
from surveys.models import Measure, Round, RoundStatus
from surveys.results import NoResults, Scope, results_payload
from surveys.results_compute import DISTRIBUTION, RATE
from surveys.results_views import CSV_HEADER, csv_rows, heatmap_sections
from workforce.models import Team, User
from workforce.recognition.dates import add_months, organization_today
from workforce.recognition.models import RecognitionStatus
from workforce.recognition.selectors import recognitions_in_scope
from workforce.selectors import visible_staff
from workforce.skills.coverage import COMPETENT
from workforce.skills.selectors import TeamSkills, team_skills
from workforce.training.expiry import Status
from workforce.training.selectors import Matrix, compliance_matrix

from .tables import Table, percent

TREND_ROUNDS = 6
RECOGNITION_MONTHS = 6
RECENT_RECOGNITIONS = 10
TREND_MEASURES = (Measure.ENGAGEMENT, Measure.BURNOUT)


def team_groups(payload: dict, team: Team) -> list[dict]:
    """The rows about ``team``: organization, its site, and its own row (or the
    "Other teams" row it was rolled into), in the payload's order."""
    rows = []
    for group in payload["groups"]:
        kind = group["kind"]
        if group["section"] != "sites":
            continue
        if (
            kind == "organization"
            or (kind == "site" and group["site"] == team.site_id)
            or (kind in ("team", "other_teams") and team.pk in group["team_ids"])
        ):
            rows.append(group)
    return rows


def _team_row(groups: list[dict], team: Team) -> dict | None:
    """The team's own released row, else the released roll-up it is counted in."""
    own = [g for g in groups if g["kind"] == "team" and "scores" in g]
    rolled = [g for g in groups if g["kind"] == "other_teams" and "scores" in g]
    return (own or rolled or [None])[0]


@dataclass
class TeamSurvey:
    round: Round
    payload: dict
    sections: list[dict]
    trend: charts.Chart | None
    note: str = ""

    @property
    def measures(self) -> list[dict]:
        return self.payload["measures"]

    def table(self) -> Table:
        """The released aggregates in the long format of the results CSV."""
        return Table(
            slug="survey",
            title=_("Survey results"),
            headers=CSV_HEADER,
            rows=[list(row) for row in csv_rows(self.payload)],
        )


def _scoped_team_payload(round_: Round, scope: Scope, team: Team) -> dict | None:
    try:
        payload = results_payload(round_, scope)
    except NoResults:
        return None
    payload["groups"] = team_groups(payload, team)
    payload["comments"] = []  # comments stay on the results page
    return payload


def _value(group: dict | None, code: str):
    if group is None or "scores" not in group:
        return None
    cell = group["scores"].get(code) or {}
    return cell.get("value")


def team_survey(*, user: User, team: Team) -> TeamSurvey | None:
    """The latest released round as far as ``user`` may see it, for ``team``."""
    scope = Scope.for_user(user)
    if scope is None:
        return None
    released = Round.objects.filter(
        organization_id=team.site.organization_id, status=RoundStatus.RELEASED
    ).select_related("survey", "organization")
    latest = released.order_by("-period", "-pk").first()
    if latest is None:
        return None
    payload = _scoped_team_payload(latest, scope, team)
    if payload is None:
        return None
    rounds = list(
        released.filter(survey=latest.survey_id).order_by("-period", "-pk")[
            :TREND_ROUNDS
        ]
    )[::-1]
    return TeamSurvey(
        round=latest,
        payload=payload,
        sections=heatmap_sections(payload),
        trend=_trend(rounds, scope, team, payload["measures"]),
        note=(
            ""
            if _team_row(payload["groups"], team) is not None
            else _(
                "This team's own figures are hidden in this round: too few "
                "people answered for their answers to stay anonymous."
            )
        ),
    )


def _trend(rounds, scope: Scope, team: Team, measures: list[dict]):
    codes = {m["code"]: m for m in measures if m["estimate"] != DISTRIBUTION}
    code = next((c for c in TREND_MEASURES if c in codes), None)
    if code is None or not rounds:
        return None
    measure = codes[code]
    labels, mine, site, organization = [], [], [], []
    for round_ in rounds:
        payload = _scoped_team_payload(round_, scope, team)
        if payload is None:
            continue
        groups = payload["groups"]
        labels.append(round_.period.strftime("%Y-%m"))
        mine.append(_value(_team_row(groups, team), code))
        site.append(
            _value(next((g for g in groups if g["kind"] == "site"), None), code)
        )
        organization.append(
            _value(next((g for g in groups if g["kind"] == "organization"), None), code)
        )
    unit = "%" if measure["estimate"] == RATE else ""
    title = _("%(measure)s by survey round: %(team)s") % {
        "measure": measure["label"],
        "team": team.name,
    }
    shown = [v for v in mine if v is not None]
    alt = _(
        "%(measure)s of %(team)s, %(site)s and the whole organization over the "
        "last %(count)d released rounds. %(shown)d of them show the team's own "
        "figure; the others hide it for anonymity."
    ) % {
        "measure": measure["label"],
        "team": team.name,
        "site": team.site.name,
        "count": len(labels),
        "shown": len(shown),
    }
    return charts.line_chart(
        title=title,
        alt=alt,
        x_labels=labels,
        series={
            team.name: mine,
            team.site.name: site,
            _("Organization"): organization,
        },
        y_label=measure["scale"],
        digits=1,
        unit=unit,
    )


# --- skills ------------------------------------------------------------------


def skills_table(matrix: TeamSkills) -> Table:
    """Each required skill: minimum, competent people, and what is at risk."""
    names = {skill.pk: skill.name for skill in matrix.skills}
    rows = []
    for status in matrix.coverage.skills:
        holders = [
            person.full_name
            for person in matrix.members
            if matrix.levels.get((person.pk, status.skill), 0) >= COMPETENT
        ]
        if status.uncovered:
            state = _("Nobody covers it")
        elif status.spof:
            state = _("Single point of failure: only %(name)s") % {"name": holders[0]}
        elif not status.covered:
            state = _("Below the minimum")
        else:
            state = _("Covered")
        rows.append(
            [names[status.skill], status.min_competent, status.competent, state]
        )
    rows.sort(key=lambda row: (row[3] == _("Covered"), row[0]))
    return Table(
        slug="skills",
        title=_("Skills coverage"),
        headers=[
            _("Skill"),
            _("Competent people needed"),
            _("Competent people"),
            _("Status"),
        ],
        rows=rows,
        numeric=frozenset({1, 2}),
    )


# --- training ----------------------------------------------------------------


def training_due_table(matrix: Matrix) -> Table:
    """Required courses missing, expired or expiring, worst first."""
    rows = []
    for row in matrix.rows:
        for course, cell in zip(matrix.courses, row.cells, strict=True):
            if cell is None or cell.status == Status.VALID:
                continue
            expires = cell.completion.expires_on if cell.completion else None
            rows.append(
                (
                    cell.status,
                    [
                        row.person.full_name,
                        course.name,
                        str(Status(cell.status).label),
                        expires.isoformat() if expires else "",
                    ],
                )
            )
    order = {status: index for index, status in enumerate(Status)}
    rows.sort(key=lambda item: (order[item[0]], item[1][0], item[1][1]))
    return Table(
        slug="training",
        title=_("Training due"),
        headers=[_("Person"), _("Course"), _("Status"), _("Expires on")],
        rows=[cells for _status, cells in rows],
    )


def training_chart(matrix: Matrix, scope_name: str) -> charts.Chart | None:
    summaries = matrix.course_summaries()
    if not summaries:
        return None
    values = [percent(summary.compliance) for _course, summary in summaries]
    return charts.bar_chart(
        title=_("Training compliance by course: %(scope)s") % {"scope": scope_name},
        alt=_(
            "Share of the people who must hold each course and hold it today, "
            "for %(count)d courses; the dashed line is the %(target)d%% target."
        )
        % {"count": len(summaries), "target": TRAINING_TARGET},
        categories=[course.name for course, _summary in summaries],
        values=values,
        value_label=_("Compliance (%)"),
        target=TRAINING_TARGET,
        statuses=[status_at_least(v, TRAINING_TARGET, TRAINING_WATCH) for v in values],
        unit="%",
        extra_columns={
            _("People required"): [str(s.total) for _c, s in summaries],
            _("Holding it"): [str(s.counting) for _c, s in summaries],
        },
    )


# --- the dashboard -------------------------------------------------------------


@dataclass
class TeamDashboard:
    team: Team
    today: datetime.date
    survey: TeamSurvey | None
    skills: TeamSkills
    skills_table: Table
    training: Matrix
    training_table: Table
    training_chart: charts.Chart | None
    recognition_count: int
    recognitions: list = field(default_factory=list)
    recognition_since: datetime.date | None = None

    @property
    def training_compliance(self) -> float | None:
        return percent(self.training.summary.compliance)

    @property
    def coverage(self) -> float | None:
        return percent(self.skills.coverage.coverage)

    def tables(self) -> list[Table]:
        """What the exports write, in page order."""
        tables = [self.skills_table, self.training_table]
        if self.survey is not None:
            tables.insert(0, self.survey.table())
        return tables


def team_dashboard(*, user: User, team: Team) -> TeamDashboard:
    """Everything on a team's dashboard, for a ``team`` already scoped to ``user``."""
    organization = team.site.organization
    today = organization_today(organization)
    matrix = team_skills(team=team, on=today)
    training = compliance_matrix(
        people=visible_staff(user).filter(team=team),
        organization=organization,
        today=today,
    )
    since = add_months(today, -RECOGNITION_MONTHS)
    recognitions = (
        recognitions_in_scope(user)
        .filter(team=team, status=RecognitionStatus.APPROVED, recognised_on__gte=since)
        .order_by("-recognised_on", "-pk")
    )
    return TeamDashboard(
        team=team,
        today=today,
        survey=team_survey(user=user, team=team),
        skills=matrix,
        skills_table=skills_table(matrix),
        training=training,
        training_table=training_due_table(training),
        training_chart=training_chart(training, team.name),
        recognition_count=recognitions.count(),
        recognitions=list(recognitions[:RECENT_RECOGNITIONS]),
        recognition_since=since,
    )
