"""Delete raw survey answers past SURVEY_RAW_RETENTION_DAYS; released figures stay."""

from django.conf import settings
from django.core.management.base import BaseCommand

from surveys.retention import retention_cutoff, survey_answers_purge


class Command(BaseCommand):
    help = (
        "Delete the raw answers of survey rounds that closed more than "
        "SURVEY_RAW_RETENTION_DAYS ago. Released results are stored as aggregates "
        "first, so released figures do not change."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be deleted, delete nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        self.stdout.write(
            f"Retention: {settings.SURVEY_RAW_RETENTION_DAYS} days; rounds closed "
            f"before {retention_cutoff():%Y-%m-%d %H:%M} UTC."
        )
        verb = "would delete" if dry_run else "deleting"

        def progress(round_, count):
            self.stdout.write(
                f"  {round_.organization.name} – {round_.name} "
                f"({round_.get_status_display().lower()}): {verb} {count} answers"
            )

        result = survey_answers_purge(dry_run=dry_run, on_round=progress)
        summary = f"{result.rounds} rounds, {result.answers} answers" + (
            " (dry run: nothing deleted)" if dry_run else " deleted"
        )
        self.stdout.write(self.style.SUCCESS(summary))
