"""Recommended actions, each drawn from a stage's state and naming its evidence."""

from __future__ import annotations

from dataclasses import dataclass

from reports.analysis_output import PATIENT_NPS_TARGET, VOLUNTARY_TURNOVER_TARGET
from surveys.anonymity import OTHER_TEAMS, TEAM
from surveys.models import Measure

from .patients import NpsCell
from .people import TurnoverRow
from .skills_training import TeamCoverageRow, Training
from .stages import Stage
from .statuses import (
    BURNOUT_TARGET,
    COVERAGE_TARGET,
    ENGAGEMENT_TARGET,
    OFF,
    TRAINING_TARGET,
    WATCH,
    _list,
)
from .survey import Heatmap


@dataclass(frozen=True)
class Action:
    """A recommended action and the evidence it was drawn from."""

    title: str
    evidence: str
    stage: str
    priority: int  # 0 = most urgent
    site: str | None = None
    team: str | None = None


def recommended_actions(
    *,
    stages: list[Stage],
    heatmap: Heatmap,
    turnover: list[TurnoverRow],
    coverage: list[TeamCoverageRow],
    training: Training,
    patient_nps: list[NpsCell],
) -> list[Action]:
    """Actions drawn from the state of each stage, each naming its evidence.

    Uses only figures that may be shown: survey rows that anonymity hid are
    never the evidence for an action.
    """
    actions: list[Action] = []
    team_turnover = {row.label: row for row in turnover if row.group_by == "team"}
    for row in coverage:
        leaving = team_turnover.get(f"{row.team} ({row.site})")
        at_risk = row.at_risk_skills
        high_turnover = leaving is not None and leaving.status in (WATCH, OFF)
        if at_risk and (row.status == OFF or high_turnover):
            evidence = [
                f"coverage {row.coverage:g}% of {row.required_skills} required "
                f"skills (target {COVERAGE_TARGET:g}%)"
                if row.coverage is not None
                else "no coverage figure",
            ]
            if row.spof_skills:
                evidence.append(
                    f"single points of failure: {_list(row.spof_skills, 8)}"
                )
            if row.uncovered_skills:
                evidence.append(f"nobody can do: {_list(row.uncovered_skills, 8)}")
            if high_turnover and leaving.voluntary_rate is not None:
                evidence.append(
                    f"voluntary turnover {leaving.voluntary_rate:g}% a year "
                    f"(target below {VOLUNTARY_TURNOVER_TARGET:g}%)"
                )
            actions.append(
                Action(
                    title=(
                        f"Cross-training plan for {_list(at_risk)} in {row.team} "
                        f"({row.site})"
                    ),
                    evidence="; ".join(evidence),
                    stage="trained",
                    priority=0 if high_turnover else 1,
                    site=row.site,
                    team=row.team,
                )
            )
        elif row.spof_skills:
            actions.append(
                Action(
                    title=(
                        f"Pair a second person with the only one who can do "
                        f"{_list(row.spof_skills)} in {row.team} ({row.site})"
                    ),
                    evidence=(
                        f"{len(row.spof_skills)} single point(s) of failure; "
                        f"coverage {row.coverage:g}%"
                    ),
                    stage="trained",
                    priority=2,
                    site=row.site,
                    team=row.team,
                )
            )
    actions.extend(_survey_actions(heatmap))
    patients = next(s for s in stages if s.key == "patients")
    if patients.status in (WATCH, OFF):
        low = sorted(
            (c for c in patient_nps if c.team is not None and c.status in (WATCH, OFF)),
            key=lambda c: c.nps,
        )
        names = list(dict.fromkeys(f"{c.team} ({c.site})" for c in low))
        where = f", starting with {_list(names, 3)}" if names else ""
        actions.append(
            Action(
                title=f"Patient experience review{where}",
                evidence=f"patient NPS {patients.measurements[0].display} "
                f"(target above {PATIENT_NPS_TARGET:g})",
                stage="patients",
                priority=0 if patients.status == OFF else 1,
            )
        )
    if training.status in (WATCH, OFF):
        worst_courses = sorted(
            training.courses,
            key=lambda c: -(c.expired + c.missing + c.expiring_30),
        )
        named = [
            c.course for c in worst_courses if c.expired + c.missing + c.expiring_30
        ]
        counts = training.counts
        actions.append(
            Action(
                title=f"Book overdue and expiring training: {_list(named, 3)}",
                evidence=(
                    f"compliance {training.compliance:g}% (target "
                    f"{TRAINING_TARGET:g}%); {counts.get('expired', 0)} expired, "
                    f"{counts.get('missing', 0)} missing, "
                    f"{counts.get('expiring_30', 0)} expiring within 30 days"
                ),
                stage="trained",
                priority=0 if training.status == OFF else 1,
            )
        )
    retention = next(s for s in stages if s.key == "retention")
    if retention.status == OFF:
        sites = sorted(
            (r for r in turnover if r.group_by == "site" and r.status == OFF),
            key=lambda r: -(r.voluntary_rate or 0),
        )
        where = f" at {_list([r.label for r in sites], 3)}" if sites else ""
        actions.append(
            Action(
                title=f"Stay interviews and an exit-interview review{where}",
                evidence=f"voluntary turnover {retention.measurements[0].display} "
                f"(target below {VOLUNTARY_TURNOVER_TARGET:g}% a year)",
                stage="retention",
                priority=0,
            )
        )
    actions.sort(key=lambda a: a.priority)
    return actions


# A team's survey measure off target calls for an action: (measure, priority,
# title, the figure, the target); the evidence adds the round and respondents.
SURVEY_ACTIONS = (
    (
        Measure.BURNOUT,
        0,
        "Workload review in {team}",
        "{value:g}% report burnout",
        f"below {BURNOUT_TARGET:g}%",
    ),
    (
        Measure.ENGAGEMENT,
        1,
        "Talk through the survey results with {team}",
        "engagement {value:g} of 100",
        f"{ENGAGEMENT_TARGET:g}",
    ),
)


def _survey_actions(heatmap: Heatmap) -> list[Action]:
    """An action for each team (shown, not hidden) and measure off target."""
    actions = []
    for row in heatmap.rows:
        if row.suppressed or row.kind not in (TEAM, OTHER_TEAMS):
            continue
        for measure, priority, title, figure, target in SURVEY_ACTIONS:
            value = row.scores.get(str(measure))
            if value is None or row.statuses.get(str(measure)) != OFF:
                continue
            actions.append(
                Action(
                    title=title.format(team=row.label),
                    evidence=(
                        f"{figure.format(value=value)} in {heatmap.round_label} "
                        f"({row.respondents} respondents; target {target})"
                    ),
                    stage="engaged",
                    priority=priority,
                    site=row.site,
                    team=row.label,
                )
            )
    return actions
