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
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from django.db.models import Max

from reports.analysis.panel import MIN_PATIENT_RESPONSES
from reports.analysis.survival import retention_curve
from reports.analysis_output import (
    DAYS_IN_AR_TARGET,
    PATIENT_NPS_TARGET,
    PAYLOAD_FINDINGS,
    VOLUNTARY_TURNOVER_TARGET,
    _annualised_rate,
    _released_groups,
    analysis_payload,
    finding_payload,
)
from reports.models import AnalysisRun, PatientFeedback
from reports.selectors import (
    people_frame,
    site_month_kpis,
    team_month_panel,
    team_month_patient_nps,
)
from surveys.anonymity import ORGANIZATION, OTHER_TEAMS, SITE, TEAM
from surveys.models import Measure, Round, RoundStatus, TenureBand
from surveys.services import tenure_band
from workforce.models import (
    Organization,
    RosterImport,
    Site,
    StaffMember,
    Team,
    TerminationReason,
)
from workforce.recognition.dates import add_months, organization_today
from workforce.recognition.fairness import fairness_report
from workforce.skills.models import Skill
from workforce.skills.selectors import team_skills
from workforce.training.expiry import Status as TrainingStatus
from workforce.training.selectors import compliance_matrix

MET, WATCH, OFF, UNKNOWN = "met", "watch", "off", "unknown"
STATUS_LABELS = {
    MET: "on target",
    WATCH: "watch",
    OFF: "off target",
    UNKNOWN: "no data yet",
}
STATUS_ORDER = {OFF: 0, WATCH: 1, UNKNOWN: 2, MET: 3}

# Targets. Patient NPS and voluntary turnover are the issue's; the others are
# the product's defaults, each with a "watch" band before "off".
ENGAGEMENT_TARGET, ENGAGEMENT_WATCH = 70.0, 60.0  # 0-100, at least
BURNOUT_TARGET, BURNOUT_WATCH = 20.0, 30.0  # % of respondents, below
ENPS_TARGET, ENPS_WATCH = 10.0, 0.0  # at least
AGREEMENT_TARGET, AGREEMENT_WATCH = 70.0, 60.0  # other 0-100 survey measures
TRAINING_TARGET, TRAINING_WATCH = 95.0, 85.0  # % of required certificates valid
COVERAGE_TARGET, COVERAGE_WATCH = 90.0, 75.0  # % of required skills covered
VOLUNTARY_TURNOVER_WATCH = 20.0  # % a year
PATIENT_NPS_WATCH = 60.0
REFERRALS_WATCH_DROP = 10.0  # % fewer than the previous period is "off"
TREND_MONTHS = 12

STAGE_KEYS = ("engaged", "trained", "retention", "patients", "referrals")
STAGE_NAMES = {
    "engaged": "Engaged staff",
    "trained": "Trained & cross-trained",
    "retention": "Retention",
    "patients": "Patient experience",
    "referrals": "Referrals & revenue",
}
FINDING_TITLES = {
    "engagement_to_patient_nps": "Engagement and next-month patient NPS",
    "engagement_to_turnover": "Engagement and voluntary leaving",
    "burnout_to_turnover": "Burnout and voluntary leaving",
    "coverage_to_turnover": "Cross-training coverage and voluntary leaving",
    "engagement_to_patient_nps_between": (
        "Average engagement and average patient NPS, between teams"
    ),
    "cross_training_to_leaving": "Cross-training breadth and staying",
}
FINDING_STATUS_LABELS = {
    "ok": "Clear link",
    "no_clear_link": "No clear link yet",
    "insufficient_data": "Not enough data yet",
}
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
_PERIOD = re.compile(r"^(\d{4})-(?:(\d{2})|[Qq]([1-4]))$")


