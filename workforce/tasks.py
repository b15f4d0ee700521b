"""Background work for the workforce app."""

from celery import shared_task

from .roster import roster_import_run


@shared_task(name="workforce.roster_import_apply")
def roster_import_apply(import_id: int) -> bool:
    """Apply a queued roster import; a repeat call does nothing (see the claim)."""
    return roster_import_run(import_id=import_id)
