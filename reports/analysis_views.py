"""The flywheel analysis pages for owner and HR, under /reports/analysis/.

- the analysis page: the latest finished run's findings in plain language, the
  KPIs against their targets and the teams table (raw and shrunk, suppressed
  as the survey results are), the list of runs, and "Run analysis now";
- a run's page: its progress while it runs (the page refreshes itself), then
  its results; a run whose inputs had not changed sends you to the earlier run;
- a run's JSON: the same payload as ``manage.py flywheel_analysis``.

Runs belong to an organization: another organization's run is a 404.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from reports.analysis_forms import AnalysisPeriodForm
from reports.analysis_output import PAYLOAD_FINDINGS, analysis_payload, latest_kpis
from reports.models import AnalysisRun
from reports.services import analysis_run_queue
from workforce.permissions import ORG_ADMINS, role_required

RUNS_SHOWN = 20
STEPS = (
    AnalysisRun.Step.BUILDING_PANEL,
    AnalysisRun.Step.FITTING_MODELS,
    AnalysisRun.Step.WRITING,
)


def _runs(request):
    return AnalysisRun.objects.filter(organization_id=request.user.organization_id)


def _run_or_404(request, run_id) -> AnalysisRun:
    return get_object_or_404(_runs(request), pk=run_id)


FINDING_TITLES = {
    "engagement_to_patient_nps": _lazy("Engagement and next-month patient NPS"),
    "engagement_to_turnover": _lazy("Engagement and voluntary leaving"),
    "burnout_to_turnover": _lazy("Burnout and voluntary leaving"),
    "coverage_to_turnover": _lazy("Cross-training coverage and voluntary leaving"),
    "engagement_to_patient_nps_between": _lazy(
        "Average engagement and average patient NPS, between teams"
    ),
    "cross_training_to_leaving": _lazy("Cross-training breadth and staying"),
}
STATUS_LABELS = {
    "ok": _lazy("Clear link"),
    "no_clear_link": _lazy("No clear link yet"),
    "insufficient_data": _lazy("Not enough data yet"),
}


def _shown(finding: dict) -> dict:
    return {
        **finding,
        "title": FINDING_TITLES.get(finding["key"], finding["key"]),
        "status_label": STATUS_LABELS.get(finding["status"], finding["status"]),
    }


def results_context(run: AnalysisRun | None) -> dict:
    """What the results part of a page shows for a finished run."""
    if run is None or run.status != AnalysisRun.Status.DONE:
        return {"shown_run": None}
    findings = run.result["findings"]
    headline = [_shown(findings[key]) for key in PAYLOAD_FINDINGS.values()]
    others = [
        _shown(f) for key, f in findings.items() if key not in PAYLOAD_FINDINGS.values()
    ]
    return {
        "shown_run": run,
        "headline_findings": headline,
        "other_findings": others,
        "kpis": latest_kpis(run.result["kpis"]),
        "teams": run.result["teams"],
        "counts": run.result.get("counts", {}),
        "notes": run.result.get("notes", []),
    }


@role_required(*ORG_ADMINS)
def analysis_home(request):
    runs = _runs(request).select_related("requested_by", "same_as")
    latest = runs.filter(status=AnalysisRun.Status.DONE).first()
    active = runs.filter(status__in=AnalysisRun.ACTIVE).first()
    return render(
        request,
        "reports/analysis/home.html",
        {
            "form": AnalysisPeriodForm(organization=request.user.organization),
            "runs": runs[:RUNS_SHOWN],
            "active": active,
            **results_context(latest),
        },
    )


@require_POST
@role_required(*ORG_ADMINS)
def analysis_start(request):
    organization = request.user.organization
    form = AnalysisPeriodForm(request.POST, organization=organization)
    if not form.is_valid():
        runs = _runs(request).select_related("requested_by", "same_as")
        return render(
            request,
            "reports/analysis/home.html",
            {
                "form": form,
                "runs": runs[:RUNS_SHOWN],
                "active": runs.filter(status__in=AnalysisRun.ACTIVE).first(),
                **results_context(runs.filter(status=AnalysisRun.Status.DONE).first()),
            },
            status=400,
        )
    run, created = analysis_run_queue(
        organization=organization,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        requested_by=request.user,
    )
    if not created:
        messages.info(request, _("A run was already under way; here is its progress."))
    return redirect("reports:analysis_run", run_id=run.pk)


@role_required(*ORG_ADMINS)
def analysis_run_detail(request, run_id):
    run = _run_or_404(request, run_id)
    if run.status == AnalysisRun.Status.UNCHANGED and run.same_as_id:
        messages.info(
            request,
            _(
                "Nothing the analysis uses had changed since run #%(id)s, so its "
                "results stand."
            )
            % {"id": run.same_as_id},
        )
        return redirect("reports:analysis_run", run_id=run.same_as_id)
    current = STEPS.index(run.step) if run.step in STEPS else -1
    steps = [
        {
            "label": AnalysisRun.Step(step).label,
            "state": "done" if i < current else "current" if i == current else "",
        }
        for i, step in enumerate(STEPS)
    ]
    return render(
        request,
        "reports/analysis/run.html",
        {
            "run": run,
            "steps": steps,
            "steps_done": max(current, 0),
            "total_steps": len(STEPS),
            **results_context(run),
        },
    )


@role_required(*ORG_ADMINS)
def analysis_run_json(request, run_id):
    run = _run_or_404(request, run_id)
    if run.status != AnalysisRun.Status.DONE:
        raise Http404(_("This run has no results."))
    return JsonResponse(
        analysis_payload(run), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
