"""``manage.py import_team_skills FILE.csv --org SLUG``: each team's minimums."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workforce.skills.csvfile import ISO_DATE
from workforce.skills.imports import TEAM_SKILL_COLUMNS, team_skills_import

from ._common import organization_by_slug, progress_printer, read_file, run_import


def _iso_date(value: str) -> date:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"--effective-date must be a date as YYYY-MM-DD, got {value!r}."
        ) from exc


class Command(BaseCommand):
    help = (
        "Import how many competent people each team needs per skill, "
        "all-or-nothing. Columns: "
        + ", ".join(TEAM_SKILL_COLUMNS)
        + ". Sites and teams by name or slug; unknown skills are created. "
        "Requirements not in the file are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV (UTF-8).")
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument(
            "--effective-date",
            type=_iso_date,
            default=None,
            help="Date the minimums take effect, YYYY-MM-DD "
            "(default: today in the organization's time zone).",
        )

    def handle(self, *args, file, org, effective_date, **options):
        organization = organization_by_slug(org)
        data = read_file(file)
        result = run_import(
            self,
            file,
            lambda: team_skills_import(
                organization=organization,
                file=data,
                effective_date=effective_date,
                progress=progress_printer(self),
            ),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows into {organization.name}: "
                f"{result.created} new requirements, {result.updated} changed, "
                f"{result.unchanged} unchanged; {len(result.new_skills)} new skills."
            )
        )
