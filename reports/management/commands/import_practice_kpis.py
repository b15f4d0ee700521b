"""``manage.py import_practice_kpis FILE.csv --org SLUG``: monthly KPIs per site."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.kpis import KPI_COLUMNS, kpi_import
from reports.models import KPI
from reports.patients.csvstream import ImportRejected
from workforce.skills.management.commands._common import (
    organization_by_slug,
    read_file,
)


class Command(BaseCommand):
    help = (
        "Import practice KPIs for one organization, all-or-nothing. Columns: "
        + ", ".join(KPI_COLUMNS)
        + ". Months YYYY-MM; KPIs: "
        + ", ".join(KPI.values)
        + ". Rates (show_rate, capacity_utilisation) from 0 to 1; counts whole "
        "numbers. A value already stored for the site, month and KPI is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV (UTF-8).")
        parser.add_argument("--org", required=True, help="The organization's slug.")

    def handle(self, *args, file, org, **options):
        organization = organization_by_slug(org)
        data = read_file(file)
        try:
            result = kpi_import(organization=organization, file=data)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{exc.total} problem(s) in {file.name}; nothing was imported."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} KPI values into {organization.name}: "
                f"{result.created} new, {result.updated} replaced, "
                f"{result.unchanged} unchanged."
            )
        )
