"""How fresh each source behind the report is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max

from reports.models import AnalysisRun, PatientFeedback
from surveys.models import Round
from workforce.models import RosterImport

from .periods import Scope
from .survey import Heatmap


@dataclass(frozen=True)
class Freshness:
    roster_imported_at: datetime | None
    latest_patient_feedback: date | None
    released_round: str | None
    released_round_at: datetime | None
    analysis_run_id: int | None
    analysis_run_at: datetime | None
    analysis_period: str | None


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
