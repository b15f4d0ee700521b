"""Render a flywheel health report to a PDF file (the service the web and beat use)."""

import shutil
import time

from django.core.management.base import BaseCommand, CommandError

from reports.flywheel_report.render import report_pdf
from reports.flywheel_report.services import flywheel_report_generate, lease_seconds
from reports.flywheel_report.storage import report_storage
from reports.health import ReportPeriod, flywheel_health
from reports.models import FlywheelReport
from workforce.models import Organization, Site

WAIT_STEP_SECONDS = 2


class Command(BaseCommand):
    help = (
        "Render the flywheel health report of an organization (or one site) for a "
        "month or quarter, store it once, and copy it to --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--site", help="Site slug (default: whole organization).")
        parser.add_argument(
            "--period", required=True, help="YYYY-MM (a month) or YYYY-Qn (a quarter)."
        )
        parser.add_argument("--out", required=True, help="Where to write the PDF.")
        parser.add_argument(
            "--paper",
            choices=FlywheelReport.Paper.values,
            help="a4 or letter (default: a4). A stored report in another size is "
            "left as it is and this copy rendered in the size asked for.",
        )

    def handle(self, *args, **options):
        try:
            organization = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist:
            raise CommandError(f"--org: no organization {options['org']!r}") from None
        site = None
        if options["site"]:
            site = Site.objects.filter(
                organization=organization, slug=options["site"]
            ).first()
            if site is None:
                raise CommandError(
                    f"--site: {organization.slug!r} has no site {options['site']!r}"
                )
        try:
            period = ReportPeriod.parse(options["period"])
        except ValueError as error:
            raise CommandError(f"--period: {error}") from None

        def progress(step):
            self.stdout.write(f"  {step}")

        where = site.name if site else organization.name
        self.stdout.write(f"Flywheel report for {where}, {period.label}")
        report = flywheel_report_generate(
            organization=organization,
            site=site,
            period=period,
            paper=options["paper"],
            progress=progress,
        )
        deadline = time.monotonic() + lease_seconds() + 30
        while report.status == FlywheelReport.Status.RENDERING:
            if time.monotonic() > deadline:
                raise CommandError("another worker is still rendering this report")
            self.stdout.write("  Another worker is rendering it; waiting")
            time.sleep(WAIT_STEP_SECONDS)
            report.refresh_from_db()
            if report.status != FlywheelReport.Status.DONE:
                report = flywheel_report_generate(
                    organization=organization,
                    site=site,
                    period=period,
                    progress=progress,
                )
        if report.status != FlywheelReport.Status.DONE:
            raise CommandError(f"the report failed: {report.error}")
        paper = options["paper"]
        if paper and paper != report.paper:
            self.stdout.write(
                f"  The stored report is {report.get_paper_display()}; rendering a "
                f"{paper} copy for --out"
            )
            health = flywheel_health(
                organization=organization, site=site, period=period
            )
            rendered = report_pdf(health, paper=paper)
            with open(options["out"], "wb") as out:
                out.write(rendered.pdf)
            pages = rendered.page_count
        else:
            with report_storage().open(report.file.name, "rb") as stored:
                with open(options["out"], "wb") as out:
                    shutil.copyfileobj(stored, out)
            pages = report.page_count
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {options['out']} ({pages} pages; report #{report.pk})"
            )
        )
