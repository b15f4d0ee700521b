"""The flywheel report PDF: content and suppression (pdftotext), page layout
(pdftoppm, pdfinfo), exactly-once generation, the email, the pages, the command."""

import datetime
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageStat

from reports.flywheel_report import services
from reports.flywheel_report.render import RenderedReport
from reports.flywheel_report.services import (
    flywheel_report_generate,
    flywheel_report_get_or_create,
    flywheel_reports_monthly,
)
from reports.models import FlywheelReport
from reports.tasks import flywheel_report_task
from tests.reports.health_world import (
    HIDDEN_ENGAGEMENT,
    PERIOD,
    TODAY,
    build_health_world,
)
from workforce.models import AuditEvent, Role

D = datetime.date
A4_POINTS = (595.28, 841.89)
LETTER_POINTS = (612.0, 792.0)


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")


@pytest.fixture
def world(org_world, monkeypatch):
    monkeypatch.setattr("reports.health.organization_today", lambda organization: TODAY)
    return build_health_world(org_world)


def _pdf_path(report) -> Path:
    return Path(report.file.path)


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _page_size(path: Path) -> tuple[float, float]:
    info = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True
    ).stdout
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    return float(match.group(1)), float(match.group(2))


def _pages_as_png(path: Path, directory: Path) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(path), str(directory / "page")],
        check=True,
    )
    return sorted(directory.glob("page-*.png"))


# --- content and layout (real rendering) -----------------------------------------


def test_organization_report_shows_released_figures_and_hides_small_groups(
    world, tmp_path
):
    report = flywheel_report_generate(organization=world["org"], period=PERIOD)
    assert report.status == FlywheelReport.Status.DONE
    text = _text(_pdf_path(report))
    flat = " ".join(text.split())

    # Released groups' figures are there.
    assert "Flywheel health report" in text
    assert re.search(r"Front desk 5 30\.0 80\.0 -100\.0", flat)
    assert re.search(r"Other teams at 5 50\.0 40\.0 -40\.0", flat)
    # Hygiene answered twice: listed, never with its figures.
    assert re.search(r"Hygiene Not shown: fewer than 5", flat)
    assert f"{HIDDEN_ENGAGEMENT}" not in text
    assert "100.0 12.5" not in flat
    # Patient NPS from 3 answers is not a score.
    assert "Hygiene 2025-03 too few answers 3" in flat
    # Actions name the skills and the team, with evidence.
    assert (
        "Cross-training plan for Impressions, Sterile setup in Hygiene (Northside)"
        in flat
    )
    assert "Workload review in Front desk (Northside)" in flat
    # The methods appendix states the threshold and freshness.
    assert "fewer than 5 answers" in flat
    assert "latest patient answer 6 Mar 2025" in flat

    pages = _pages_as_png(_pdf_path(report), tmp_path)
    assert len(pages) == report.page_count >= 8
    for page in pages:
        grey = Image.open(page).convert("L")
        # A blank page is one flat colour; every page has text or a chart.
        assert ImageStat.Stat(grey).stddev[0] > 8, f"{page.name} looks blank"
    width, height = _page_size(_pdf_path(report))
    assert (width, height) == pytest.approx(A4_POINTS, abs=1)


def test_site_report_on_letter_paper_leaves_other_sites_out(world, tmp_path):
    report = flywheel_report_generate(
        organization=world["org"], site=world["site_b"], period=PERIOD, paper="letter"
    )
    path = _pdf_path(report)
    assert _page_size(path) == pytest.approx(LETTER_POINTS, abs=1)
    text = _text(path)
    assert "Southside (Brightsmile)" in text
    assert "Northside" not in text
    assert "Hygiene" not in text
    pages = _pages_as_png(path, tmp_path)
    assert len(pages) == report.page_count
    for page in pages:
        assert ImageStat.Stat(Image.open(page).convert("L")).stddev[0] > 8


# --- exactly once ------------------------------------------------------------------


@pytest.fixture
def counted_renders(monkeypatch):
    """Replace the PDF rendering with a counter: these tests are about the rows."""
    calls = []

    def fake(health, *, paper):
        calls.append((health.scope.label, paper))
        return RenderedReport(pdf=b"%PDF-1.7 fake", page_count=3, html="")

    monkeypatch.setattr(services, "report_pdf", fake)
    monkeypatch.setattr(services, "flywheel_health", lambda **kwargs: _Health(kwargs))
    return calls


