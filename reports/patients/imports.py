"""Importing patient scores: ``site, team, date, score`` and optionally ``channel``.

Built for files of millions of rows. The file is read twice as a stream and
never held in memory:

1. check: every row against small lookups (the organization's sites and teams
   by name); problems are counted and the first 1,000 kept; the SHA-256 of the
   file comes out of the same pass;
2. write: inside one transaction, the batch row and then the scores in chunks
   (PostgreSQL COPY, or chunks of 5,000 elsewhere: see ``writer``), so a failure at
   any point leaves nothing behind.

Anything else in the file (a name, a date of birth, a record number) rejects
it, or with ``drop_extra_columns`` is skipped unread: see ``csvstream``.
"""

import csv
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import DETRACTOR_MAX, PROMOTER_MIN, PatientFeedbackBatch
from workforce.audit import audit_record
from workforce.models import AuditEvent, Organization
from workforce.skills.csvfile import ImportProblem

from .csvstream import CsvStream, ImportRejected, ProblemList
from .rows import Lookups, RowChecker
from .writer import ChunkWriter

REQUIRED_COLUMNS = ("site", "team", "date", "score")
OPTIONAL_COLUMNS = ("channel",)

# progress(stage, rows done, rows in the file): stage is "checked" (once, after
# the first pass) or "written" (after each chunk).
Progress = Callable[[str, int, int], None]
# A callable returning a fresh binary stream of the file (it is read twice).
Opener = Callable[[], object]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class FeedbackCheck:
    """What the first pass learned: counts for the preview, and the digest."""

    rows: int = 0
    sha256: str = ""
    dropped_columns: list[str] = field(default_factory=list)
    first_date: date | None = None
    last_date: date | None = None
    site_level_rows: int = 0
    promoters: int = 0
    detractors: int = 0
    rows_by_site: Counter = field(default_factory=Counter)
    teams: set = field(default_factory=set)

    def summary(self, lookups: Lookups) -> dict:
        return {
            "rows": self.rows,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "site_level_rows": self.site_level_rows,
            "team_rows": self.rows - self.site_level_rows,
            "teams": len(self.teams),
            "promoters": self.promoters,
            "detractors": self.detractors,
            "sites": [
                {"name": lookups.site_names[site_id], "rows": count}
                for site_id, count in sorted(
                    self.rows_by_site.items(),
                    key=lambda item: lookups.site_names[item[0]].casefold(),
                )
            ],
        }


def _stream(binary, *, drop_extra: bool, problems: ProblemList) -> CsvStream:
    return CsvStream(
        binary,
        required=REQUIRED_COLUMNS,
        optional=OPTIONAL_COLUMNS,
        drop_extra=drop_extra,
        problems=problems,
    )


def feedback_check(
    *,
    organization: Organization,
    open_file: Opener,
    drop_extra_columns: bool = False,
    copy_to=None,
    lookups: Lookups | None = None,
) -> tuple[FeedbackCheck, Lookups]:
    """First pass: check every row; raises ImportRejected with the problems.

    ``copy_to``, a text stream, receives the accepted columns of every row as
    CSV: what the background import reads, with dropped columns left out.
    """
    lookups = lookups or Lookups.of(organization)
    problems = ProblemList()
    check = FeedbackCheck()
    with open_file() as binary:
        stream = _stream(binary, drop_extra=drop_extra_columns, problems=problems)
        columns = stream.header.columns
        check_row = RowChecker(columns, lookups)
        writer = csv.writer(copy_to) if copy_to is not None else None
        if writer:
            writer.writerow(columns)
        for number, cells in stream:
            row, row_problems = check_row(number, cells)
            if row_problems:
                for problem in row_problems:
                    problems.add(problem.row, problem.column, problem.message)
                continue
            if writer:
                writer.writerow(cells)
            site_id, team_id, day, score, _channel = row
            check.rows += 1
            check.rows_by_site[site_id] += 1
            if team_id is None:
                check.site_level_rows += 1
            else:
                check.teams.add(team_id)
            if check.first_date is None or day < check.first_date:
                check.first_date = day
            if check.last_date is None or day > check.last_date:
                check.last_date = day
            check.promoters += score >= PROMOTER_MIN
            check.detractors += score <= DETRACTOR_MAX
        check.sha256 = stream.sha256
        check.dropped_columns = stream.header.dropped
    if not problems and not check.rows:
        problems.add(None, "", _("The file has no data rows."))
    if problems:
        raise problems.rejected()
    return check, lookups


