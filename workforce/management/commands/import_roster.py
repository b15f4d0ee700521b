"""``manage.py import_roster FILE.csv --org SLUG``: the roster import from a shell."""

import argparse
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workforce.models import Organization
from workforce.roster import COLUMNS, ISO_DATE, RosterImportError, roster_import


def _iso_date(value: str) -> date:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD, got {value!r}"
        ) from exc


class Command(BaseCommand):
    help = (
        "Import a roster CSV for one organization, all-or-nothing. Columns: "
        + ", ".join(COLUMNS)
        + ". Dates are YYYY-MM-DD."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The roster CSV (UTF-8).")
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument(
            "--effective-date",
            type=_iso_date,
            default=None,
            help="Date team changes take effect, YYYY-MM-DD "
            "(default: today in the organization's time zone).",
        )

    def handle(self, *args, file, org, effective_date, **options):
        try:
            organization = Organization.objects.get(slug=org)
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with slug {org!r}.") from exc
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc

        def progress(done, total):
            if done == 0:
                self.stdout.write(f"validated {total} rows")
            else:
                self.stdout.write(f"written {done}/{total}")

        try:
            result = roster_import(
                organization=organization,
                file=data,
                effective_date=effective_date,
                progress=progress,
            )
        except RosterImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(exc.errors)} problem(s) in {file.name}; nothing was imported."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows into {organization.name} "
                f"(effective {result.effective_date.isoformat()}): "
                f"{result.created} new, {result.updated} updated "
                f"({result.transfers} team transfers), {result.unchanged} unchanged; "
                f"{len(result.new_sites)} new sites, {len(result.new_teams)} new "
                f"teams, {len(result.new_job_roles)} new job roles."
            )
        )
