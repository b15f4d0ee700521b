"""The engagement and burnout heatmap, from the latest released round's published
results (so hidden exactly where ``surveys.anonymity`` hides them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reports.analysis_output import _released_groups
from surveys.anonymity import ORGANIZATION, OTHER_TEAMS, SITE, TEAM
from surveys.models import Measure, Round, RoundStatus
from workforce.models import Organization

from .periods import ReportPeriod, Scope
from .statuses import measure_status

HEATMAP_MEASURES = (
    Measure.ENGAGEMENT,
    Measure.BURNOUT,
    Measure.ENPS,
    Measure.WORKLOAD,
    Measure.RECOGNITION,
    Measure.GROWTH,
    Measure.MANAGER,
)


HEATMAP_LABELS = {
    Measure.ENGAGEMENT: "Engagement",
    Measure.BURNOUT: "Burnout %",
    Measure.ENPS: "eNPS",
    Measure.WORKLOAD: "Workload",
    Measure.RECOGNITION: "Recognition",
    Measure.GROWTH: "Growth",
    Measure.MANAGER: "Manager support",
}


@dataclass(frozen=True)
class HeatmapRow:
    """A team (or "Other teams", or the scope total) in the latest round.

    ``scores`` and ``statuses`` are keyed by measure code; a score is None when
    anonymity hides it. ``suppressed`` rows carry no figures at all.
    """

    label: str
    site: str | None
    kind: str
    respondents: int | None
    scores: dict[str, float | None]
    statuses: dict[str, str]
    suppressed: bool
    note: str = ""
    team_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Heatmap:
    round_id: int | None
    round_label: str
    round_period: str
    min_group_size: int
    measures: list[tuple[str, str]]  # (code, column label)
    rows: list[HeatmapRow]
    engagement_note: str = ""

    @property
    def table(self) -> list[tuple[HeatmapRow, list[float | None]]]:
        """Each row with its scores in the order of ``measures``."""
        return [
            (row, [row.scores.get(code) for code, _label in self.measures])
            for row in self.rows
        ]


def latest_released_round(organization: Organization, on_or_before: date):
    """The released round with the latest period up to ``on_or_before``."""
    return (
        Round.objects.filter(
            organization=organization,
            status=RoundStatus.RELEASED,
            period__lte=on_or_before,
        )
        .select_related("organization", "survey")
        .order_by("-period", "-released_at", "-pk")
        .first()
    )


def survey_heatmap(scope: Scope, period: ReportPeriod) -> Heatmap:
    """Teams × measures of the latest released round up to the period's end.

    Only what the round's published results show (``surveys.results``, decided
    by ``surveys.anonymity``): a team below k has a row with no figures.
    The scope's total row (organization or site) comes first.
    """
    k = scope.organization.min_group_size
    round_ = latest_released_round(scope.organization, period.last_day)
    if round_ is None:
        return Heatmap(None, "", "", k, [], [])
    groups = _released_groups(round_)
    measures_present = set()
    for group in groups.values():
        measures_present.update(group.get("scores", {}))
    measures = [
        (str(code), HEATMAP_LABELS[code])
        for code in HEATMAP_MEASURES
        if str(code) in measures_present
    ]
    total_kind = ORGANIZATION if scope.site is None else SITE
    rows = []
    for group in groups.values():
        kind = group["kind"]
        if kind not in (total_kind, TEAM, OTHER_TEAMS):
            continue
        if kind != ORGANIZATION and not scope.includes_site(group["site"]):
            continue
        values, statuses = {}, {}
        suppressed = "scores" not in group
        for code, _label in measures:
            cell = group.get("scores", {}).get(code)
            value = cell.get("value") if isinstance(cell, dict) else None
            values[code] = value
            statuses[code] = measure_status(code, value)
        label = group["label"]
        if kind == TEAM and group.get("site_label") and scope.site is None:
            label = f"{group['label']} ({group['site_label']})"
        rows.append(
            HeatmapRow(
                label=label,
                site=group.get("site_label"),
                kind=kind,
                respondents=group.get("respondents"),
                scores=values,
                statuses=statuses,
                suppressed=suppressed,
                note=group.get("hidden", "") if suppressed else group.get("note", ""),
                team_ids=tuple(group.get("team_ids", ())),
            )
        )
    rows.sort(key=lambda r: (r.kind != total_kind, r.site or "", r.kind, r.label))
    reliability = _computed_reliability(round_)
    return Heatmap(
        round_id=round_.pk,
        round_label=round_.name,
        round_period=f"{round_.period:%Y-%m}",
        min_group_size=round_.min_group_size or k,
        measures=measures,
        rows=rows,
        engagement_note=reliability,
    )


def _computed_reliability(round_) -> str:
    from surveys import results as survey_results

    reliability = survey_results._computed(round_).payload.get(
        "engagement_reliability", {}
    )
    return reliability.get("reason") or ""
