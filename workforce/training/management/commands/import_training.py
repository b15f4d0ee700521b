"""``manage.py import_training FILE.csv --org SLUG``: training completions."""

from pathlib import Path

from django.core.management.base import BaseCommand

from workforce.skills.management.commands._common import (
    organization_by_slug,
    progress_printer,
    read_file,
    run_import,
)
from workforce.training.imports import COLUMNS, training_import


class Command(BaseCommand):
    help = (
        "Import training completions for one organization, all-or-nothing. "
        "Columns: "
        + ", ".join(COLUMNS)
        + ". Dates YYYY-MM-DD; an empty expires_on is computed from the course's "
        "validity; an empty cpd_hours is 0. Courses must already exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV (UTF-8).")
        parser.add_argument("--org", required=True, help="The organization's slug.")

    def handle(self, *args, file, org, **options):
        organization = organization_by_slug(org)
        data = read_file(file)
        result = run_import(
            self,
            file,
            lambda: training_import(
                organization=organization, file=data, progress=progress_printer(self)
            ),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows into {organization.name}: "
                f"{result.created} new completions, {result.updated} corrected, "
                f"{result.unchanged} unchanged."
            )
        )
