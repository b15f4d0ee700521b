"""Writes for reports: analysis runs.

:func:`analysis_run` builds the team-month panel and person spells
(reports/selectors.py), fingerprints them, runs the pure analysis
(reports/analysis) and stores what may be shown on an ``AnalysisRun``. A run on
unchanged inputs (same panel, spells, period and code) returns the earlier run
instead of storing a second copy: one finished run per fingerprint is a unique
constraint, so two workers racing on the same inputs still end with one.

The page queues a run with :func:`analysis_run_queue`; a Celery task
(reports.tasks.analysis_run_task) runs it and records each step on the run, so
the status page can show progress.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib.metadata
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import analysis_output
from reports.analysis.flywheel import flywheel_analysis
from reports.models import AnalysisRun
from reports.selectors import (
    PANEL_FRAME_COLUMNS,
    PEOPLE_FRAME_COLUMNS,
    people_frame,
    team_month_panel,
    team_month_patient_nps,
)
from workforce.models import Organization
from workforce.recognition.dates import add_months, organization_today

logger = logging.getLogger(__name__)

DEFAULT_MONTHS = 36
# A run left "running" this long was lost with its worker; a new one may start.
STALE_ACTIVE = timedelta(hours=1)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The code whose change can change a result: the analysis and the seam feeding it.
_REPORTS = Path(__file__).resolve().parent
CODE_FILES = (
    *sorted((_REPORTS / "analysis").glob("*.py")),
    _REPORTS / "selectors.py",
    _REPORTS / "survey_months.py",
    _REPORTS / "spells.py",
    _REPORTS / "analysis_output.py",
)
LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels")

Step = AnalysisRun.Step
Progress = Callable[[str], None]


def parse_month(value: str | datetime.date | None) -> datetime.date | None:
    """``YYYY-MM`` (or a date) as the first day of that month; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(
            _("Expected a month as YYYY-MM, e.g. 2026-03; got “%(value)s”.")
            % {"value": value}
        )
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def analysis_period(
    organization: Organization,
    start: str | datetime.date | None = None,
    end: str | datetime.date | None = None,
) -> tuple[datetime.date, datetime.date]:
    """(first month, last month) as first days.

    By default the last DEFAULT_MONTHS complete months where the organization
    works: the current month is still changing, and a run on it could not be
    repeated with the same result.
    """
    last = parse_month(end) or add_months(
        organization_today(organization).replace(day=1), -1
    )
    first = parse_month(start) or add_months(last, -(DEFAULT_MONTHS - 1))
    if first > last:
        raise ValidationError(
            _("The first month (%(first)s) is after the last (%(last)s).")
            % {"first": first.strftime("%Y-%m"), "last": last.strftime("%Y-%m")}
        )
    return first, last


@functools.cache
def code_version() -> str:
    """SHA-256 of the analysis code and the versions of the libraries it fits with."""
    digest = hashlib.sha256()
    for path in CODE_FILES:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for library in LIBRARIES:
        digest.update(f"{library}=={importlib.metadata.version(library)}\0".encode())
    return digest.hexdigest()


def canonical_csv(frame: pd.DataFrame, columns, order) -> bytes:
    """A DataFrame as CSV that depends only on its values: sorted, fixed format.

    Floats keep 10 significant digits, so sums the database adds up in another
    order do not change the text.
    """
    frame = frame[list(columns)].sort_values(list(order), kind="stable")
    if "month" in frame.columns:
        frame = frame.assign(month=pd.to_datetime(frame["month"]).dt.strftime("%Y-%m"))
    return frame.to_csv(
        index=False, float_format="%.10g", lineterminator="\n", na_rep=""
    ).encode()


def inputs_fingerprint(
    *,
    panel: pd.DataFrame,
    people: pd.DataFrame,
    start: datetime.date,
    end: datetime.date,
    version: str,
) -> str:
    """SHA-256 of everything a run's result depends on."""
    digest = hashlib.sha256()
    digest.update(f"period {start:%Y-%m} {end:%Y-%m}\ncode {version}\n".encode())
    variance = panel.attrs.get("engagement_individual_variance")
    variance_text = "none" if variance is None else f"{variance:.10g}"
    digest.update(f"individual variance {variance_text}\n".encode())
    digest.update(b"panel\n")
    digest.update(canonical_csv(panel, PANEL_FRAME_COLUMNS, ("site", "team", "month")))
    digest.update(b"people\n")
    digest.update(canonical_csv(people, PEOPLE_FRAME_COLUMNS, ("person", "start")))
    return digest.hexdigest()


def _noop(step: str) -> None:
    return None


