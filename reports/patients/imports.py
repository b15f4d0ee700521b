"""Importing patient scores: ``site, team, date, score`` and optionally ``channel``.

Built for files of millions of rows. The file is read twice as a stream and
never held in memory:

1. check: every row against small lookups (the organization's sites and teams
   by name); problems are counted and the first 1,000 kept; the SHA-256 of the
   file comes out of the same pass;
2. write: inside one transaction, the batch row and then the scores in chunks
   (PostgreSQL COPY, or ``bulk_create`` of 5,000 elsewhere), so a failure at
   any point leaves nothing behind.

Anything else in the file (a name, a date of birth, a record number) rejects
it, or with ``drop_extra_columns`` is skipped unread: see ``csvstream``.
"""

import contextlib
import csv
import functools
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import (
    CHANNEL_MAX_LENGTH,
    DETRACTOR_MAX,
    PROMOTER_MIN,
    SCORE_MAX,
    PatientFeedback,
    PatientFeedbackBatch,
)
from workforce.models import Organization, Site, Team
from workforce.roster import organization_today
from workforce.skills.csvfile import ImportProblem, parse_iso_date, shown

from .csvstream import CsvStream, ImportRejected, ProblemList

REQUIRED_COLUMNS = ("site", "team", "date", "score")
OPTIONAL_COLUMNS = ("channel",)
WRITE_CHUNK = 5000
SCORES = {str(score): score for score in range(SCORE_MAX + 1)}
CHANNEL = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{CHANNEL_MAX_LENGTH - 1}}}")

# progress(stage, rows done, rows in the file): stage is "checked" (once, after
# the first pass) or "written" (after each chunk).
Progress = Callable[[str, int, int], None]
# A callable returning a fresh binary stream of the file (it is read twice).
Opener = Callable[[], object]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def name_key(name: str) -> str:
    """Names match without regard to case or repeated spaces."""
    return " ".join(name.split()).casefold()


@dataclass
class Lookups:
    """The organization's sites and teams by name: small, whatever the file."""

    sites: dict[str, int]
    teams: dict[tuple[int, str], int]
    site_names: dict[int, str]
    organization_name: str
    today: date

    @classmethod
    def of(cls, organization: Organization) -> "Lookups":
        sites = dict(
            Site.objects.filter(organization=organization).values_list("pk", "name")
        )
        teams = Team.objects.filter(site__organization=organization).values_list(
            "site_id", "name", "pk"
        )
        return cls(
            sites={name_key(name): pk for pk, name in sites.items()},
            teams={(site, name_key(name)): pk for site, name, pk in teams},
            site_names=sites,
            organization_name=organization.name,
            today=organization_today(organization),
        )


@functools.lru_cache(maxsize=8192)
def _date(raw: str) -> date | None:
    # A file has few distinct days and many rows per day.
    return parse_iso_date(raw)


