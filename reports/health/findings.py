"""The latest finished analysis run's findings, as the report shows them."""

from __future__ import annotations

from dataclasses import dataclass

from reports.analysis_output import PAYLOAD_FINDINGS, analysis_payload, finding_payload
from reports.models import AnalysisRun
from workforce.models import Organization

from .periods import ReportPeriod

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
