"""The back-office flow for patient score files: upload, preview, import, undo.

The upload is checked at once (first pass) and a copy holding only the
accepted columns is kept under ``PRIVATE_STORAGE_ROOT`` for the worker; columns
dropped at the door never reach the disk. Confirming queues a Celery task that
imports the copy (both passes again, against the sites and teams of that
moment) and deletes it.
"""

import contextlib
import logging
import os
import uuid
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import PatientFeedback, PatientFeedbackBatch
from workforce.models import Organization
from workforce.selectors import can_manage_organization
from workforce.skills.csvfile import ImportProblem

from .csvstream import ImportRejected
from .imports import (
    already_imported,
    audit_feedback_import,
    counting_batch,
    feedback_check,
    write_rows,
)

logger = logging.getLogger(__name__)

# A worker killed mid-import leaves "running" behind; its transaction rolled
# back, so after this long the batch may be claimed again.
STALE_RUNNING = timedelta(hours=1)


def pending_dir() -> Path:
    # Read at call time: tests and deployments may set the root late.
    return Path(settings.PRIVATE_STORAGE_ROOT) / "patient-feedback"


def _pending_path(name: str) -> Path:
    return pending_dir() / Path(name).name


def _delete_pending(batch: PatientFeedbackBatch) -> None:
    if batch.pending_file:
        with contextlib.suppress(FileNotFoundError):
            os.remove(_pending_path(batch.pending_file))
        batch.pending_file = ""


def _rewound(file):
    @contextlib.contextmanager
    def open_file():
        file.seek(0)
        yield file

    return open_file


def feedback_upload(
    *,
    organization: Organization,
    uploaded_by,
    filename: str,
    file,
    drop_extra_columns: bool = False,
) -> PatientFeedbackBatch:
    """Check an uploaded file and keep its accepted columns for confirmation."""
    batch = PatientFeedbackBatch(
        organization=organization,
        created_by=uploaded_by,
        filename=filename[:255],
    )
    directory = pending_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.csv"
    path = directory / name
    try:
        with path.open("w", encoding="utf-8", newline="") as copy:
            check, lookups = feedback_check(
                organization=organization,
                open_file=_rewound(file),
                drop_extra_columns=drop_extra_columns,
                copy_to=copy,
            )
        earlier = counting_batch(organization, check.sha256)
        if earlier is not None:
            raise already_imported(earlier)
    except ImportRejected as exc:
        path.unlink(missing_ok=True)
        batch.status = PatientFeedbackBatch.Status.INVALID
        batch.errors = exc.as_dicts()
        batch.error_count = exc.total
    else:
        batch.status = PatientFeedbackBatch.Status.PREVIEWED
        batch.file_sha256 = check.sha256
        batch.rows = check.rows
        batch.dropped_columns = check.dropped_columns
        batch.summary = check.summary(lookups)
        batch.pending_file = name
    batch.save()
    return batch


def feedback_batch_queue(*, batch: PatientFeedbackBatch) -> bool:
    """Queue a previewed batch; False if it was already queued or is gone.

    Raises ImportRejected when the same file has been queued or imported since
    the preview (the unique constraint decides, not a check beforehand).
    """
    from reports.tasks import patient_feedback_apply

    try:
        with transaction.atomic():
            claimed = PatientFeedbackBatch.objects.filter(
                pk=batch.pk, status=PatientFeedbackBatch.Status.PREVIEWED
            ).update(status=PatientFeedbackBatch.Status.QUEUED)
    except IntegrityError:
        earlier = counting_batch(batch.organization, batch.file_sha256)
        if earlier is None:
            raise
        raise already_imported(earlier) from None
    if claimed:
        batch_id = batch.pk
        transaction.on_commit(lambda: patient_feedback_apply.delay(batch_id))
    return bool(claimed)


def _progress_key(batch_id: int) -> str:
    return f"patient-feedback-batch:{batch_id}:progress"


