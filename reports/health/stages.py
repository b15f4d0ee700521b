"""The flywheel's stages in cycle order, each with its figures against target
and a one-line headline.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.analysis.panel import MIN_PATIENT_RESPONSES
from reports.analysis_output import (
    DAYS_IN_AR_TARGET,
    PATIENT_NPS_TARGET,
    VOLUNTARY_TURNOVER_TARGET,
)
from surveys.anonymity import ORGANIZATION, SITE
from surveys.models import Measure

from .patients import _nps_status
from .people import TurnoverRow
from .periods import ReportPeriod
from .skills_training import TeamCoverageRow, Training
from .statuses import (
    BURNOUT_TARGET,
    COVERAGE_TARGET,
    COVERAGE_WATCH,
    ENGAGEMENT_TARGET,
    ENPS_TARGET,
    MET,
    OFF,
    REFERRALS_WATCH_DROP,
    STATUS_LABELS,
    TRAINING_TARGET,
    UNKNOWN,
    WATCH,
    _list,
    _round1,
    measure_status,
    status_at_least,
    worst,
)
from .survey import Heatmap

STAGE_KEYS = ("engaged", "trained", "retention", "patients", "referrals")


STAGE_NAMES = {
    "engaged": "Engaged staff",
    "trained": "Trained & cross-trained",
    "retention": "Retention",
    "patients": "Patient experience",
    "referrals": "Referrals & revenue",
}


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


def _trend_status(current: float | None, previous: float | None) -> str:
    if current is None or not previous:
        return UNKNOWN
    change = 100.0 * (current - previous) / previous
    if change >= 0:
        return MET
    return WATCH if change > -REFERRALS_WATCH_DROP else OFF


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