# --- period and scope -----------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    """A calendar month (``YYYY-MM``) or quarter (``YYYY-Qn``)."""

    first_day: date
    last_day: date
    label: str

    @classmethod
    def parse(cls, text: str) -> ReportPeriod:
        """``"2025-03"`` or ``"2025-Q1"``; a ValueError says what was expected."""
        raw = (text or "").strip()
        match = _PERIOD.match(raw)
        if not match:
            raise ValueError(
                f"period {raw!r} is not a month or a quarter: write YYYY-MM "
                "(e.g. 2025-03) or YYYY-Qn (e.g. 2025-Q1)"
            )
        year = int(match.group(1))
        if match.group(2):
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise ValueError(f"period {raw!r}: the month must be 01 to 12")
            return cls.month(date(year, month, 1))
        quarter = int(match.group(3))
        first = date(year, 3 * quarter - 2, 1)
        last_month = add_months(first, 2)
        return cls(
            first_day=first,
            last_day=_month_end(last_month),
            label=f"{year}-Q{quarter}",
        )

    @classmethod
    def month(cls, day: date) -> ReportPeriod:
        """The calendar month containing ``day``."""
        first = day.replace(day=1)
        return cls(first_day=first, last_day=_month_end(first), label=f"{first:%Y-%m}")

    @classmethod
    def previous_month(cls, today: date) -> ReportPeriod:
        """The last complete month before ``today``'s."""
        return cls.month(add_months(today.replace(day=1), -1))

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label

    @property
    def months(self) -> list[date]:
        """First day of each month in the period."""
        months, month = [], self.first_day
        while month <= self.last_day:
            months.append(month)
            month = add_months(month, 1)
        return months

    @property
    def last_month(self) -> date:
        return self.months[-1]

    def previous(self) -> ReportPeriod:
        """The period of the same length just before this one."""
        first = add_months(self.first_day, -len(self.months))
        if self.is_quarter:
            return ReportPeriod.parse(f"{first.year}-Q{(first.month - 1) // 3 + 1}")
        return ReportPeriod.month(first)

    def __str__(self) -> str:
        return self.label


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class Scope:
    """An organization, or one of its sites."""

    organization: Organization
    site: Site | None = None

    def __post_init__(self):
        if self.site is not None and self.site.organization_id != self.organization.pk:
            raise ValueError(
                f"site {self.site.slug!r} does not belong to {self.organization.slug!r}"
            )

    @property
    def label(self) -> str:
        if self.site is None:
            return self.organization.name
        return f"{self.site.name} ({self.organization.name})"

    def sites(self):
        sites = Site.objects.filter(organization=self.organization)
        if self.site is not None:
            sites = sites.filter(pk=self.site.pk)
        return sites.order_by("name")

    def teams(self):
        return (
            Team.objects.filter(site__in=self.sites())
            .select_related("site")
            .order_by("site__name", "name")
        )

    def includes_site(self, site_id: int | None) -> bool:
        return self.site is None or site_id == self.site.pk


# --- the dataclasses ------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """One figure against its target; ``status`` None when it has no target."""

    name: str
    value: float | None
    unit: str
    target: str
    status: str | None
    digits: int = 0
    n: int | None = None
    note: str = ""
    short: str = ""  # a short name for tight spaces (the cycle chart)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "no target")

    @property
    def display(self) -> str:
        if self.value is None:
            return "no data"
        return f"{self.value:,.{self.digits}f}{self.unit}"


@dataclass(frozen=True)
class Stage:
    """One stage of the flywheel, in cycle order."""

    key: str
    name: str
    status: str
    headline: str
    measurements: list[Measurement]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "no target")

    @property
    def figure(self) -> str:
        """The stage's first known figure, short, for the cycle chart."""
        for m in self.measurements:
            if m.value is not None:
                return f"{m.short or m.name} {m.display}"
        return "no data yet"


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


@dataclass(frozen=True)
class TurnoverRow:
    """Annualised leaving, percent a year, over the window for one group."""

    group_by: str  # site, team, job_role, tenure_band or total
    label: str
    headcount: float | None
    voluntary_leavers: int
    involuntary_leavers: int
    voluntary_rate: float | None
    involuntary_rate: float | None
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "no target")


@dataclass(frozen=True)
class RetentionPoint:
    months: float
    survival: float
    ci_low: float
    ci_high: float
    at_risk: int


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


@dataclass(frozen=True)
class NpsCell:
    site: str
    team: str | None  # None: all the site's answers
    month: str
    nps: float | None  # None below MIN_PATIENT_RESPONSES answers
    responses: int
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "no target")