def check_row(
    number: int, cells: tuple[str, ...], columns: tuple[str, ...], lookups: Lookups
):
    """``(site_id, team_id, date, score, channel)``, or None and the problems."""
    values = dict(zip(columns, cells, strict=True))
    problems = []

    def fail(column, message):
        problems.append(ImportProblem(number, column, message))

    site_id = team_id = None
    raw_site = values["site"]
    if not raw_site:
        fail("site", _("Empty; name the site."))
    else:
        site_id = lookups.sites.get(name_key(raw_site))
        if site_id is None:
            fail(
                "site",
                _("%(org)s has no site called %(value)s.")
                % {"org": lookups.organization_name, "value": shown(raw_site)},
            )
    raw_team = values["team"]
    if raw_team and site_id is not None:
        team_id = lookups.teams.get((site_id, name_key(raw_team)))
        if team_id is None:
            fail(
                "team",
                _(
                    "%(site)s has no team called %(value)s (leave the cell empty "
                    "for the whole site)."
                )
                % {"site": lookups.site_names[site_id], "value": shown(raw_team)},
            )
    day = _date(values["date"])
    if day is None:
        fail(
            "date",
            _("Expected a date as YYYY-MM-DD (e.g. 2024-01-31), got %(value)s.")
            % {"value": shown(values["date"])},
        )
    elif day > lookups.today:
        fail(
            "date",
            _("%(day)s is in the future; today is %(today)s.")
            % {"day": day.isoformat(), "today": lookups.today.isoformat()},
        )
    score = SCORES.get(values["score"])
    if score is None:
        fail(
            "score",
            _("Expected a whole number from 0 to 10, got %(value)s.")
            % {"value": shown(values["score"])},
        )
    channel = values.get("channel", "").lower()
    if channel and not CHANNEL.fullmatch(channel):
        fail(
            "channel",
            _(
                "Expected a short code such as sms, email, kiosk or paper (letters, "
                "digits, - or _, at most %(max)d), got %(value)s."
            )
            % {"max": CHANNEL_MAX_LENGTH, "value": shown(values.get("channel", ""))},
        )
    if problems:
        return None, problems
    return (site_id, team_id, day, score, channel), []


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
        writer = csv.writer(copy_to) if copy_to is not None else None
        if writer:
            writer.writerow(columns)
        for number, cells in stream:
            row, row_problems = check_row(number, cells, columns, lookups)
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


class _ChunkWriter:
    """Writes rows for one batch: COPY on PostgreSQL, bulk_create elsewhere.

    A context manager: leaving it normally writes what is pending (and ends the
    COPY); leaving it on an exception abandons the COPY, and the caller's
    transaction rolls everything back.
    """

    COPY_SQL = (
        "COPY {table} (batch_id, site_id, team_id, date, score, channel) FROM STDIN"
    )

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.pending: list[tuple] = []
        self.written = 0
        self._stack = contextlib.ExitStack()
        self._copy = None

    def __enter__(self):
        if connection.vendor == "postgresql":
            cursor = self._stack.enter_context(connection.cursor())
            table = connection.ops.quote_name(PatientFeedback._meta.db_table)
            self._copy = self._stack.enter_context(
                cursor.cursor.copy(self.COPY_SQL.format(table=table))
            )
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            try:
                self.flush()
            except BaseException as error:
                self._stack.__exit__(type(error), error, error.__traceback__)
                raise
        return self._stack.__exit__(exc_type, exc, traceback)

    def add(self, row: tuple) -> bool:
        """Queue a row; True when a chunk was written."""
        self.pending.append(row)
        if len(self.pending) >= WRITE_CHUNK:
            self.flush()
            return True
        return False

    def flush(self):
        if not self.pending:
            return
        if self._copy is not None:
            batch_id = self.batch_id
            for row in self.pending:
                self._copy.write_row((batch_id, *row))
        else:
            PatientFeedback.objects.bulk_create(
                [
                    PatientFeedback(
                        batch_id=self.batch_id,
                        site_id=site_id,
                        team_id=team_id,
                        date=day,
                        score=score,
                        channel=channel,
                    )
                    for site_id, team_id, day, score, channel in self.pending
                ],
                batch_size=WRITE_CHUNK,
            )
        self.written += len(self.pending)
        self.pending = []


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
    with _ChunkWriter(batch.pk) as writer, open_file() as binary:
        stream = _stream(binary, drop_extra=drop_extra_columns, problems=problems)
        columns = stream.header.columns
        for number, cells in stream:
            row, row_problems = check_row(number, cells, columns, lookups)
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
    except IntegrityError:
        # The same file was imported at the same moment by someone else.
        earlier = counting_batch(organization, check.sha256)
        if earlier is None:
            raise
        raise already_imported(earlier) from None
    return batch


class RateMeter:
    """Rows per second since the start, for progress lines."""

    def __init__(self):
        self.started = time.perf_counter()

    def rate(self, rows: int) -> float:
        elapsed = time.perf_counter() - self.started
        return rows / elapsed if elapsed > 0 else 0.0
