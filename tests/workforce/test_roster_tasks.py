import datetime

import pytest
from django.utils import timezone

from tests.workforce.roster_csv import person, roster_csv, spells, table_counts
from workforce import roster
from workforce.models import RosterImport
from workforce.roster import roster_import, roster_import_queue, roster_import_upload
from workforce.tasks import roster_import_apply

EFFECTIVE = datetime.date(2025, 6, 1)


def _previewed(org, text):
    record = roster_import_upload(
        organization=org,
        uploaded_by=None,
        filename="roster.csv",
        data=text.encode(),
        effective_date=EFFECTIVE,
    )
    assert record.status == RosterImport.Status.PREVIEWED, record.errors
    return record


def _transfer_file(org_world):
    mover = org_world["people"][org_world["team_a1"]][0]
    return mover, roster_csv(
        person(
            employee_id=mover.employee_id,
            full_name=mover.full_name,
            email=mover.email,
            site="Northside",
            team="Hygiene",
            job_role=mover.job_role.name,
            phone="",
        ),
        person(employee_id="NEW1"),
    )


def test_task_applies_once_however_often_it_runs(org_world):
    mover, text = _transfer_file(org_world)
    record = _previewed(org_world["org"], text)
    RosterImport.objects.filter(pk=record.pk).update(status=RosterImport.Status.QUEUED)

    assert roster_import_apply(record.pk) is True
    after_first = table_counts()
    assert roster_import_apply(record.pk) is False
    assert roster_import_apply.delay(record.pk).get() is False

    assert table_counts() == after_first
    assert spells(mover) == [
        ("Front desk", "2024-01-15", "2025-06-01"),
        ("Hygiene", "2025-06-01", None),
    ]
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE
    assert record.summary["transfers"] == 1
    assert record.content == ""  # no copy of personal details kept once applied


def test_queue_claims_once_and_schedules_after_commit(
    org_world, django_capture_on_commit_callbacks
):
    _mover, text = _transfer_file(org_world)
    record = _previewed(org_world["org"], text)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert roster_import_queue(roster_import=record) is True
        assert roster_import_queue(roster_import=record) is False
    assert len(callbacks) == 1
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE


@pytest.mark.parametrize(
    "status", [RosterImport.Status.PREVIEWED, RosterImport.Status.INVALID]
)
def test_task_ignores_imports_not_queued(org_world, status):
    _mover, text = _transfer_file(org_world)
    record = _previewed(org_world["org"], text)
    RosterImport.objects.filter(pk=record.pk).update(status=status)
    before = table_counts()
    assert roster_import_apply(record.pk) is False
    assert table_counts() == before
    record.refresh_from_db()
    assert record.status == status


def test_running_import_is_left_alone_until_stale(org_world):
    _mover, text = _transfer_file(org_world)
    record = _previewed(org_world["org"], text)
    RosterImport.objects.filter(pk=record.pk).update(
        status=RosterImport.Status.RUNNING, started_at=timezone.now()
    )
    before = table_counts()
    assert roster_import_apply(record.pk) is False
    assert table_counts() == before

    # A worker that died mid-import rolled back; after an hour it may be retried.
    RosterImport.objects.filter(pk=record.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert roster_import_apply(record.pk) is True
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE


def test_data_changed_since_preview_fails_cleanly(org_world):
    org = org_world["org"]
    staff = org_world["people"][org_world["team_a1"]][0]
    leaving = roster_csv(
        person(
            employee_id=staff.employee_id,
            full_name=staff.full_name,
            email=staff.email,
            phone="",
            site="Northside",
            team="Front desk",
            job_role=staff.job_role.name,
            termination_date="2025-05-01",
            termination_reason="voluntary",
        )
    )
    record = _previewed(org, leaving)
    # Meanwhile someone records a transfer on 2025-06-01.
    roster_import(
        organization=org,
        file=roster_csv(
            person(
                employee_id=staff.employee_id,
                full_name=staff.full_name,
                email=staff.email,
                phone="",
                site="Northside",
                team="Hygiene",
                job_role=staff.job_role.name,
            )
        ),
        effective_date=EFFECTIVE,
    )
    before = table_counts()
    RosterImport.objects.filter(pk=record.pk).update(status=RosterImport.Status.QUEUED)
    assert roster_import_apply(record.pk) is False
    record.refresh_from_db()
    assert record.status == RosterImport.Status.FAILED
    assert [(e["row"], e["column"]) for e in record.errors] == [(2, "termination_date")]
    assert record.finished_at is not None
    assert table_counts() == before
    staff.refresh_from_db()
    assert staff.termination_date is None


def test_unexpected_error_fails_the_import_and_writes_nothing(org_world, monkeypatch):
    _mover, text = _transfer_file(org_world)
    record = _previewed(org_world["org"], text)
    RosterImport.objects.filter(pk=record.pk).update(status=RosterImport.Status.QUEUED)

    real_write = roster.services.write_changes

    def broken_write(plan, progress):
        real_write(plan, progress)  # everything written, then the failure
        raise RuntimeError("disk full")

    monkeypatch.setattr("workforce.roster.services.write_changes", broken_write)
    before = table_counts()
    assert roster_import_apply(record.pk) is False
    assert table_counts() == before
    record.refresh_from_db()
    assert record.status == RosterImport.Status.FAILED
    assert "nothing was changed" in record.errors[0]["message"]


@pytest.mark.redis
def test_task_runs_on_a_real_worker(celery_live_worker, org_world):
    mover, text = _transfer_file(org_world)
    record = _previewed(org_world["org"], text)
    RosterImport.objects.filter(pk=record.pk).update(status=RosterImport.Status.QUEUED)
    assert roster_import_apply.delay(record.pk).get(timeout=60) is True
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE
    mover.refresh_from_db()
    assert mover.team == org_world["team_a2"]
