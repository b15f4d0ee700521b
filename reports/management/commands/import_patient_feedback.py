"""``manage.py import_patient_feedback FILE.csv --org SLUG [--drop-extra-columns]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.patients.csvstream import ImportRejected
from reports.patients.imports import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    RateMeter,
    feedback_import,
)
from workforce.csvimport import organization_by_slug, report_rejection

# A line every this many rows written (and one at the end).
REPORT_EVERY = 100_000


class Command(BaseCommand):
    help = (
        "Import patient scores (0-10) for one organization as one batch, "
        "all-or-nothing. Columns: "
        + ", ".join(REQUIRED_COLUMNS)
        + ", optionally "
        + ", ".join(OPTIONAL_COLUMNS)
        + ". Sites and teams by name; an empty team means the whole site; dates "
        "YYYY-MM-DD. Any other column rejects the file unless "
        "--drop-extra-columns. The file is streamed: any size is fine."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV (UTF-8).")
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument(
            "--drop-extra-columns",
            action="store_true",
            help="Skip any other column unread instead of rejecting the file.",
        )

    def handle(self, *args, file, org, drop_extra_columns, **options):
        organization = organization_by_slug(org)
        if not file.is_file():
            raise CommandError(f"Cannot read {file}: no such file.")
        # One meter per pass, so each line shows that pass's own speed.
        state = {"meter": RateMeter(), "reported": 0}

        def progress(stage, done, total):
            meter = state["meter"]
            if stage == "checked":
                self.stdout.write(
                    f"checked {total:,} rows ({meter.rate(total):,.0f} rows/s)"
                )
                state["meter"] = RateMeter()
            elif done != state["reported"] and (
                done - state["reported"] >= REPORT_EVERY or done == total
            ):
                state["reported"] = done
                self.stdout.write(
                    f"written {done:,}/{total:,} ({meter.rate(done):,.0f} rows/s)"
                )

        try:
            batch = feedback_import(
                organization=organization,
                open_file=lambda: file.open("rb"),
                filename=file.name,
                drop_extra_columns=drop_extra_columns,
                progress=progress,
            )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except ImportRejected as exc:
            raise report_rejection(self, file, exc, grouped=True) from exc
        if batch.dropped_columns:
            self.stdout.write(
                "Dropped unread: " + ", ".join(batch.dropped_columns) + "."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {batch.rows:,} scores into {organization.name} as batch "
                f"#{batch.pk}."
            )
        )
