"""``manage.py import_skills FILE.csv --org SLUG``: dated skill assessments."""

from workforce.csvimport import CsvImportCommand
from workforce.skills.imports import SKILL_COLUMNS, skills_import


class Command(CsvImportCommand):
    help = (
        "Import skill assessments for one organization, all-or-nothing. Columns: "
        + ", ".join(SKILL_COLUMNS)
        + ". Levels 0 none, 1 learning, 2 competent, 3 can train others; "
        "dates YYYY-MM-DD. Unknown skills are created."
    )

    def import_file(self, *, organization, data, **options):
        return skills_import(
            organization=organization, file=data, progress=self.progress
        )

    def summary(self, organization, result):
        return (
            f"Imported {result.rows} rows into {organization.name}: "
            f"{result.created} new assessments, {result.updated} corrected, "
            f"{result.unchanged} unchanged; {len(result.new_skills)} new skills."
        )
