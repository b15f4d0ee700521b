"""The patient feedback import task, on a real Celery worker."""

import io

import pytest

from reports.models import PatientFeedback, PatientFeedbackBatch
from reports.patients.batches import feedback_upload
from reports.tasks import patient_feedback_apply


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")


class Upload(io.BytesIO):
    name = "scores.csv"


def test_task_runs_on_a_real_worker(celery_live_worker, org_world):
    batch = feedback_upload(
        organization=org_world["org"],
        uploaded_by=None,
        filename="scores.csv",
        file=Upload(b"site,team,date,score\nNorthside,Hygiene,2025-01-02,9\n"),
    )
    PatientFeedbackBatch.objects.filter(pk=batch.pk).update(
        status=PatientFeedbackBatch.Status.QUEUED
    )

    assert patient_feedback_apply.delay(batch.pk).get(timeout=60) is True
    # A second delivery of the same task finds nothing to do.
    assert patient_feedback_apply.delay(batch.pk).get(timeout=60) is False

    batch.refresh_from_db()
    assert batch.status == PatientFeedbackBatch.Status.DONE
    assert PatientFeedback.objects.filter(batch=batch).count() == 1