class _Health:
    def __init__(self, kwargs):
        site = kwargs.get("site")
        self.scope = type("S", (), {"label": site.name if site else "org"})()


def test_generating_twice_renders_once(world, counted_renders):
    first = flywheel_report_generate(organization=world["org"], period=PERIOD)
    second = flywheel_report_generate(organization=world["org"], period=PERIOD)
    assert first.pk == second.pk
    assert second.status == FlywheelReport.Status.DONE
    assert len(counted_renders) == 1
    assert FlywheelReport.objects.count() == 1
    assert _pdf_path(second).read_bytes() == b"%PDF-1.7 fake"
    # No temporary file is left beside it.
    assert [p.name for p in _pdf_path(second).parent.iterdir()] == [
        _pdf_path(second).name
    ]


def test_task_run_twice_renders_once(world, counted_renders):
    report, _ = flywheel_report_get_or_create(organization=world["org"], period=PERIOD)
    assert flywheel_report_task.delay(report.pk).get() == "done"
    assert flywheel_report_task.delay(report.pk).get() == "done"
    assert len(counted_renders) == 1


def test_a_live_lease_keeps_a_second_call_off(world, counted_renders):
    report, _ = flywheel_report_get_or_create(organization=world["org"], period=PERIOD)
    FlywheelReport.objects.filter(pk=report.pk).update(
        status=FlywheelReport.Status.RENDERING,
        lease_until=timezone.now() + datetime.timedelta(minutes=5),
    )
    again = flywheel_report_generate(organization=world["org"], period=PERIOD)
    assert again.status == FlywheelReport.Status.RENDERING
    assert counted_renders == []


def test_a_dead_workers_expired_lease_is_taken_over_and_finished(
    world, counted_renders
):
    report, _ = flywheel_report_get_or_create(organization=world["org"], period=PERIOD)
    FlywheelReport.objects.filter(pk=report.pk).update(
        status=FlywheelReport.Status.RENDERING,
        attempts=1,
        lease_until=timezone.now() - datetime.timedelta(seconds=1),
    )
    done = flywheel_report_generate(organization=world["org"], period=PERIOD)
    assert done.status == FlywheelReport.Status.DONE
    assert done.attempts == 2
    assert done.lease_until is None
    assert len(counted_renders) == 1


