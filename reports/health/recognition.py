"""Approved recognitions per team in the period (small groups hidden)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workforce.recognition.fairness import fairness_report

from .periods import ReportPeriod, Scope


@dataclass(frozen=True)
class RecognitionRow:
    """Approved recognitions in the period for a team; None when hidden."""

    label: str
    site: str
    team: str
    people: int
    recognitions: int | None
    per_head: float | None
    hidden: str | None


def _recognition(scope: Scope, period: ReportPeriod, on: date) -> list[RecognitionRow]:
    report = fairness_report(
        organization=scope.organization,
        start=period.first_day,
        end=period.last_day,
        today=on,
    )
    teams = {str(team): team for team in scope.teams()}
    rows = []
    for group in report.by_team:
        team = teams.get(group.label)
        if team is None:
            continue  # another site's team
        rows.append(
            RecognitionRow(
                label=group.label,
                site=team.site.name,
                team=team.name,
                people=group.people,
                recognitions=group.recognitions,
                per_head=None if group.per_head is None else round(group.per_head, 2),
                hidden=group.hidden,
            )
        )
    return rows
