"""``manage.py import_pulse_history FILE.csv --org SLUG``: past pulse results.

See ``surveys/pulse_history.py`` for the columns, the checks and why a row for a
team, month and measure already stored replaces it.
"""

from django.core.management.base import BaseCommand, CommandError

from surveys.pulse_history import PulseHistoryImportError, pulse_history_import
from workforce.models import Organization


class Command(BaseCommand):
    help = (
        "Import team-month results (columns: site, team, month, measure, "
        "respondents, value) from another pulse tool. All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8).")
        parser.add_argument("--org", required=True, help="Organization slug.")

    def handle(self, *args, file, org, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug “{org}”.")

        def progress(stage, done, total):
            self.stdout.write(f"{stage.capitalize()} {done} of {total} rows")

        try:
            with open(file, encoding="utf-8-sig", newline="") as stream:
                result = pulse_history_import(
                    organization=organization, file=stream, progress=progress
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{file} is not UTF-8 text; save it as “CSV UTF-8” and retry."
            ) from exc
        except PulseHistoryImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Nothing imported: {len(exc.errors)} error(s) in {file}."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows into {organization.name}: "
                f"{result.created} new, {result.updated} replaced."
            )
        )