def test_null_site_is_unique_too(world):
    FlywheelReport.objects.create(
        organization=world["org"],
        period_label=PERIOD,
        period_start=D(2025, 3, 1),
        version=1,
    )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FlywheelReport.objects.create(
            organization=world["org"],
            period_label=PERIOD,
            period_start=D(2025, 3, 1),
            version=1,
        )
    FlywheelReport.objects.create(
        organization=world["org"],
        site=world["site_a"],
        period_label=PERIOD,
        period_start=D(2025, 3, 1),
        version=1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        FlywheelReport.objects.create(
            organization=world["org"],
            site=world["site_a"],
            period_label=PERIOD,
            period_start=D(2025, 3, 1),
            version=1,
        )


def test_beat_twice_queues_each_report_once_and_emails_a_link_once(
    world, counted_renders, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = flywheel_reports_monthly(today=D(2025, 4, 2))
    # Both organizations: each whole organization and each site.
    assert queued == 2 + 3
    with django_capture_on_commit_callbacks(execute=True):
        assert flywheel_reports_monthly(today=D(2025, 4, 20)) == 0
    reports = FlywheelReport.objects.filter(organization=world["org"])
    assert reports.count() == 3
    assert set(reports.values_list("status", flat=True)) == {"done"}
    assert len(counted_renders) == 5

    brightsmile = [m for m in mailoutbox if "Brightsmile" in m.subject]
    assert len(brightsmile) == 1
    mail = next(m for m in mailoutbox if m.subject.endswith("Brightsmile, 2025-03"))
    owner, hr = world["users"][Role.OWNER], world["users"][Role.HR]
    assert sorted(mail.to) == sorted([owner.email, hr.email])
    assert not mail.attachments
    report = reports.get(site__isnull=True)
    assert reverse("reports:flywheel_report_download", args=[report.pk]) in mail.body
    # A retried task does not email again.
    flywheel_report_task.delay(report.pk, notify=True).get()
    assert len([m for m in mailoutbox if m.subject == mail.subject]) == 1


# --- pages -------------------------------------------------------------------------


@pytest.fixture
def reports(world, counted_renders):
    org_report = flywheel_report_generate(organization=world["org"], period=PERIOD)
    a = flywheel_report_generate(
        organization=world["org"], site=world["site_a"], period=PERIOD
    )
    b = flywheel_report_generate(
        organization=world["org"], site=world["site_b"], period=PERIOD
    )
    other = flywheel_report_generate(organization=world["other_org"], period=PERIOD)
    return {**world, "org_report": org_report, "a": a, "b": b, "other": other}


@pytest.mark.parametrize("role", [Role.OWNER, Role.HR])
def test_owner_and_hr_see_the_organization_and_every_site(client, reports, role):
    client.force_login(reports["users"][role])
    page = client.get(reverse("reports:flywheel_reports"))
    assert page.status_code == 200
    shown = {r.pk for r in page.context["reports"]}
    assert shown == {reports["org_report"].pk, reports["a"].pk, reports["b"].pk}
    response = client.get(
        reverse("reports:flywheel_report_download", args=[reports["org_report"].pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 fake"
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_VIEWED)
    assert event.actor == reports["users"][role]
    assert event.detail["report_id"] == reports["org_report"].pk


def test_site_manager_sees_only_their_sites(client, reports):
    client.force_login(reports["users"][Role.SITE_MANAGER])
    page = client.get(reverse("reports:flywheel_reports"))
    assert {r.pk for r in page.context["reports"]} == {reports["a"].pk}
    for key in ("org_report", "b", "other"):
        url = reverse("reports:flywheel_report_download", args=[reports[key].pk])
        assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.REPORT_VIEWED
    ).exists()
    # Cannot ask for the organization's report or another site's.
    response = client.post(
        reverse("reports:flywheel_report_generate"),
        {"scope": "", "period": "2025-02", "paper": "a4"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.STAFF])
def test_team_leads_and_staff_have_no_reports(client, reports, role):
    client.force_login(reports["users"][role])
    assert client.get(reverse("reports:flywheel_reports")).status_code == 403
    url = reverse("reports:flywheel_report_download", args=[reports["a"].pk])
    assert client.get(url).status_code == 403


def test_generate_from_the_page(
    client, world, counted_renders, django_capture_on_commit_callbacks
):
    client.force_login(world["users"][Role.SITE_MANAGER])
    url = reverse("reports:flywheel_report_generate")
    data = {"scope": str(world["site_a"].pk), "period": "2025-Q1", "paper": "letter"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    report = FlywheelReport.objects.get()
    assert (report.site, report.period_label, report.paper) == (
        world["site_a"],
        "2025-Q1",
        "letter",
    )
    assert report.status == "done"  # eager Celery in tests
    again = client.post(url, {**data, "paper": "a4"}, follow=True)
    assert FlywheelReport.objects.count() == 1
    assert (
        "The report for 2025-Q1 already exists (ready, US Letter paper)."
        in again.content.decode()
    )
    bad = client.post(url, {**data, "period": "Q1 2025"})
    assert bad.status_code == 400
    assert "YYYY-MM" in bad.content.decode()


# --- the command -------------------------------------------------------------------


def test_command_writes_the_pdf_and_prints_its_steps(world, counted_renders, tmp_path):
    out = tmp_path / "report.pdf"
    from io import StringIO

    stdout = StringIO()
    call_command(
        "flywheel_report",
        "--org",
        "brightsmile",
        "--site",
        "southside",
        "--period",
        PERIOD,
        "--out",
        str(out),
        stdout=stdout,
    )
    printed = stdout.getvalue()
    assert "Collecting the flywheel health" in printed
    assert "Saving the PDF" in printed
    assert "Wrote" in printed and "3 pages" in printed
    assert out.read_bytes() == b"%PDF-1.7 fake"
    # A second run copies the stored report without rendering again.
    call_command(
        "flywheel_report",
        "--org",
        "brightsmile",
        "--site",
        "southside",
        "--period",
        PERIOD,
        "--out",
        str(out),
        stdout=StringIO(),
    )
    assert len(counted_renders) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope", "--period", PERIOD], "no organization 'nope'"),
        (["--org", "brightsmile", "--site", "x", "--period", PERIOD], "no site 'x'"),
        (["--org", "brightsmile", "--period", "2025-3"], "--period: period '2025-3'"),
    ],
)
def test_command_errors_say_what_is_wrong(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("flywheel_report", *args, "--out", str(tmp_path / "x.pdf"))
