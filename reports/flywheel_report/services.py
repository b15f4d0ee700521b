"""Generating flywheel reports exactly once, and telling owners and HR.

One row per (organization, site, period, version) — the unique constraints on
``FlywheelReport`` — found or created first. Whoever renders takes a lease with
a conditional UPDATE (queued, failed, or rendering with a lease run out →
rendering until now + lease); anyone else finds the row done, or being rendered
and leaves it. A worker killed mid-render leaves ``rendering`` with a lease that
runs out; the retry (the task is acks_late + reject_on_worker_lost, and retries
while another lease is live) takes over and finishes. The PDF is written to a
temporary file and renamed into place before the row says ``done``.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from reports.flywheel_report.render import REPORT_VERSION, report_pdf
from reports.flywheel_report.storage import report_storage
from reports.health import ReportPeriod, flywheel_health, latest_analysis_run
from reports.models import FlywheelReport
from workforce.models import Organization, Role, Site, User

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
DEFAULT_PAPER = FlywheelReport.Paper.A4


def lease_seconds() -> int:
    """How long a render may take before another worker may take it over."""
    return int(
        os.environ.get(
            "FLYWHEEL_REPORT_LEASE_SECONDS",
            getattr(settings, "FLYWHEEL_REPORT_LEASE_SECONDS", 600),
        )
    )


def _noop(step: str) -> None:
    pass


def flywheel_report_get_or_create(
    *,
    organization: Organization,
    site: Site | None = None,
    period: ReportPeriod | str,
    paper: str | None = None,
    requested_by: User | None = None,
) -> tuple[FlywheelReport, bool]:
    """The report row for this scope, period and version; (row, created)."""
    if isinstance(period, str):
        period = ReportPeriod.parse(period)
    if site is not None and site.organization_id != organization.pk:
        raise ValueError(
            f"site {site.slug!r} does not belong to organization {organization.slug!r}"
        )
    paper = paper or DEFAULT_PAPER
    if paper not in FlywheelReport.Paper.values:
        raise ValueError(
            f"paper must be one of {', '.join(FlywheelReport.Paper.values)}, "
            f"not {paper!r}"
        )
    lookup = {
        "organization": organization,
        "site": site,
        "period_label": period.label,
        "version": REPORT_VERSION,
    }
    existing = FlywheelReport.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = FlywheelReport.objects.create(
                **lookup,
                period_start=period.first_day,
                paper=paper,
                requested_by=requested_by,
            )
        return report, True
    except IntegrityError:
        # Someone else created it between our read and our insert: theirs stands.
        return FlywheelReport.objects.get(**lookup), False


def _claim(report: FlywheelReport) -> bool:
    """Take the render lease; False when done or another live lease holds it."""
    now = timezone.now()
    claimable = Q(
        status__in=[FlywheelReport.Status.QUEUED, FlywheelReport.Status.FAILED]
    ) | Q(status=FlywheelReport.Status.RENDERING, lease_until__lt=now)
    lease = now + datetime.timedelta(seconds=lease_seconds())
    taken = (
        FlywheelReport.objects.filter(claimable, pk=report.pk).update(
            status=FlywheelReport.Status.RENDERING,
            lease_until=lease,
            started_at=now,
            attempts=F("attempts") + 1,
            step="claimed",
            error="",
        )
        == 1
    )
    if taken:
        report.refresh_from_db()
    return taken


def _file_name(report: FlywheelReport) -> str:
    scope = f"site-{report.site.slug}" if report.site_id else "organization"
    return (
        f"{report.organization_id}/{report.period_label}-{scope}-v{report.version}"
        f"-{report.pk}.pdf"
    )


def flywheel_report_render(
    *, report: FlywheelReport, progress: Progress = _noop
) -> FlywheelReport:
    """Render ``report`` if nobody has or is; return it as it now stands."""
    if report.status == FlywheelReport.Status.DONE:
        return report
    if not _claim(report):
        report.refresh_from_db()
        return report
    lease = report.lease_until

    def step(name: str) -> None:
        FlywheelReport.objects.filter(pk=report.pk, lease_until=lease).update(step=name)
        progress(name)

    try:
        step("Collecting the flywheel health")
        period = ReportPeriod.parse(report.period_label)
        health = flywheel_health(
            organization=report.organization, site=report.site, period=period
        )
        step("Drawing the charts and laying out the pages")
        rendered = report_pdf(health, paper=report.paper)
        step("Saving the PDF")
        name = report_storage().write_atomically(_file_name(report), rendered.pdf)
        run = latest_analysis_run(report.organization, period)
    except Exception as error:
        FlywheelReport.objects.filter(pk=report.pk, lease_until=lease).update(
            status=FlywheelReport.Status.FAILED,
            lease_until=None,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise
    # Only the lease holder may finish; a worker whose lease ran out and was
    # taken over finds 0 rows and leaves the newer holder to finish.
    FlywheelReport.objects.filter(
        pk=report.pk, status=FlywheelReport.Status.RENDERING, lease_until=lease
    ).update(
        status=FlywheelReport.Status.DONE,
        file=name,
        page_count=rendered.page_count,
        analysis_run=run,
        lease_until=None,
        step="finished",
        finished_at=timezone.now(),
    )
    progress(f"Done: {rendered.page_count} pages")
    report.refresh_from_db()
    return report


def flywheel_report_generate(
    *,
    organization: Organization,
    site: Site | None = None,
    period: ReportPeriod | str,
    paper: str | None = None,
    requested_by: User | None = None,
    progress: Progress = _noop,
) -> FlywheelReport:
    """The report for this scope and period, rendered now unless it exists.

    A report that is done is returned as it is (a rerun does nothing); one
    another worker is rendering is returned in ``rendering``.
    """
    report, _created = flywheel_report_get_or_create(
        organization=organization,
        site=site,
        period=period,
        paper=paper,
        requested_by=requested_by,
    )
    return flywheel_report_render(report=report, progress=progress)


def flywheel_report_queue(
    *,
    organization: Organization,
    site: Site | None = None,
    period: ReportPeriod | str,
    paper: str | None = None,
    requested_by: User | None = None,
    notify: bool = False,
) -> tuple[FlywheelReport, bool]:
    """Create the report row and queue its task after commit; (row, queued).

    Nothing is queued for a report that is done or being rendered under a live
    lease, so a doubled beat or a second click adds no work.
    """
    from reports.tasks import flywheel_report_task

    report, created = flywheel_report_get_or_create(
        organization=organization,
        site=site,
        period=period,
        paper=paper,
        requested_by=requested_by,
    )
    stale = report.status == FlywheelReport.Status.FAILED or (
        report.status == FlywheelReport.Status.RENDERING
        and report.lease_until is not None
        and report.lease_until < timezone.now()
    )
    if not (created or stale):
        return report, False
    transaction.on_commit(lambda: flywheel_report_task.delay(report.pk, notify=notify))
    return report, True


def flywheel_reports_monthly(*, today: datetime.date | None = None) -> int:
    """Queue last month's report for every organization and each of its sites.

    Returns how many were queued (0 on a second run the same month).
    """
    queued = 0
    for organization in Organization.objects.order_by("pk"):
        from workforce.recognition.dates import organization_today

        period = ReportPeriod.previous_month(today or organization_today(organization))
        for site in [None, *Site.objects.filter(organization=organization)]:
            _report, was_queued = flywheel_report_queue(
                organization=organization, site=site, period=period, notify=True
            )
            queued += was_queued
    return queued


def flywheel_report_notify(*, report: FlywheelReport) -> int:
    """Email owners and HR a link to ``report``, once; returns the emails sent.

    The row is marked and the mail sent in one transaction: a second call finds
    ``emailed_at`` set and sends nothing; a failed send rolls the mark back.
    """
    if report.status != FlywheelReport.Status.DONE:
        return 0
    recipients = list(
        User.objects.filter(
            organization_id=report.organization_id,
            role__in=[Role.OWNER, Role.HR],
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    with transaction.atomic():
        claimed = FlywheelReport.objects.filter(
            pk=report.pk, emailed_at__isnull=True, status=FlywheelReport.Status.DONE
        ).update(emailed_at=timezone.now())
        if not claimed or not recipients:
            return 0
        link = settings.SITE_URL.rstrip("/") + reverse(
            "reports:flywheel_report_download", args=[report.pk]
        )
        where = report.site.name if report.site_id else report.organization.name
        send_mail(
            subject=f"Flywheel health report for {where}, {report.period_label}",
            message=(
                f"The flywheel health report for {where} ({report.period_label}) "
                f"is ready.\n\nSign in to read it:\n{link}\n\n"
                "The report is not attached: it stays behind your sign-in."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    return len(recipients)
