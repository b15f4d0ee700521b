"""Flywheel health of an organization (or one of its sites) for a month or quarter.

A read-side module (selectors style: nothing here writes) that puts together, for
one scope and period, what the owner and HR read: the flywheel's stages in cycle
order with status against their targets, the engagement and burnout heatmap,
turnover and retention, cross-training coverage and single points of failure,
training compliance and expiring certifications, recognition per team, patient
NPS per team and month, the latest analysis findings, recommended actions and
how fresh the data is. The web dashboards and the PDF report
(``reports/flywheel_report``) are both drawn from :func:`flywheel_health`.

Numbers come from the existing selectors, never re-derived here:

- survey figures from the latest released round up to the period's end, as the
  survey results publish them (``surveys.results``, hidden where
  ``surveys.anonymity`` says so): a team below the organization's k is listed
  with no figures, never with its numbers;
- turnover and headcount from ``reports.selectors.team_month_panel`` over the
  twelve months ending with the period (annualised as the analysis KPI table
  does), turnover by job role and tenure band over person-months from
  ``people_frame``, the retention curve from ``reports.analysis.survival``;
- coverage and SPOFs from ``workforce.skills.selectors.team_skills``; training
  from ``workforce.training.selectors.compliance_matrix``; recognition from
  ``workforce.recognition.fairness.fairness_report`` (small groups hidden);
- patient NPS from ``team_month_patient_nps`` (fewer than
  ``MIN_PATIENT_RESPONSES`` answers are not shown as a score), practice KPIs
  from ``site_month_kpis``;
- findings from the organization's latest finished ``AnalysisRun``
  (``analysis_payload``), including the noise-aware fields of issue #9.

Statuses are ``met``, ``watch``, ``off`` or ``unknown`` (no data, or too few
answers to judge); the colours and labels are ``reports.charts``'s.

The package's modules hold one topic each; this module puts them together in
:func:`flywheel_health` and re-exports the public names, so callers import from
``reports.health``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reports.selectors import people_frame, team_month_panel, team_month_patient_nps
from workforce.models import Organization, Site
from workforce.recognition.dates import add_months, organization_today

from .actions import Action, recommended_actions
from .findings import (
    FINDING_STATUS_LABELS,
    FINDING_TITLES,
    FindingSummary,
    _findings,
    latest_analysis_run,
)
from .freshness import Freshness, _freshness
from .patients import NpsCell, _kpis, _patient_cells
from .people import RetentionPoint, TurnoverRow, _leavers, _retention, _turnover_rows
from .periods import ReportPeriod, Scope
from .recognition import RecognitionRow, _recognition
from .skills_training import (
    ExpiringCourse,
    TeamCoverageRow,
    TeamTraining,
    Training,
    _coverage,
    _training,
)
from .stages import (
    STAGE_KEYS,
    STAGE_NAMES,
    Measurement,
    Stage,
    _engaged_stage,
    _patients_stage,
    _referrals_stage,
    _retention_stage,
    _trained_stage,
)
from .statuses import (
    AGREEMENT_TARGET,
    AGREEMENT_WATCH,
    BURNOUT_TARGET,
    BURNOUT_WATCH,
    COVERAGE_TARGET,
    COVERAGE_WATCH,
    ENGAGEMENT_TARGET,
    ENGAGEMENT_WATCH,
    ENPS_TARGET,
    ENPS_WATCH,
    MET,
    OFF,
    PATIENT_NPS_WATCH,
    REFERRALS_WATCH_DROP,
    STATUS_LABELS,
    STATUS_ORDER,
    TRAINING_TARGET,
    TRAINING_WATCH,
    UNKNOWN,
    VOLUNTARY_TURNOVER_WATCH,
    WATCH,
    measure_status,
    nps_value,
    status_at_least,
    status_below,
    worst,
)
from .survey import (
    HEATMAP_LABELS,
    HEATMAP_MEASURES,
    Heatmap,
    HeatmapRow,
    latest_released_round,
    survey_heatmap,
)

__all__ = [
    "AGREEMENT_TARGET",
    "AGREEMENT_WATCH",
    "Action",
    "BURNOUT_TARGET",
    "BURNOUT_WATCH",
    "COVERAGE_TARGET",
    "COVERAGE_WATCH",
    "ENGAGEMENT_TARGET",
    "ENGAGEMENT_WATCH",
    "ENPS_TARGET",
    "ENPS_WATCH",
    "ExpiringCourse",
    "FINDING_STATUS_LABELS",
    "FINDING_TITLES",
    "FindingSummary",
    "FlywheelHealth",
    "Freshness",
    "HEATMAP_LABELS",
    "HEATMAP_MEASURES",
    "Heatmap",
    "HeatmapRow",
    "MET",
    "Measurement",
    "NpsCell",
    "OFF",
    "PATIENT_NPS_WATCH",
    "REFERRALS_WATCH_DROP",
    "RecognitionRow",
    "ReportPeriod",
    "RetentionPoint",
    "STAGE_KEYS",
    "STAGE_NAMES",
    "STATUS_LABELS",
    "STATUS_ORDER",
    "Scope",
    "Stage",
    "TRAINING_TARGET",
    "TRAINING_WATCH",
    "TREND_MONTHS",
    "TeamCoverageRow",
    "TeamTraining",
    "Training",
    "TurnoverRow",
    "UNKNOWN",
    "VOLUNTARY_TURNOVER_WATCH",
    "WATCH",
    "flywheel_health",
    "latest_analysis_run",
    "latest_released_round",
    "measure_status",
    "nps_value",
    "recommended_actions",
    "status_at_least",
    "status_below",
    "survey_heatmap",
    "worst",
]

TREND_MONTHS = 12


@dataclass
class FlywheelHealth:
    """Everything a dashboard or the PDF shows for one scope and period."""

    scope: Scope
    period: ReportPeriod
    judged_on: date
    window_first: date
    min_group_size: int
    stages: list[Stage]
    heatmap: Heatmap
    turnover: list[TurnoverRow]
    retention: list[RetentionPoint]
    coverage: list[TeamCoverageRow]
    training: Training
    recognition: list[RecognitionRow]
    patient_nps: list[NpsCell]
    findings: list[FindingSummary]
    actions: list[Action]
    freshness: Freshness
    kpis: dict[str, float | None] = field(default_factory=dict)

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)

    def turnover_by(self, group_by: str) -> list[TurnoverRow]:
        return [row for row in self.turnover if row.group_by == group_by]

    def top_findings(self, count: int = 3) -> list[str]:
        """The ``count`` most important points, in plain language.

        Stages off target first, then clear links from the analysis, then
        stages to watch, then what is on target.
        """
        ranked: list[tuple[int, str]] = []
        for stage in self.stages:
            order = {OFF: 0, WATCH: 2, MET: 3}.get(stage.status)
            if order is not None:
                ranked.append((order, f"{stage.name}: {stage.headline}"))
        for finding in self.findings:
            if finding.is_clear:
                ranked.append((1, f"{finding.title}: {finding.sentence}"))
        ranked.sort(key=lambda item: item[0])
        return [text for _order, text in ranked[:count]]


def flywheel_health(
    *,
    organization: Organization,
    site: Site | None = None,
    period: ReportPeriod | str,
    today: date | None = None,
) -> FlywheelHealth:
    """The flywheel health of ``organization`` (or its ``site``) for ``period``.

    ``period`` is a :class:`ReportPeriod` or its text (``YYYY-MM``/``YYYY-Qn``).
    Point-in-time figures (coverage, training, headcount) are judged on the
    period's last day, or on ``today`` (default: today where the organization
    works) when the period has not ended. Turnover is annualised over the twelve
    months ending with the period. Survey figures are the latest released round
    up to the period's end, suppressed as its published results are.
    """
    if isinstance(period, str):
        period = ReportPeriod.parse(period)
    scope = Scope(organization, site)
    today = today or organization_today(organization)
    judged_on = min(today, period.last_day)
    window_first = add_months(period.last_month, -(TREND_MONTHS - 1))

    patients = team_month_patient_nps(
        organization=organization, start=window_first, end=period.last_day
    )
    panel = team_month_panel(
        organization=organization,
        start=window_first,
        end=period.last_day,
        until=judged_on,
        patients=patients,
    )
    people = people_frame(
        organization=organization, start=window_first, end=period.last_day
    )
    if site is not None:
        panel = panel[panel["site"] == site.name]
        people = people[people["site"] == site.name]

    heatmap = survey_heatmap(scope, period)
    turnover = _turnover_rows(
        panel, scope, people, _leavers(scope, window_first, period.last_day)
    )
    coverage = _coverage(scope, judged_on)
    training = _training(scope, judged_on)
    recognition = _recognition(scope, period, judged_on)
    nps_cells, (promoters, detractors, responses) = _patient_cells(
        patients, scope, period
    )
    kpis = _kpis(scope, period)
    run = latest_analysis_run(organization, period)

    stages = [
        _engaged_stage(heatmap),
        _trained_stage(training, coverage),
        _retention_stage(turnover[0]),
        _patients_stage(nps_value(promoters, detractors, responses), responses),
        _referrals_stage(kpis, period),
    ]
    actions = recommended_actions(
        stages=stages,
        heatmap=heatmap,
        turnover=turnover,
        coverage=coverage,
        training=training,
        patient_nps=nps_cells,
    )
    return FlywheelHealth(
        scope=scope,
        period=period,
        judged_on=judged_on,
        window_first=window_first,
        min_group_size=organization.min_group_size,
        stages=stages,
        heatmap=heatmap,
        turnover=turnover,
        retention=_retention(people),
        coverage=coverage,
        training=training,
        recognition=recognition,
        patient_nps=nps_cells,
        findings=_findings(run),
        actions=actions,
        freshness=_freshness(scope, heatmap, run),
        kpis=kpis,
    )
