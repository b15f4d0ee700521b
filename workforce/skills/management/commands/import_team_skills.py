"""``manage.py import_team_skills FILE.csv --org SLUG``: each team's minimums."""

from datetime import date

from django.core.management.base import CommandError

from workforce.csvimport import CsvImportCommand, parse_iso_date
from workforce.skills.imports import TEAM_SKILL_COLUMNS, team_skills_import


def _iso_date(value: str) -> date:
    day = parse_iso_date(value)
    if day is None:
        raise CommandError(
            f"--effective-date must be a date as YYYY-MM-DD, got {value!r}."
        )
    return day


class Command(CsvImportCommand):
    help = (
        "Import how many competent people each team needs per skill, "
        "all-or-nothing. Columns: "
        + ", ".join(TEAM_SKILL_COLUMNS)
        + ". Sites and teams by name or slug; unknown skills are created. "
        "Requirements not in the file are left as they are."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--effective-date",
            type=_iso_date,
            default=None,
            help="Date the minimums take effect, YYYY-MM-DD "
            "(default: today in the organization's time zone).",
        )

    def import_file(self, *, organization, data, effective_date, **options):
        return team_skills_import(
            organization=organization,
            file=data,
            effective_date=effective_date,
            progress=self.progress,
        )

    def summary(self, organization, result):
        return (
            f"Imported {result.rows} rows into {organization.name}: "
            f"{result.created} new requirements, {result.updated} changed, "
            f"{result.unchanged} unchanged; {len(result.new_skills)} new skills."
        )
