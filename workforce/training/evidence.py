"""Evidence files (certificates, cards): where they live and what is accepted.

They hold personal details, so they are kept under ``PRIVATE_STORAGE_ROOT`` —
outside MEDIA_ROOT and the web root — have no URL, and are only ever streamed
by the evidence view to someone allowed to see the person's records.

What a file is comes from its first bytes, not from its name or the type the
browser claims: a Word document renamed ``.pdf`` is refused. The name must
agree with the content too, so what a downloader's computer opens it with is
what it is.
"""

import os
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceKind:
    label: str
    content_type: str
    extension: str
    extensions: frozenset[str]
    magic: bytes


KINDS = (
    EvidenceKind("PDF", "application/pdf", ".pdf", frozenset({".pdf"}), b"%PDF-"),
    EvidenceKind("PNG", "image/png", ".png", frozenset({".png"}), b"\x89PNG\r\n\x1a\n"),
    EvidenceKind(
        "JPEG",
        "image/jpeg",
        ".jpg",
        frozenset({".jpg", ".jpeg"}),
        b"\xff\xd8\xff",
    ),
)
ACCEPT = ",".join(
    sorted({ext for kind in KINDS for ext in kind.extensions})
    + [kind.content_type for kind in KINDS]
)
_HEAD = max(len(kind.magic) for kind in KINDS)


class EvidenceStorage(FileSystemStorage):
    """Files under ``PRIVATE_STORAGE_ROOT/training-evidence``; never a URL.

    The location is read from settings on every use (not cached at start-up)
    so tests and deployments that set ``PRIVATE_STORAGE_ROOT`` late still land
    in the right place.
    """

    def __init__(self):
        super().__init__(
            base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700
        )

    @property
    def base_location(self):
        return os.path.join(settings.PRIVATE_STORAGE_ROOT, "training-evidence")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Evidence files have no URL; use the evidence view.")


_storage = EvidenceStorage()


def evidence_storage():
    """The storage of Completion.evidence (a callable keeps paths out of migrations)."""
    return _storage


def evidence_file_name(instance, filename: str) -> str:
    """``<organization id>/<random>.<ext>``: the person's file name is not used on
    disk (it is kept in the record for the download)."""
    extension = PurePath(filename).suffix.lower()
    return f"{instance.staff_member.organization_id}/{uuid.uuid4().hex}{extension}"


def detect_kind(head: bytes) -> EvidenceKind | None:
    for kind in KINDS:
        if head.startswith(kind.magic):
            return kind
    return None


def check_evidence(upload) -> EvidenceKind:
    """The kind of an uploaded evidence file, or ValidationError saying why not.

    Checks the size, then the content's first bytes, then that the name's
    extension agrees with the content.
    """
    size = upload.size
    if size is None or size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _(
                "The file is %(size)s, over the %(max)s limit. Scan it at a lower "
                "resolution or in black and white and upload it again."
            )
            % {
                "size": filesizeformat(size or 0),
                "max": filesizeformat(MAX_EVIDENCE_BYTES),
            },
            code="too_big",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(_HEAD)
    upload.seek(0)
    kind = detect_kind(head)
    if kind is None:
        raise ValidationError(
            _(
                "This file is not a PDF, PNG or JPEG (whatever its name says). "
                "Scan or save the certificate as one of those and upload it again."
            ),
            code="wrong_type",
        )
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in kind.extensions:
        raise ValidationError(
            _(
                "The file is a %(kind)s but its name ends in “%(ext)s”. Rename it "
                "to end in %(expected)s and upload it again."
            )
            % {
                "kind": kind.label,
                "ext": extension or _("no extension"),
                "expected": " / ".join(sorted(kind.extensions)),
            },
            code="wrong_extension",
        )
    return kind


def kind_of_name(name: str) -> EvidenceKind | None:
    """The kind a stored file was accepted as, from the extension we gave it."""
    extension = PurePath(name).suffix.lower()
    for kind in KINDS:
        if extension in kind.extensions:
            return kind
    return None