def feedback_batch_run(*, batch_id: int) -> bool:
    """Import a queued batch once; False when there was nothing to do.

    The conditional UPDATE is the claim: of two workers given the same id only
    one moves it from queued to running.
    """
    now = timezone.now()
    claimable = Q(status=PatientFeedbackBatch.Status.QUEUED) | Q(
        status=PatientFeedbackBatch.Status.RUNNING, started_at__lt=now - STALE_RUNNING
    )
    claimed = PatientFeedbackBatch.objects.filter(claimable, pk=batch_id).update(
        status=PatientFeedbackBatch.Status.RUNNING, started_at=now
    )
    if not claimed:
        return False
    batch = PatientFeedbackBatch.objects.select_related("organization").get(pk=batch_id)
    key = _progress_key(batch_id)

    def progress(stage, done, total):
        # The rows are one transaction, invisible to the status page until the
        # end, so live progress travels through the cache instead.
        cache.set(key, done, timeout=int(STALE_RUNNING.total_seconds()))

    path = _pending_path(batch.pending_file)

    def open_file():
        return path.open("rb")

    try:
        with transaction.atomic():
            check, lookups = feedback_check(
                organization=batch.organization, open_file=open_file
            )
            batch.rows = write_rows(
                batch=batch,
                open_file=open_file,
                drop_extra_columns=False,
                lookups=lookups,
                expected=check,
                progress=progress,
            )
            batch.status = PatientFeedbackBatch.Status.DONE
            batch.summary = check.summary(lookups)
            batch.progress_done = batch.rows
            batch.finished_at = timezone.now()
            batch.save()
            audit_feedback_import(batch)
    except ImportRejected as exc:
        batch.status = PatientFeedbackBatch.Status.FAILED
        batch.errors = exc.as_dicts()
        batch.error_count = exc.total
    except Exception:
        logger.exception("Patient feedback batch %s failed", batch_id)
        batch.status = PatientFeedbackBatch.Status.FAILED
        batch.errors = [
            asdict(
                ImportProblem(
                    None,
                    "",
                    _(
                        "An unexpected error stopped the import and nothing was "
                        "imported. Upload the file again; if it happens again, "
                        "contact support."
                    ),
                )
            )
        ]
        batch.error_count = 1
    if batch.status == PatientFeedbackBatch.Status.FAILED:
        batch.finished_at = timezone.now()
        batch.rows = 0
        batch.save()
    _delete_pending(batch)
    PatientFeedbackBatch.objects.filter(pk=batch.pk).update(pending_file="")
    cache.delete(key)
    return batch.status == PatientFeedbackBatch.Status.DONE


def feedback_batch_discard(*, batch: PatientFeedbackBatch) -> bool:
    """Forget a previewed or rejected upload (and its waiting copy)."""
    with transaction.atomic():
        locked = (
            PatientFeedbackBatch.objects.select_for_update()
            .filter(
                pk=batch.pk,
                status__in=[
                    PatientFeedbackBatch.Status.PREVIEWED,
                    PatientFeedbackBatch.Status.INVALID,
                ],
            )
            .first()
        )
        if locked is None:
            return False
        _delete_pending(locked)
        locked.delete()
    return True


def feedback_batch_progress(batch: PatientFeedbackBatch) -> tuple[int, int]:
    """(rows written, rows in the file) for the status page."""
    if batch.status == PatientFeedbackBatch.Status.RUNNING:
        return cache.get(_progress_key(batch.pk)) or 0, batch.rows
    return batch.progress_done, batch.rows


def feedback_batch_undo(*, batch: PatientFeedbackBatch, undone_by) -> int | None:
    """Delete an imported batch's scores; the number deleted, None if not imported.

    The file may then be imported again.
    """
    with transaction.atomic():
        locked = (
            PatientFeedbackBatch.objects.select_for_update()
            .filter(pk=batch.pk, status=PatientFeedbackBatch.Status.DONE)
            .first()
        )
        if locked is None:
            return None
        # PatientFeedback has no reverse relations or signals, so this is one
        # DELETE statement however many rows the batch has.
        deleted, _by_model = PatientFeedback.objects.filter(batch=locked).delete()
        locked.status = PatientFeedbackBatch.Status.UNDONE
        locked.undone_at = timezone.now()
        locked.undone_by = undone_by
        locked.save(update_fields=["status", "undone_at", "undone_by"])
    return deleted


def feedback_batches_for(user) -> QuerySet[PatientFeedbackBatch]:
    """Batches the user may see: their organization's, for owner and HR."""
    if not can_manage_organization(user):
        return PatientFeedbackBatch.objects.none()
    return PatientFeedbackBatch.objects.filter(organization_id=user.organization_id)
