"""Background work for reports."""

from celery import shared_task

from reports.patients.batches import feedback_batch_run


@shared_task(name="reports.patient_feedback_apply")
def patient_feedback_apply(batch_id: int) -> bool:
    """Import a queued patient feedback batch; a repeat call does nothing."""
    return feedback_batch_run(batch_id=batch_id)