def counting_batch(organization: Organization, sha256: str):
    """The queued, running or imported batch of this very file, if any."""
    return (
        PatientFeedbackBatch.objects.filter(
            organization=organization,
            file_sha256=sha256,
            status__in=PatientFeedbackBatch.COUNTING,
        )
        .select_related("created_by")
        .first()
    )


def already_imported(batch: PatientFeedbackBatch) -> ImportRejected:
    who = batch.created_by.get_username() if batch.created_by else _("someone")
    message = _(
        "This file was already imported as batch #%(id)d (“%(name)s”, %(when)s by "
        "%(who)s); importing it again would count every answer twice. To replace "
        "it, undo batch #%(id)d first."
    ) % {
        "id": batch.pk,
        "name": batch.filename,
        "when": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M"),
        "who": who,
    }
    return ImportRejected([ImportProblem(None, "", message)])


def write_rows(
    *,
    batch: PatientFeedbackBatch,
    open_file: Opener,
    drop_extra_columns: bool,
    lookups: Lookups,
    expected: FeedbackCheck,
    progress: Progress,
) -> int:
    """Second pass, inside the caller's transaction."""
    problems = ProblemList()
    with ChunkWriter(batch.pk) as writer, open_file() as binary:
        stream = _stream(binary, drop_extra=drop_extra_columns, problems=problems)
        check_row = RowChecker(stream.header.columns, lookups)
        for number, cells in stream:
            row, row_problems = check_row(number, cells)
            if row_problems:
                raise _changed()
            if writer.add(row):
                progress("written", writer.written, expected.rows)
        sha256 = stream.sha256
    if problems or sha256 != expected.sha256 or writer.written != expected.rows:
        raise _changed()
    progress("written", writer.written, expected.rows)
    return writer.written


def _changed() -> ImportRejected:
    return ImportRejected(
        [
            ImportProblem(
                None,
                "",
                _(
                    "The file changed while it was being imported; nothing was "
                    "imported. Import it again."
                ),
            )
        ]
    )


def feedback_import(
    *,
    organization: Organization,
    open_file: Opener,
    filename: str,
    created_by=None,
    drop_extra_columns: bool = False,
    progress: Progress = _no_progress,
) -> PatientFeedbackBatch:
    """Check and import a file in one go (the command's path).

    Raises ImportRejected, having written nothing, when any row has a problem or
    the same file is already counted for the organization.
    """
    check, lookups = feedback_check(
        organization=organization,
        open_file=open_file,
        drop_extra_columns=drop_extra_columns,
    )
    progress("checked", check.rows, check.rows)
    earlier = counting_batch(organization, check.sha256)
    if earlier is not None:
        raise already_imported(earlier)
    try:
        with transaction.atomic():
            batch = PatientFeedbackBatch.objects.create(
                organization=organization,
                filename=filename[:255],
                file_sha256=check.sha256,
                created_by=created_by,
                status=PatientFeedbackBatch.Status.RUNNING,
                dropped_columns=check.dropped_columns,
                summary=check.summary(lookups),
                started_at=timezone.now(),
            )
            batch.rows = write_rows(
                batch=batch,
                open_file=open_file,
                drop_extra_columns=drop_extra_columns,
                lookups=lookups,
                expected=check,
                progress=progress,
            )
            batch.status = PatientFeedbackBatch.Status.DONE
            batch.progress_done = batch.rows
            batch.finished_at = timezone.now()
            batch.save()
            audit_feedback_import(batch)
    except IntegrityError:
        # The same file was imported at the same moment by someone else.
        earlier = counting_batch(organization, check.sha256)
        if earlier is None:
            raise
        raise already_imported(earlier) from None
    return batch


def audit_feedback_import(batch: PatientFeedbackBatch) -> None:
    """The audit line for an applied patient feedback file (counts only)."""
    audit_record(
        organization=batch.organization,
        actor=batch.created_by,
        action=AuditEvent.Action.IMPORT_APPLIED,
        target=f"Patient feedback import #{batch.pk}: {batch.filename}",
        detail={"kind": "patient feedback", "rows": batch.rows},
    )


class RateMeter:
    """Rows per second since the start, for progress lines."""

    def __init__(self):
        self.started = time.perf_counter()

    def rate(self, rows: int) -> float:
        elapsed = time.perf_counter() - self.started
        return rows / elapsed if elapsed > 0 else 0.0