def analysis_run(
    *,
    organization: Organization,
    start: str | datetime.date | None = None,
    end: str | datetime.date | None = None,
    run: AnalysisRun | None = None,
    progress: Progress = _noop,
) -> AnalysisRun:
    """Run the flywheel analysis for ``organization``; return the run holding it.

    ``start``/``end`` are months (``YYYY-MM`` or dates; defaults: see
    :func:`analysis_period`). ``run`` is a queued run to report progress on
    and to fill; without it the run is created when the results are written.
    ``progress`` is called with each step's name as it starts. When a finished
    run already has the same fingerprint, that run is returned (and ``run``, if
    given, is marked unchanged and points at it).
    """
    first, last = analysis_period(organization, start, end)

    def step(name: str) -> None:
        if run is not None:
            AnalysisRun.objects.filter(pk=run.pk).update(step=name)
            run.step = name
        progress(name)

    step(Step.BUILDING_PANEL)
    # Patient answers feed both the panel (teams) and the KPIs (sites): read once.
    patients = team_month_patient_nps(organization=organization, start=first, end=last)
    panel = team_month_panel(
        organization=organization, start=first, end=last, patients=patients
    )
    people = people_frame(organization=organization, start=first, end=last)
    version = code_version()
    fingerprint = inputs_fingerprint(
        panel=panel, people=people, start=first, end=last, version=version
    )
    existing = _finished(organization, fingerprint)
    if existing is not None:
        return _reuse(run, existing, step)

    step(Step.FITTING_MODELS)
    analysis = flywheel_analysis(
        panel=panel,
        people=people if len(people) else None,
        engagement_individual_variance=panel.attrs.get(
            "engagement_individual_variance"
        ),
    )

    step(Step.WRITING)
    result = analysis_output.json_ready(
        {
            "findings": analysis_output.findings_result(analysis),
            "teams": analysis_output.teams_table(
                organization=organization, panel=panel, analysis=analysis
            ),
            "kpis": analysis_output.kpi_table(
                organization=organization,
                panel=panel,
                start=first,
                end=last,
                patients=patients,
            ),
            "counts": {
                "teams": int(panel.groupby(["site", "team"]).ngroups),
                "team_months": len(panel),
                "months": int(panel["month"].nunique()),
                "people": int(people["person"].nunique()),
                "person_rows": len(people),
            },
            "notes": _notes(analysis),
        }
    )
    fields = {
        "period_start": first,
        "period_end": last,
        "fingerprint": fingerprint,
        "code_version": version,
        "result": result,
        "status": AnalysisRun.Status.DONE,
        "step": Step.FINISHED,
        "error": "",
        "finished_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            if run is None:
                run = AnalysisRun.objects.create(
                    organization=organization, started_at=timezone.now(), **fields
                )
            else:
                for name, value in fields.items():
                    setattr(run, name, value)
                run.save()
    except IntegrityError:
        # Another worker finished the same inputs first: theirs stands.
        existing = _finished(organization, fingerprint)
        if existing is None:
            raise
        return _reuse(run, existing, step)
    return run


def _finished(organization: Organization, fingerprint: str) -> AnalysisRun | None:
    return AnalysisRun.objects.filter(
        organization=organization,
        fingerprint=fingerprint,
        status=AnalysisRun.Status.DONE,
    ).first()


def _reuse(run: AnalysisRun | None, existing: AnalysisRun, step) -> AnalysisRun:
    if run is not None and run.pk != existing.pk:
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisRun.Status.UNCHANGED,
            step=Step.FINISHED,
            same_as=existing,
            fingerprint=existing.fingerprint,
            code_version=existing.code_version,
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
    step(Step.FINISHED)
    return existing


def _notes(analysis) -> list[str]:
    notes = []
    for label, frame in (
        (_("Engagement"), analysis.engagement),
        (_("Burnout"), analysis.burnout),
    ):
        reason = frame.attrs.get("reason")
        if reason:
            notes.append(
                _("%(measure)s scores are not shrunk: %(reason)s.")
                % {"measure": label, "reason": reason}
            )
    # The teams table lists teams by name; whether they may be ranked on a
    # measure is the analysis's call (reliability of every team's score).
    notes.extend(gate.reason for gate in analysis.ranking.values())
    return notes


def analysis_run_queue(
    *,
    organization: Organization,
    start: str | datetime.date | None = None,
    end: str | datetime.date | None = None,
    requested_by=None,
) -> tuple[AnalysisRun, bool]:
    """Queue a run for the page: (run, True), or (the run already waiting, False).

    A run left waiting or running longer than STALE_ACTIVE is marked failed first
    (its worker was lost), so a new one can start.
    """
    from reports.tasks import analysis_run_task

    first, last = analysis_period(organization, start, end)
    now = timezone.now()
    with transaction.atomic():
        active = (
            AnalysisRun.objects.select_for_update()
            .filter(organization=organization, status__in=AnalysisRun.ACTIVE)
            .first()
        )
        if active is not None:
            moment = active.started_at or active.created_at
            if moment >= now - STALE_ACTIVE:
                return active, False
            active.status = AnalysisRun.Status.FAILED
            active.error = _("The run stopped without finishing; start it again.")
            active.finished_at = now
            active.save(update_fields=["status", "error", "finished_at"])
        run = AnalysisRun(
            organization=organization,
            period_start=first,
            period_end=last,
            requested_by=requested_by,
        )
        run.full_clean()
        run.save()
        run_id, organization_id = run.pk, organization.pk
        transaction.on_commit(
            lambda: analysis_run_task.delay(
                organization_id,
                first.strftime("%Y-%m"),
                last.strftime("%Y-%m"),
                run_id=run_id,
            )
        )
    return run, True


def analysis_run_execute(
    *,
    organization_id: int,
    start: str | None = None,
    end: str | None = None,
    run_id: int | None = None,
) -> int | None:
    """The task's work: run once, record a failure on the run. Returns the run id.

    With ``run_id`` the queued run is claimed first (a conditional update), so a
    task delivered twice runs once; a run already claimed returns None.
    """
    organization = Organization.objects.get(pk=organization_id)
    run = None
    if run_id is not None:
        claimed = AnalysisRun.objects.filter(
            pk=run_id,
            organization=organization,
            status=AnalysisRun.Status.QUEUED,
        ).update(status=AnalysisRun.Status.RUNNING, started_at=timezone.now())
        if not claimed:
            return None
        run = AnalysisRun.objects.get(pk=run_id)
    try:
        return analysis_run(organization=organization, start=start, end=end, run=run).pk
    except Exception:
        logger.exception("analysis run failed for organization %s", organization_id)
        if run is None:
            raise
        # The details are in the log; the page says what to do next.
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisRun.Status.FAILED,
            error=_(
                "The analysis stopped because of an error, which has been logged. "
                "Start it again; if it stops again, tell your administrator."
            ),
            finished_at=timezone.now(),
        )
        return None
