"""Evidence files: accepted by content, size-limited, stored privately."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.workforce.training.conftest import (
    DOCX_BYTES,
    HTML_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
)
from tests.workforce.training.factories import CourseFactory
from workforce.training.evidence import (
    MAX_EVIDENCE_BYTES,
    check_evidence,
    evidence_storage,
)
from workforce.training.models import Completion
from workforce.training.services import (
    completion_attach_evidence,
    completion_record,
)


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize(
    ("name", "content", "label"),
    [
        ("bls card.pdf", PDF_BYTES, "PDF"),
        ("CARD.PDF", PDF_BYTES, "PDF"),
        ("scan.png", PNG_BYTES, "PNG"),
        ("photo.jpg", JPEG_BYTES, "JPEG"),
        ("photo.jpeg", JPEG_BYTES, "JPEG"),
    ],
)
def test_accepted_kinds(name, content, label):
    assert check_evidence(upload(name, content)).label == label


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        # Renamed to .pdf, but a Word document (ZIP) or a web page inside.
        ("certificate.pdf", DOCX_BYTES, "wrong_type"),
        ("certificate.pdf", HTML_BYTES, "wrong_type"),
        ("certificate.docx", DOCX_BYTES, "wrong_type"),
        # A real PNG whose name claims PDF: the name must agree.
        ("certificate.pdf", PNG_BYTES, "wrong_extension"),
        ("certificate", PDF_BYTES, "wrong_extension"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_refused_by_content(name, content, code):
    with pytest.raises(ValidationError) as caught:
        check_evidence(upload(name, content))
    assert caught.value.code == code


def test_size_limit_is_five_megabytes():
    padding = b"0" * (MAX_EVIDENCE_BYTES - len(PDF_BYTES))
    assert check_evidence(upload("ok.pdf", PDF_BYTES + padding)).label == "PDF"
    with pytest.raises(ValidationError) as caught:
        check_evidence(upload("big.pdf", PDF_BYTES + padding + b"0"))
    assert caught.value.code == "too_big"
    assert "over the 5.0\xa0MB limit" in caught.value.messages[0]


def test_storage_is_under_private_root_not_media():
    storage = evidence_storage()
    root = Path(settings.PRIVATE_STORAGE_ROOT).resolve()
    assert Path(storage.location).resolve().is_relative_to(root)
    assert (
        not Path(storage.location)
        .resolve()
        .is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    )
    with pytest.raises(ValueError, match="no URL"):
        storage.url("1/x.pdf")


def test_recorded_with_evidence_lands_in_private_storage(world):
    completion = completion_record(
        staff_member=world["bob"],
        course=world["hipaa"],
        completed_on=datetime.date(2025, 5, 20),
        evidence=upload("../../etc/HIPAA cert.pdf", PDF_BYTES),
    )
    completion.refresh_from_db()
    # The stored name is ours (organization/random), never the uploaded one.
    assert completion.evidence.name.startswith(f"{world['org'].pk}/")
    assert completion.evidence.name.endswith(".pdf")
    assert "HIPAA" not in completion.evidence.name
    assert completion.evidence_name == "HIPAA cert.pdf"
    path = Path(completion.evidence.path).resolve()
    assert path.is_relative_to(Path(settings.PRIVATE_STORAGE_ROOT).resolve())
    assert path.read_bytes() == PDF_BYTES
    # Expiry computed from the course's 12 months.
    assert completion.expires_on == datetime.date(2026, 5, 20)


def test_refused_evidence_writes_nothing(world):
    with pytest.raises(ValidationError):
        completion_record(
            staff_member=world["bob"],
            course=world["hipaa"],
            completed_on=datetime.date(2025, 5, 20),
            evidence=upload("HIPAA.pdf", DOCX_BYTES),
        )
    assert not Completion.objects.filter(
        staff_member=world["bob"], course=world["hipaa"]
    ).exists()
    storage_root = Path(evidence_storage().location)
    assert not storage_root.exists() or not any(storage_root.rglob("*.*"))


def test_replacing_evidence_deletes_the_old_file_after_commit(
    world, django_capture_on_commit_callbacks
):
    completion = world["completions"]["ann_bls"]
    first = completion_attach_evidence(
        completion=completion, file=upload("first.pdf", PDF_BYTES)
    )
    old_path = Path(first.evidence.path)
    with django_capture_on_commit_callbacks(execute=True):
        second = completion_attach_evidence(
            completion=completion, file=upload("second.png", PNG_BYTES)
        )
    assert not old_path.exists()
    assert Path(second.evidence.path).read_bytes() == PNG_BYTES
    assert second.evidence_name == "second.png"


def test_completion_record_validates(world):
    with pytest.raises(ValidationError, match="before the completion date"):
        completion_record(
            staff_member=world["bob"],
            course=world["hipaa"],
            completed_on=datetime.date(2025, 5, 20),
            expires_on=datetime.date(2025, 5, 19),
        )
    with pytest.raises(ValidationError, match="already has this course"):
        completion_record(
            staff_member=world["ann"],
            course=world["bls"],
            completed_on=datetime.date(2023, 7, 1),
        )
    with pytest.raises(ValidationError, match="another practice"):
        completion_record(
            staff_member=world["ann"],
            course=CourseFactory(organization=world["other_org"]),
            completed_on=datetime.date(2025, 5, 20),
        )
