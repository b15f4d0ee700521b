"""Background work for training: the daily expiry reminders."""

from celery import shared_task

from workforce.models import Organization

from .reminders import reminders_send_due


@shared_task(name="training.send_reminders")
def training_send_reminders() -> dict:
    """Email every reminder due today, organization by organization.

    Safe to run twice or after a crash: each reminder is claimed in a unique
    row before it is sent (see reminders.py).
    """
    totals = {"sent": 0, "skipped": 0, "failed": 0}
    for organization in Organization.objects.order_by("pk"):
        result = reminders_send_due(organization=organization)
        totals["sent"] += result.sent
        totals["skipped"] += result.skipped
        totals["failed"] += result.failed
    return totals
