"""``manage.py import_skills FILE.csv --org SLUG``: dated skill assessments."""

from pathlib import Path

from django.core.management.base import BaseCommand

from workforce.skills.imports import SKILL_COLUMNS, skills_import

from ._common import organization_by_slug, progress_printer, read_file, run_import


class Command(BaseCommand):
    help = (
        "Import skill assessments for one organization, all-or-nothing. Columns: "
        + ", ".join(SKILL_COLUMNS)
        + ". Levels 0 none, 1 learning, 2 competent, 3 can train others; "
        "dates YYYY-MM-DD. Unknown skills are created."
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
            lambda: skills_import(
                organization=organization, file=data, progress=progress_printer(self)
            ),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows into {organization.name}: "
                f"{result.created} new assessments, {result.updated} corrected, "
                f"{result.unchanged} unchanged; {len(result.new_skills)} new skills."
            )
        )
