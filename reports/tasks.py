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
