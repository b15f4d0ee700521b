"""Background work for reports."""

from celery import shared_task

from reports.patients.batches import feedback_batch_run
from reports.services import analysis_run_execute


@shared_task(name="reports.patient_feedback_apply")
def patient_feedback_apply(batch_id: int) -> bool:
    """Import a queued patient feedback batch; a repeat call does nothing."""
    return feedback_batch_run(batch_id=batch_id)


@shared_task(name="reports.analysis_run")
def analysis_run_task(
    organization_id: int,
    start: str | None = None,
    end: str | None = None,
    run_id: int | None = None,
) -> int | None:
    """Run the flywheel analysis for months ``start``..``end`` (``YYYY-MM``).

    With ``run_id`` (a run queued from the page) a repeat delivery does nothing.
    Returns the id of the run holding the results (an earlier one when nothing
    changed).
    """
    return analysis_run_execute(
        organization_id=organization_id, start=start, end=end, run_id=run_id
    )


@shared_task(
    name="reports.flywheel_report",
    bind=True,
    max_retries=6,
    acks_late=True,
    reject_on_worker_lost=True,
)
def flywheel_report_task(self, report_id: int, notify: bool = False) -> str | None:
    """Render flywheel report ``report_id`` once; email owners and HR if asked.

    A repeat delivery finds the report done and does nothing (but the email,
    which is sent once per report). While another worker holds a live render
    lease, retry once it would have run out: if that worker was killed, this
    delivery takes over.
    """
    from reports.flywheel_report.services import (
        flywheel_report_notify,
        flywheel_report_render,
        lease_seconds,
    )
    from reports.models import FlywheelReport

    report = FlywheelReport.objects.filter(pk=report_id).first()
    if report is None:
        return None
    report = flywheel_report_render(report=report)
    if report.status == FlywheelReport.Status.RENDERING:
        raise self.retry(countdown=lease_seconds() + 1)
    if notify:
        flywheel_report_notify(report=report)
    return report.status


@shared_task(name="reports.flywheel_reports_monthly")
def flywheel_reports_monthly_task() -> int:
    """Queue last month's reports for every organization and site (beat)."""
    from reports.flywheel_report.services import flywheel_reports_monthly

    return flywheel_reports_monthly()
