"""``manage.py import_training FILE.csv --org SLUG``: training completions."""

from workforce.csvimport import CsvImportCommand
from workforce.training.imports import COLUMNS, training_import


class Command(CsvImportCommand):
    help = (
        "Import training completions for one organization, all-or-nothing. "
        "Columns: "
        + ", ".join(COLUMNS)
        + ". Dates YYYY-MM-DD; an empty expires_on is computed from the course's "
        "validity; an empty cpd_hours is 0. Courses must already exist."
    )

    def import_file(self, *, organization, data, **options):
        return training_import(
            organization=organization, file=data, progress=self.progress
        )

    def summary(self, organization, result):
        return (
            f"Imported {result.rows} rows into {organization.name}: "
            f"{result.created} new completions, {result.updated} corrected, "
            f"{result.unchanged} unchanged."
        )
