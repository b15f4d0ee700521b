"""A Celery worker killed with SIGKILL in the middle of rendering a flywheel report.

A real worker process takes the report task and claims the render lease; its
WeasyPrint is slowed down (``tests.report_fault_settings``) and the worker is
killed while the report is "rendering". Nobody sends the task again: the broker
hands the unacknowledged message to a second worker by itself (a short Redis
visibility timeout, as in the settings module), which finds the dead worker's
lease run out, takes the report over and finishes it. There must be one report
row, done, one PDF in storage that reads, and one email to the owner and HR.
"""

import datetime
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from reports.flywheel_report.services import flywheel_report_get_or_create
from reports.models import FlywheelReport
from tests.faults import celery_subprocess_worker, wait_for  # noqa: F401
from tests.reports.health_world import PERIOD, build_health_world
from workforce.models import Role

LEASE_SECONDS = 3
# Long enough that the first worker is always killed inside it; the kill comes
# as soon as the row says the pages are being laid out.
RENDER_DELAY_SECONDS = 60
VISIBILITY_TIMEOUT_SECONDS = 5
DRAWING = "Drawing the charts and laying out the pages"


def _files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def _pdf_pages(path: Path) -> int:
    info = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True, timeout=30
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))


@pytest.fixture
def worker_logs(celery_subprocess_worker):  # noqa: F811
    """The workers' log tails, printed at teardown: pytest shows captured output
    only for a test that failed."""
    yield
    for number, worker in enumerate(celery_subprocess_worker.started, 1):
        print(f"--- worker {number} ---\n{worker.log()[-4000:]}")


@pytest.mark.fault
@pytest.mark.postgres
@pytest.mark.redis
def test_killed_worker_mid_render_report_made_once_and_emailed_once(
    celery_subprocess_worker,  # noqa: F811 (the fixture, imported above)
    worker_logs,
    org_world,
    settings,
    tmp_path,
):
    world = build_health_world(org_world)
    organization = world["org"]
    private = tmp_path / "private"
    settings.PRIVATE_STORAGE_ROOT = str(private)
    storage = private / "flywheel-reports"
    worker_env = {
        "DJANGO_SETTINGS_MODULE": "tests.report_fault_settings",
        "FAULT_PRIVATE_STORAGE_ROOT": private,
        "FAULT_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT_SECONDS,
        "FLYWHEEL_REPORT_LEASE_SECONDS": LEASE_SECONDS,
    }
    report, created = flywheel_report_get_or_create(
        organization=organization, period=PERIOD
    )
    assert created
    first = celery_subprocess_worker(
        **worker_env, FAULT_RENDER_DELAY_SECONDS=RENDER_DELAY_SECONDS
    )

    result = celery_subprocess_worker.send(
        "reports.flywheel_report", report.pk, notify=True
    )

    def laying_out():
        report.refresh_from_db()
        return report.status == FlywheelReport.Status.RENDERING and (
            report.step == DRAWING
        )

    wait_for(laying_out, timeout=60, what="the worker to lay out the report's pages")
    first.kill9()

    report.refresh_from_db()
    assert report.status == FlywheelReport.Status.RENDERING
    assert report.attempts == 1
    assert _files(storage) == [], "the killed render should have written nothing"
    lease_until = report.lease_until
    wait_for(
        lambda: timezone.now() > lease_until + datetime.timedelta(milliseconds=100),
        timeout=LEASE_SECONDS + 5,
        what="the dead worker's lease to run out",
    )

    second = celery_subprocess_worker(**worker_env)
    # The same message, redelivered: the task id the test sent, no second send.
    assert result.get(timeout=45) == FlywheelReport.Status.DONE
    assert f"reports.flywheel_report[{result.id}]" in second.log()

    reports = FlywheelReport.objects.filter(
        organization=organization,
        site__isnull=True,
        period_label=PERIOD,
        version=report.version,
    )
    assert reports.count() == 1
    report = reports.get()
    assert report.status == FlywheelReport.Status.DONE
    assert report.attempts == 2  # the killed claim, then the takeover
    assert report.lease_until is None
    assert _files(storage) == [Path(report.file.path)]
    assert _pdf_pages(Path(report.file.path)) == report.page_count > 1

    owner, hr = world["users"][Role.OWNER], world["users"][Role.HR]
    emails = [
        r for r in celery_subprocess_worker.outbox.sent() if r["channel"] == "email"
    ]
    assert len(emails) == 1
    assert sorted(emails[0]["to"]) == sorted([owner.email, hr.email])
    assert emails[0]["subject"] == (
        f"Flywheel health report for {organization.name}, {PERIOD}"
    )
    assert report.emailed_at is not None
