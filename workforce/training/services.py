"""Writes for training: completions and their evidence files."""

from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workforce.models import StaffMember

from .evidence import check_evidence
from .expiry import expiry_from
from .models import Completion, Course

EVIDENCE_NAME_MAX = Completion._meta.get_field("evidence_name").max_length


def normalise_course_name(name: str) -> str:
    return " ".join(name.split())


def _evidence_name(upload) -> str:
    """The uploaded file's name without any folders, kept for the download."""
    name = PurePath((upload.name or "").replace("\\", "/")).name
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    return stem[: EVIDENCE_NAME_MAX - len(suffix)] + suffix


def _store_evidence(completion: Completion, upload) -> str | None:
    """Check ``upload`` and attach it; returns the name of the file it replaces."""
    check_evidence(upload)
    old = completion.evidence.name or None
    completion.evidence_name = _evidence_name(upload)
    # Saves the file under a fresh random name; the row is saved by the caller.
    completion.evidence.save(upload.name, upload, save=False)
    return old


def _delete_file_after_commit(completion: Completion, name: str | None):
    if not name:
        return
    storage = completion.evidence.storage
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def completion_record(
    *,
    staff_member: StaffMember,
    course: Course,
    completed_on: date,
    expires_on: date | None = None,
    cpd_hours: Decimal | int = 0,
    evidence=None,
    recorded_by=None,
) -> Completion:
    """Record that ``staff_member`` completed ``course`` on ``completed_on``.

    Without ``expires_on`` the expiry follows from the course's validity.
    ``evidence``, if given, must be a PDF, PNG or JPEG of at most 5 MB.
    """
    if course.organization_id != staff_member.organization_id:
        raise ValidationError(_("The course belongs to another practice."))
    completion = Completion(
        staff_member=staff_member,
        course=course,
        completed_on=completed_on,
        expires_on=(
            expires_on
            if expires_on is not None
            else expiry_from(completed_on, course.validity_months)
        ),
        cpd_hours=cpd_hours,
        recorded_by=recorded_by,
    )
    completion.full_clean(exclude=["evidence"])
    if evidence is None:
        completion.save()
        return completion
    _store_evidence(completion, evidence)
    try:
        completion.save()
    except Exception:
        # Do not leave a file behind for a row that was never written.
        completion.evidence.storage.delete(completion.evidence.name)
        raise
    return completion


@transaction.atomic
def completion_attach_evidence(*, completion: Completion, file) -> Completion:
    """Attach ``file`` as the evidence of ``completion``, replacing any earlier one
    (the earlier file is deleted once the change is committed)."""
    completion = Completion.objects.select_for_update().get(pk=completion.pk)
    old = _store_evidence(completion, file)
    completion.save(update_fields=["evidence", "evidence_name"])
    _delete_file_after_commit(completion, old)
    return completion
