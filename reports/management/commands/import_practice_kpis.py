"""``manage.py import_practice_kpis FILE.csv --org SLUG``: monthly KPIs per site."""

from reports.kpis import KPI_COLUMNS, kpi_import
from reports.models import KPI
from workforce.csvimport import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import practice KPIs for one organization, all-or-nothing. Columns: "
        + ", ".join(KPI_COLUMNS)
        + ". Months YYYY-MM; KPIs: "
        + ", ".join(KPI.values)
        + ". Rates (show_rate, capacity_utilisation) from 0 to 1; counts whole "
        "numbers. A value already stored for the site, month and KPI is replaced."
    )

    def import_file(self, *, organization, data, **options):
        return kpi_import(organization=organization, file=data)

    def summary(self, organization, result):
        return (
            f"Imported {result.rows} KPI values into {organization.name}: "
            f"{result.created} new, {result.updated} replaced, "
            f"{result.unchanged} unchanged."
        )