@dataclass(frozen=True)
class FindingSummary:
    """One analysis finding as the report shows it (see reports.analysis.findings)."""

    key: str
    title: str
    status: str
    status_label: str
    sentence: str
    reason: str | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    unit: str
    n_teams: int | None
    n_obs: int | None
    method: str
    estimate_corrected: float | None
    ci_low_corrected: float | None
    ci_high_corrected: float | None
    reliability: float | None
    min_detectable_effect: float | None
    uses_correction: bool
    attenuation_note: str | None

    @property
    def is_clear(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Action:
    """A recommended action and the evidence it was drawn from."""

    title: str
    evidence: str
    stage: str
    priority: int  # 0 = most urgent
    site: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class Freshness:
    roster_imported_at: datetime | None
    latest_patient_feedback: date | None
    released_round: str | None
    released_round_at: datetime | None
    analysis_run_id: int | None
    analysis_run_at: datetime | None
    analysis_period: str | None


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


# --- statuses -------------------------------------------------------------------------


def status_at_least(value: float | None, target: float, watch: float) -> str:
    """``met`` at or above target, ``watch`` down to ``watch``, else ``off``."""
    if value is None:
        return UNKNOWN
    if value >= target:
        return MET
    return WATCH if value >= watch else OFF


def status_below(value: float | None, target: float, watch: float) -> str:
    """``met`` below target, ``watch`` up to (excluding) ``watch``, else ``off``."""
    if value is None:
        return UNKNOWN
    if value < target:
        return MET
    return WATCH if value < watch else OFF


def worst(statuses) -> str:
    """The worst known status; ``unknown`` when none is known."""
    known = [s for s in statuses if s in (MET, WATCH, OFF)]
    if not known:
        return UNKNOWN
    return min(known, key=STATUS_ORDER.__getitem__)


def measure_status(code: str, value: float | None) -> str:
    """A survey measure's status on its published scale."""
    if code == Measure.BURNOUT:
        return status_below(value, BURNOUT_TARGET, BURNOUT_WATCH)
    if code == Measure.ENPS:
        return status_at_least(value, ENPS_TARGET, ENPS_WATCH)
    if code == Measure.ENGAGEMENT:
        return status_at_least(value, ENGAGEMENT_TARGET, ENGAGEMENT_WATCH)
    return status_at_least(value, AGREEMENT_TARGET, AGREEMENT_WATCH)


def nps_value(promoters: int, detractors: int, responses: int) -> float | None:
    """Patient NPS, or None below MIN_PATIENT_RESPONSES answers."""
    if responses < MIN_PATIENT_RESPONSES:
        return None
    return round(100.0 * (promoters - detractors) / responses, 1) + 0.0


def _round1(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 1) + 0.0


# --- survey: the heatmap --------------------------------------------------------------


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


# --- turnover and retention -----------------------------------------------------------


def _panel_rate(rows: pd.DataFrame, column: str) -> tuple[float | None, int, float]:
    """(annualised rate, leavers, mean headcount) of panel rows summed per month."""
    if rows.empty:
        return None, 0, 0.0
    monthly = rows.groupby("month")[[column, "headcount"]].sum()
    leavers = int(monthly[column].sum())
    headcount = float(monthly["headcount"].mean())
    return _annualised_rate(leavers, headcount, len(monthly)), leavers, headcount


def _turnover_rows(
    panel: pd.DataFrame, scope: Scope, people: pd.DataFrame, leavers: list[tuple]
) -> list[TurnoverRow]:
    rows = []

    def add(group_by, label, part):
        voluntary, v_count, heads = _panel_rate(part, "voluntary_leavers")
        involuntary, i_count, _heads = _panel_rate(part, "involuntary_leavers")
        rows.append(
            TurnoverRow(
                group_by=group_by,
                label=label,
                headcount=_round1(heads) if not part.empty else None,
                voluntary_leavers=v_count,
                involuntary_leavers=i_count,
                voluntary_rate=voluntary,
                involuntary_rate=involuntary,
                status=status_below(
                    voluntary, VOLUNTARY_TURNOVER_TARGET, VOLUNTARY_TURNOVER_WATCH
                ),
            )
        )

    add("total", scope.label, panel)
    for site, part in panel.groupby("site", sort=True):
        add("site", site, part)
    for (site, team), part in panel.groupby(["site", "team"], sort=True):
        add("team", f"{team} ({site})", part)
    # Job role and tenure band: leavers over person-years at risk (people_frame
    # splits spells where the band changes, so each band gets its own time).
    for group_by in ("job_role", "tenure_band"):
        exposure = people.assign(months=people["stop"] - people["start"])
        years = exposure.groupby(group_by)["months"].sum() / 12.0
        counts = defaultdict(lambda: [0, 0])
        for role, band, reason in leavers:
            key = role if group_by == "job_role" else band
            counts[key][0 if reason == TerminationReason.VOLUNTARY else 1] += 1
        for key in sorted(set(years.index) | set(counts), key=str):
            person_years = float(years.get(key, 0.0))
            voluntary_count, involuntary_count = counts[key]
            v_rate = i_rate = None
            if person_years > 0:
                v_rate = _round1(100.0 * voluntary_count / person_years)
                i_rate = _round1(100.0 * involuntary_count / person_years)
            rows.append(
                TurnoverRow(
                    group_by=group_by,
                    label=_group_label(group_by, key),
                    headcount=_round1(person_years) if person_years else None,
                    voluntary_leavers=voluntary_count,
                    involuntary_leavers=involuntary_count,
                    voluntary_rate=v_rate,
                    involuntary_rate=i_rate,
                    status=status_below(
                        v_rate, VOLUNTARY_TURNOVER_TARGET, VOLUNTARY_TURNOVER_WATCH
                    ),
                )
            )
    return rows


def _group_label(group_by: str, key) -> str:
    if group_by == "tenure_band" and key in TenureBand.values:
        return str(TenureBand(key).label)
    return str(key) or "No job role"


def _leavers(scope: Scope, first: date, last: date) -> list[tuple]:
    """(job role, tenure band at leaving, reason) of people who left in the window."""
    rows = StaffMember.objects.filter(
        organization=scope.organization,
        termination_date__gte=first,
        termination_date__lte=last,
        termination_reason__in=[
            TerminationReason.VOLUNTARY,
            TerminationReason.INVOLUNTARY,
        ],
    )
    if scope.site is not None:
        rows = rows.filter(site=scope.site)
    return [
        (role or "", tenure_band(hire_date=hired, on=left), reason)
        for role, hired, left, reason in rows.values_list(
            "job_role__name", "hire_date", "termination_date", "termination_reason"
        )
    ]


def _retention(people: pd.DataFrame) -> list[RetentionPoint]:
    if people.empty:
        return []
    curve = retention_curve(people)
    return [
        RetentionPoint(
            months=float(row.time),
            survival=float(row.survival),
            ci_low=float(row.ci_low),
            ci_high=float(row.ci_high),
            at_risk=int(row.at_risk),
        )
        for row in curve.itertuples()
    ]


# --- skills, training, recognition ----------------------------------------------------


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


# --- patients and practice KPIs -------------------------------------------------------


def _patient_cells(
    patients: pd.DataFrame, scope: Scope, period: ReportPeriod
) -> tuple[list[NpsCell], tuple[int, int, int]]:
    """Per team and month and per site and month in the period, plus the scope's
    (promoters, detractors, responses) over the whole period."""
    sites = dict(scope.sites().values_list("pk", "name"))
    teams = dict(scope.teams().values_list("pk", "name"))
    months = {pd.Timestamp(m) for m in period.months}
    rows = patients[patients["site_id"].isin(sites) & patients["month"].isin(months)]
    cells = []
    counts = ["promoters", "detractors", "patient_responses"]
    for (site_id, month), part in rows.groupby(["site_id", "month"], sort=True):
        p, d, n = (int(part[c].sum()) for c in counts)
        value = nps_value(p, d, n)
        cells.append(
            NpsCell(
                site=sites[site_id],
                team=None,
                month=f"{month:%Y-%m}",
                nps=value,
                responses=n,
                status=_nps_status(value),
            )
        )
    team_rows = rows[rows["team_id"].notna()]
    for row in team_rows.itertuples():
        team_id = int(row.team_id)
        if team_id not in teams:
            continue
        value = nps_value(row.promoters, row.detractors, row.patient_responses)
        cells.append(
            NpsCell(
                site=sites[row.site_id],
                team=teams[team_id],
                month=f"{row.month:%Y-%m}",
                nps=value,
                responses=int(row.patient_responses),
                status=_nps_status(value),
            )
        )
    cells.sort(key=lambda c: (c.site, c.team is not None, c.team or "", c.month))
    total = tuple(int(rows[c].sum()) for c in counts)
    return cells, total


def _nps_status(value: float | None) -> str:
    """Met strictly above PATIENT_NPS_TARGET; watch down to PATIENT_NPS_WATCH."""
    if value is None:
        return UNKNOWN
    if value > PATIENT_NPS_TARGET:
        return MET
    return WATCH if value >= PATIENT_NPS_WATCH else OFF


def _kpis(scope: Scope, period: ReportPeriod) -> dict[str, float | None]:
    """Referrals and new patients summed over the period and the one before,
    show rate and capacity utilisation averaged (percent), days in A/R the
    latest month's mean over the scope's sites."""
    previous = period.previous()
    frame = site_month_kpis(
        organization=scope.organization, start=previous.first_day, end=period.last_day
    )
    if scope.site is not None:
        frame = frame[frame["site_id"] == scope.site.pk]
    current = frame[frame["month"] >= pd.Timestamp(period.first_day)]
    before = frame[frame["month"] < pd.Timestamp(period.first_day)]

    def total(part, name):
        values = part[name].dropna()
        return None if values.empty else float(values.sum())

    def mean(part, name, scale=1.0):
        values = part[name].dropna()
        return None if values.empty else _round1(scale * float(values.mean()))

    latest = current[current["month"] == current["month"].max()]
    return {
        "referrals": total(current, "referrals"),
        "referrals_previous": total(before, "referrals"),
        "new_patients": total(current, "new_patients"),
        "new_patients_previous": total(before, "new_patients"),
        "show_rate": mean(current, "show_rate", 100.0),
        "capacity_utilisation": mean(current, "capacity_utilisation", 100.0),
        "days_in_ar": mean(latest, "days_in_ar"),
        "complaints": total(current, "complaints"),
    }


def _trend_status(current: float | None, previous: float | None) -> str:
    if current is None or not previous:
        return UNKNOWN
    change = 100.0 * (current - previous) / previous
    if change >= 0:
        return MET
    return WATCH if change > -REFERRALS_WATCH_DROP else OFF


# --- findings -------------------------------------------------------------------------


def latest_analysis_run(organization: Organization, period: ReportPeriod):
    """The latest finished run whose months end by the period's; else the latest."""
    done = AnalysisRun.objects.filter(
        organization=organization, status=AnalysisRun.Status.DONE
    ).order_by("-finished_at", "-pk")
    return done.filter(period_end__lte=period.last_month).first() or done.first()


def _findings(run: AnalysisRun | None) -> list[FindingSummary]:
    if run is None:
        return []
    payload = analysis_payload(run)
    findings = [payload[name] | {"key": key} for name, key in PAYLOAD_FINDINGS.items()]
    for key, finding in run.result["findings"].items():
        if key not in PAYLOAD_FINDINGS.values():
            findings.append(finding_payload(finding) | {"key": key})
    return [
        FindingSummary(
            key=f["key"],
            title=FINDING_TITLES.get(f["key"], f["key"].replace("_", " ")),
            status=f["status"],
            status_label=FINDING_STATUS_LABELS.get(f["status"], f["status"]),
            sentence=f.get("sentence") or "",
            reason=f.get("reason"),
            estimate=f.get("estimate"),
            ci_low=f.get("ci_low"),
            ci_high=f.get("ci_high"),
            unit=f.get("unit") or "",
            n_teams=f.get("n_teams"),
            n_obs=f.get("n_obs"),
            method=f.get("method") or "",
            estimate_corrected=f.get("estimate_corrected"),
            ci_low_corrected=f.get("ci_low_corrected"),
            ci_high_corrected=f.get("ci_high_corrected"),
            reliability=f.get("reliability"),
            min_detectable_effect=f.get("min_detectable_effect"),
            uses_correction=bool(f.get("uses_correction")),
            attenuation_note=f.get("attenuation_note"),
        )
        for f in findings
    ]


# --- recommended actions --------------------------------------------------------------


def _list(names: list[str], limit: int = 4) -> str:
    shown = names[:limit]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {more} more" if more > 0 else text


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
    burnout = str(Measure.BURNOUT)
    engagement = str(Measure.ENGAGEMENT)
    for row in heatmap.rows:
        if row.suppressed or row.kind not in (TEAM, OTHER_TEAMS):
            continue
        value = row.scores.get(burnout)
        if value is not None and row.statuses.get(burnout) == OFF:
            actions.append(
                Action(
                    title=f"Workload review in {row.label}",
                    evidence=(
                        f"{value:g}% report burnout in {heatmap.round_label} "
                        f"({row.respondents} respondents; target below "
                        f"{BURNOUT_TARGET:g}%)"
                    ),
                    stage="engaged",
                    priority=0,
                    site=row.site,
                    team=row.label,
                )
            )
        value = row.scores.get(engagement)
        if value is not None and row.statuses.get(engagement) == OFF:
            actions.append(
                Action(
                    title=f"Talk through the survey results with {row.label}",
                    evidence=(
                        f"engagement {value:g} of 100 in {heatmap.round_label} "
                        f"({row.respondents} respondents; target "
                        f"{ENGAGEMENT_TARGET:g})"
                    ),
                    stage="engaged",
                    priority=1,
                    site=row.site,
                    team=row.label,
                )
            )
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


# --- freshness ------------------------------------------------------------------------


def _freshness(scope: Scope, heatmap: Heatmap, run: AnalysisRun | None) -> Freshness:
    roster = (
        RosterImport.objects.filter(
            organization=scope.organization, status=RosterImport.Status.DONE
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    feedback = PatientFeedback.objects.filter(site__in=scope.sites()).aggregate(
        latest=Max("date")
    )["latest"]
    round_at = None
    if heatmap.round_id is not None:
        round_at = Round.objects.values_list("released_at", flat=True).get(
            pk=heatmap.round_id
        )
    return Freshness(
        roster_imported_at=roster,
        latest_patient_feedback=feedback,
        released_round=(
            f"{heatmap.round_label} ({heatmap.round_period})"
            if heatmap.round_id
            else None
        ),
        released_round_at=round_at,
        analysis_run_id=run.pk if run else None,
        analysis_run_at=run.finished_at if run else None,
        analysis_period=(
            f"{run.period_start:%Y-%m} to {run.period_end:%Y-%m}" if run else None
        ),
    )


# --- the whole ------------------------------------------------------------------------


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


# --- stages ---------------------------------------------------------------------------


def _engaged_stage(heatmap: Heatmap) -> Stage:
    total = (
        heatmap.rows[0]
        if heatmap.rows
        and heatmap.rows[0].kind
        in (
            ORGANIZATION,
            SITE,
        )
        else None
    )
    values = total.scores if total and not total.suppressed else {}
    n = total.respondents if total and not total.suppressed else None
    engagement = values.get(str(Measure.ENGAGEMENT))
    burnout = values.get(str(Measure.BURNOUT))
    enps = values.get(str(Measure.ENPS))
    measurements = [
        Measurement(
            "Engagement",
            engagement,
            "",
            f"at least {ENGAGEMENT_TARGET:g} of 100",
            measure_status(Measure.ENGAGEMENT, engagement),
            n=n,
            note=heatmap.engagement_note,
        ),
        Measurement(
            "Burnout",
            burnout,
            "%",
            f"below {BURNOUT_TARGET:g}%",
            measure_status(Measure.BURNOUT, burnout),
            n=n,
        ),
        Measurement(
            "eNPS",
            enps,
            "",
            f"at least {ENPS_TARGET:g}",
            measure_status(Measure.ENPS, enps),
            n=n,
        ),
    ]
    status = worst(m.status for m in measurements)
    if heatmap.round_id is None:
        headline = "No released survey round yet."
    elif total is None or total.suppressed:
        headline = (
            f"Too few answers in {heatmap.round_label} to show figures "
            f"(fewer than {heatmap.min_group_size})."
        )
    else:
        parts = [f"{m.name} {m.display}" for m in measurements if m.value is not None]
        off = [m.name.lower() for m in measurements if m.status == OFF]
        headline = f"{', '.join(parts)} in {heatmap.round_label} ({n} answered)."
        if off:
            headline += f" Off target: {', '.join(off)}."
    return Stage("engaged", STAGE_NAMES["engaged"], status, headline, measurements)


def _trained_stage(training: Training, coverage: list[TeamCoverageRow]) -> Stage:
    required = sum(r.required_skills for r in coverage)
    covered = sum(r.covered_skills for r in coverage)
    percent = _round1(100.0 * covered / required) if required else None
    spof = sum(len(r.spof_skills) for r in coverage)
    coverage_status = status_at_least(percent, COVERAGE_TARGET, COVERAGE_WATCH)
    measurements = [
        Measurement(
            "Training compliance",
            training.compliance,
            "%",
            f"at least {TRAINING_TARGET:g}%",
            training.status,
            n=training.required,
            short="Training",
        ),
        Measurement(
            "Cross-training coverage",
            percent,
            "%",
            f"at least {COVERAGE_TARGET:g}% of required skills",
            coverage_status,
            n=required or None,
            short="Coverage",
        ),
        Measurement(
            "Single points of failure",
            float(spof) if required else None,
            "",
            "none (every required skill held by 2 or more)",
            (MET if spof == 0 else WATCH) if required else UNKNOWN,
        ),
    ]
    status = worst(m.status for m in measurements)
    known = [m for m in measurements if m.value is not None]
    if not known:
        headline = "No training requirements or required skills recorded yet."
    else:
        headline = "; ".join(f"{m.name.lower()} {m.display}" for m in known) + "."
        teams = [f"{r.team} ({r.site})" for r in coverage if r.spof_skills]
        if teams:
            headline += f" Single points of failure in {_list(teams, 3)}."
    return Stage("trained", STAGE_NAMES["trained"], status, headline, measurements)


def _retention_stage(total: TurnoverRow) -> Stage:
    measurements = [
        Measurement(
            "Voluntary turnover",
            total.voluntary_rate,
            "% a year",
            f"below {VOLUNTARY_TURNOVER_TARGET:g}% a year",
            total.status,
            digits=1,
            n=total.voluntary_leavers,
            short="Voluntary",
        ),
        Measurement(
            "Involuntary turnover",
            total.involuntary_rate,
            "% a year",
            "no target",
            None,
            digits=1,
            n=total.involuntary_leavers,
        ),
    ]
    if total.voluntary_rate is None:
        headline = "No staff records for the last twelve months."
    else:
        headline = (
            f"{total.voluntary_leavers} voluntary leaver(s) in twelve months: "
            f"{total.voluntary_rate:g}% a year against a target below "
            f"{VOLUNTARY_TURNOVER_TARGET:g}%."
        )
    return Stage(
        "retention", STAGE_NAMES["retention"], total.status, headline, measurements
    )


def _patients_stage(value: float | None, responses: int) -> Stage:
    status = _nps_status(value)
    measurement = Measurement(
        "Patient NPS",
        value,
        "",
        f"above {PATIENT_NPS_TARGET:g}",
        status,
        n=responses,
        short="NPS",
    )
    if value is None:
        headline = (
            f"Too few patient answers to judge ({responses}; at least "
            f"{MIN_PATIENT_RESPONSES} needed)."
        )
    else:
        headline = (
            f"Patient NPS {value:g} from {responses} answers "
            f"(target above {PATIENT_NPS_TARGET:g})."
        )
    return Stage("patients", STAGE_NAMES["patients"], status, headline, [measurement])


def _referrals_stage(kpis: dict, period: ReportPeriod) -> Stage:
    referrals_status = _trend_status(kpis["referrals"], kpis["referrals_previous"])
    new_status = _trend_status(kpis["new_patients"], kpis["new_patients_previous"])
    previous = period.previous().label
    measurements = [
        Measurement(
            "Referrals",
            kpis["referrals"],
            "",
            f"no fewer than {previous} ({_count(kpis['referrals_previous'])})",
            referrals_status,
        ),
        Measurement(
            "New patients",
            kpis["new_patients"],
            "",
            f"no fewer than {previous} ({_count(kpis['new_patients_previous'])})",
            new_status,
        ),
        Measurement(
            "Capacity utilisation",
            kpis["capacity_utilisation"],
            "%",
            "no target",
            None,
            digits=1,
        ),
        Measurement(
            "Days in A/R",
            kpis["days_in_ar"],
            "",
            f"{DAYS_IN_AR_TARGET[0]:g}-{DAYS_IN_AR_TARGET[1]:g} days",
            _days_in_ar_status(kpis["days_in_ar"]),
            digits=1,
        ),
    ]
    status = worst([referrals_status, new_status])
    known = [m for m in measurements if m.value is not None]
    if not known:
        headline = "No practice KPIs imported for this period."
    else:
        headline = "; ".join(f"{m.name.lower()} {m.display}" for m in known) + "."
    return Stage("referrals", STAGE_NAMES["referrals"], status, headline, measurements)


def _days_in_ar_status(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    low, high = DAYS_IN_AR_TARGET
    if low <= value <= high:
        return MET
    return WATCH if low - 10 <= value <= high + 10 else OFF


def _count(value: float | None) -> str:
    return "no data" if value is None else f"{value:,.0f}"
