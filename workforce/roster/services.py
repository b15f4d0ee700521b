"""Importing a roster: the command's service and the back-office flow."""

import logging
import zoneinfo
from dataclasses import asdict
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from workforce.audit import audit_record
from workforce.models import AuditEvent, Organization, RosterImport
from workforce.selectors import can_manage_organization

from .changes import Progress, RosterImportResult, plan_changes, write_changes
from .parsing import RosterError, RosterImportError, decode_roster, parse_roster

logger = logging.getLogger(__name__)


def _text_of(file) -> str:
    if isinstance(file, str):
        return file.removeprefix("\ufeff")
    if isinstance(file, bytes | bytearray):
        return decode_roster(bytes(file))
    return _text_of(file.read())


def organization_today(organization: Organization) -> date:
    """Today's date where the organization is (the default effective date)."""
    try:
        zone = zoneinfo.ZoneInfo(organization.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return timezone.localdate(timezone=zone)


def roster_preview(
    *, organization: Organization, file, effective_date: date | None = None
) -> RosterImportResult:
    """What importing ``file`` would change; writes nothing."""
    rows = parse_roster(_text_of(file))
    effective_date = effective_date or organization_today(organization)
    return plan_changes(organization, rows, effective_date).result


def roster_import(
    *,
    organization: Organization,
    file,
    effective_date: date | None = None,
    progress: Progress | None = None,
    actor=None,
    target: str = "Roster import",
) -> RosterImportResult:
    """Import a roster CSV (bytes, text or a file) all-or-nothing.

    Raises RosterImportError with every problem found, having written nothing.
    ``progress(done, total)`` is called with done=0 once every row has been
    checked, then after each batch of people written.
    """
    rows = parse_roster(_text_of(file))
    effective_date = effective_date or organization_today(organization)
    report = progress or (lambda done, total: None)
    with transaction.atomic():
        # One import at a time per organization: a plan is only right for the
        # data it was made from.
        Organization.objects.select_for_update().get(pk=organization.pk)
        plan = plan_changes(organization, rows, effective_date)
        report(0, len(rows))
        write_changes(plan, report)
        audit_record(
            organization=organization,
            actor=actor,
            action=AuditEvent.Action.IMPORT_APPLIED,
            target=target,
            detail={"kind": "roster", **_audit_counts(plan.result)},
        )
    return plan.result


def _audit_counts(result: RosterImportResult) -> dict:
    data = result.as_dict()
    # Counts and dates only: the samples name people.
    data.pop("samples", None)
    return data


# --- The back-office flow: upload, preview, apply in the background ----------


def roster_import_upload(
    *,
    organization: Organization,
    uploaded_by,
    filename: str,
    data: bytes,
    effective_date: date | None = None,
) -> RosterImport:
    """Check an uploaded roster and keep it for preview; nothing is applied yet."""
    record = RosterImport(
        organization=organization,
        uploaded_by=uploaded_by,
        original_filename=filename[:255],
        effective_date=effective_date or organization_today(organization),
    )
    try:
        text = decode_roster(data)
        result = roster_preview(
            organization=organization, file=text, effective_date=record.effective_date
        )
    except RosterImportError as exc:
        record.status = RosterImport.Status.INVALID
        record.errors = exc.as_dicts()
    else:
        record.status = RosterImport.Status.PREVIEWED
        record.content = text
        record.summary = result.as_dict()
        record.progress_total = result.rows
    record.full_clean()
    record.save()
    return record


def roster_import_queue(*, roster_import: RosterImport) -> bool:
    """Queue a previewed import to be applied; False if it was already queued."""
    from workforce.tasks import roster_import_apply

    claimed = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.PREVIEWED
    ).update(status=RosterImport.Status.QUEUED)
    if claimed:
        import_id = roster_import.pk
        transaction.on_commit(lambda: roster_import_apply.delay(import_id))
    return bool(claimed)


# A worker killed mid-import leaves "running" behind; its transaction rolled
# back, so after this long the import may be claimed again.
STALE_RUNNING = timedelta(hours=1)


def _progress_key(import_id: int) -> str:
    return f"roster-import:{import_id}:progress"


def roster_import_run(*, import_id: int) -> bool:
    """Apply a queued import once. Returns False when there was nothing to do.

    The conditional UPDATE is the claim: of two workers given the same id only
    one moves it from queued to running.
    """
    now = timezone.now()
    claimable = Q(status=RosterImport.Status.QUEUED) | Q(
        status=RosterImport.Status.RUNNING, started_at__lt=now - STALE_RUNNING
    )
    claimed = RosterImport.objects.filter(claimable, pk=import_id).update(
        status=RosterImport.Status.RUNNING, started_at=now
    )
    if not claimed:
        return False
    record = RosterImport.objects.select_related("organization").get(pk=import_id)
    key = _progress_key(import_id)

    def progress(done, total):
        # The writes are one transaction, invisible to the status page until
        # the end, so live progress travels through the cache instead.
        cache.set(key, (done, total), timeout=int(STALE_RUNNING.total_seconds()))

    try:
        result = roster_import(
            organization=record.organization,
            file=record.content,
            effective_date=record.effective_date,
            progress=progress,
            actor=record.uploaded_by,
            target=f"Roster import #{record.pk}: {record.original_filename}",
        )
    except RosterImportError as exc:
        record.status = RosterImport.Status.FAILED
        record.errors = exc.as_dicts()
    except Exception:
        logger.exception("Roster import %s failed", import_id)
        record.status = RosterImport.Status.FAILED
        record.errors = [
            asdict(
                RosterError(
                    None,
                    "",
                    _(
                        "An unexpected error stopped the import and nothing was "
                        "changed. Upload the file again; if it happens again, "
                        "contact support."
                    ),
                )
            )
        ]
    else:
        record.status = RosterImport.Status.DONE
        record.summary = result.as_dict()
        record.progress_done = record.progress_total = result.rows
    record.finished_at = timezone.now()
    # The file holds personal details already in (or rejected from) the staff
    # records; once the import has finished there is no reason to keep a copy.
    record.content = ""
    record.save(
        update_fields=[
            "content",
            "status",
            "errors",
            "summary",
            "progress_done",
            "progress_total",
            "finished_at",
        ]
    )
    cache.delete(key)
    return record.status == RosterImport.Status.DONE


def roster_import_progress(record: RosterImport) -> tuple[int, int]:
    """(rows written, rows in the file) for the status page."""
    if record.status == RosterImport.Status.RUNNING:
        done, total = cache.get(_progress_key(record.pk)) or (0, 0)
        return done, total or record.progress_total
    return record.progress_done, record.progress_total


def roster_imports_for(user) -> QuerySet[RosterImport]:
    """Imports the user may see: their own organization's, for owner and HR."""
    if not can_manage_organization(user):
        return RosterImport.objects.none()
    return RosterImport.objects.filter(organization_id=user.organization_id)
