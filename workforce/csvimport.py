"""What every CSV import here shares: problems, header, rows, dates, numbers.

Rows are numbered as a spreadsheet shows them (header = 1), so a problem can be
found and fixed in the file; every problem names its row and column. Each
importer keeps its own columns, messages about its own cells and its own
exception class (a subclass of ``ImportFailed``); the reading of the file is
here:

- ``utf8_text``: bytes to text (byte order mark dropped), ``NotUtf8`` naming the
  line and byte otherwise;
- ``match_header``: the header row against the accepted columns ("unknown
  column", "appears twice", "missing");
- ``csv_rows``: the data rows one at a time (a generator, so a stream stays a
  stream), with unreadable rows and wrong cell counts reported by row;
- ``read_rows``: the whole file at once for an all-or-nothing import whose
  header must name exactly the given columns;
- ``date_cell`` / ``parse_iso_date`` / ``parse_decimal``: cells, with the row
  and column in the message;
- ``organization_by_slug``, ``read_file``, ``progress_printer``, ``run_import``,
  ``report_rejection``: the management commands' side.
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workforce.models import Organization, StaffMember

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# ``report(row, column, message)``: where a reader puts the problems it finds.
Report = Callable[[int | None, str, str], None]


@dataclass(frozen=True)
class ImportProblem:
    """One problem: ``row`` as numbered in the file (header = 1), None for the file."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        if not self.column:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"


class ImportFailed(Exception):
    """The file was rejected; ``errors`` lists the problems found (sorted by
    ``sort_key``) and ``total`` counts them all, kept or not."""

    subject = "the file"

    def __init__(self, errors, total: int | None = None):
        self.errors = sorted(errors, key=self.sort_key)
        self.total = len(self.errors) if total is None else total
        super().__init__(f"{self.total} problem(s) in {self.subject}")

    @staticmethod
    def sort_key(error: ImportProblem):
        # By row only: within a row the checks already run left to right, and a
        # stable sort keeps that order.
        return error.row or 0

    def as_dicts(self):
        return [asdict(error) for error in self.errors]


def shown(value: str) -> str:
    """A cell quoted for a message, cut short if long."""
    return f"“{value[:40]}…”" if len(value) > 40 else f"“{value}”"


# --- Decoding ------------------------------------------------------------------


class NotUtf8(ValueError):
    """The bytes are not UTF-8: ``line`` (from 1) and ``byte`` say where."""

    def __init__(self, line: int, byte: int):
        self.line, self.byte = line, byte
        super().__init__(f"not UTF-8: byte 0x{byte:02X} on line {line}")


def utf8_text(data) -> str:
    """The text of an upload (bytes or text), without a byte order mark."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    data = bytes(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(data[: exc.start].count(b"\n") + 1, data[exc.start]) from exc


# --- Header ----------------------------------------------------------------------


def header_name(cell: str) -> str:
    """A header cell as a column name: ``Team `` and ``TEAM`` are ``team``."""
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def is_blank(cells) -> bool:
    return not any(cell.strip() for cell in cells)


def unknown_column(expected: str) -> Callable[[int, str], ImportProblem]:
    """The plain ``unexpected`` for ``match_header``: the column by name (or
    ``#n`` when it has none) and what was expected."""

    def problem(index: int, cell: str) -> ImportProblem:
        return ImportProblem(
            1,
            cell or f"#{index + 1}",
            _("Unknown column; expected: %(expected)s.") % {"expected": expected},
        )

    return problem


def match_header(
    cells: list[str],
    *,
    accepted: tuple[str, ...],
    needed: tuple[str, ...],
    unexpected: Callable[[int, str], ImportProblem | None],
    missing: Callable[[str], str] = lambda name: _("The column is missing."),
) -> tuple[dict[str, int], list[ImportProblem]]:
    """``({column: index}, problems)`` for a header row.

    ``unexpected(index, stripped cell)`` says what a column outside ``accepted``
    is (None: leave it out silently); ``missing(name)`` is the message for a
    ``needed`` column the header does not name. A column named twice is always
    a problem. Problems come in header order, the missing ones last.
    """
    positions, problems = {}, []
    for index, cell in enumerate(cells):
        name = header_name(cell)
        if name not in accepted:
            problem = unexpected(index, cell.strip())
            if problem is not None:
                problems.append(problem)
        elif name in positions:
            problems.append(
                ImportProblem(
                    1,
                    name,
                    _("The column appears twice (columns %(a)d and %(b)d).")
                    % {"a": positions[name] + 1, "b": index + 1},
                )
            )
        else:
            positions[name] = index
    for name in needed:
        if name not in positions and not any(p.column == name for p in problems):
            problems.append(ImportProblem(1, name, missing(name)))
    return positions, problems


def no_header(expected: str, row: int | None = 1) -> ImportProblem:
    return ImportProblem(
        row,
        "",
        _("The first row must name the columns: %(expected)s.")
        % {"expected": expected},
    )


# --- Rows ------------------------------------------------------------------------


def next_cells(reader, number: int, report: Report) -> list[str] | None:
    """The next row of ``reader`` (row ``number`` of the file), or None at the
    end or when it cannot be read (reported; nothing after it can be trusted)."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except UnicodeDecodeError:
        report(
            None if number == 1 else number,
            "",
            _(
                "The file is not UTF-8 text (around row %(row)d). Save it as "
                "“CSV UTF-8 (comma delimited)” and try again."
            )
            % {"row": number},
        )
        return None
    except csv.Error as exc:
        report(number, "", _("Cannot be read as CSV: %(e)s.") % {"e": exc})
        return None


def csv_rows(
    reader, *, width: int, report: Report, blank=is_blank
) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` for each data row after the header, one at a
    time. Blank rows are skipped; a row with another cell count than the
    header's ``width`` is reported and skipped; an unreadable row is reported
    and ends the rows."""
    number = 1
    while True:
        number += 1
        cells = next_cells(reader, number, report)
        if cells is None:
            return
        if blank(cells):
            continue
        if len(cells) != width:
            report(
                number,
                "",
                _("Has %(found)d cells; the header has %(expected)d.")
                % {"found": len(cells), "expected": width},
            )
            continue
        yield number, cells


def read_rows(data, columns: tuple[str, ...], *, rejected=ImportFailed):
    """``[(row number, {column: stripped text})]`` for the readable data rows,
    and the problems of the rows that could not be read (wrong cell count).

    The header must name exactly ``columns`` (any order, any case); anything
    else is rejected at once (``rejected``, an ImportFailed class), since no
    cell could be trusted.
    """
    try:
        text = utf8_text(data)
    except NotUtf8 as exc:
        message = _(
            "The file is not UTF-8 text (line %(line)d). Save it as "
            "“CSV UTF-8 (comma delimited)” and try again."
        ) % {"line": exc.line}
        raise rejected([ImportProblem(None, "", message)]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    expected = ", ".join(columns)
    errors = []

    def report(row, column, message):
        errors.append(ImportProblem(row, column, message))

    header = next_cells(reader, 1, report)
    if errors:
        raise rejected(errors)
    if header is None or is_blank(header):
        raise rejected([no_header(expected, None if header is None else 1)])
    positions, errors = match_header(
        header,
        accepted=columns,
        needed=columns,
        unexpected=unknown_column(expected),
    )
    if errors:
        raise rejected(errors)
    rows = [
        (number, {name: cells[index].strip() for name, index in positions.items()})
        for number, cells in csv_rows(reader, width=len(header), report=report)
    ]
    if not rows and not errors:
        raise rejected([ImportProblem(None, "", _("The file has no data rows."))])
    return rows, errors


# --- Checking rows ----------------------------------------------------------------


def check_rows(rows, check) -> tuple[list, list[ImportProblem]]:
    """``check(number, raw, fail)`` on each ``(number, raw)`` of ``rows``.

    ``fail(column, message)`` adds a problem to that row. Returns what
    ``check`` returned for each row without a problem, and every problem in
    row order.
    """
    checked, problems = [], []
    for number, raw in rows:
        row_problems = []

        def fail(column, message, number=number, row_problems=row_problems):
            row_problems.append(ImportProblem(number, column, message))

        result = check(number, raw, fail)
        problems.extend(row_problems)
        if not row_problems:
            checked.append(result)
    return checked, problems


class FirstRows:
    """The row each key was first seen on, so a repeat can name it."""

    def __init__(self):
        self._first = {}

    def earlier(self, key, number: int) -> int | None:
        """The row ``key`` was first seen on, if before ``number``."""
        first = self._first.setdefault(key, number)
        return None if first == number else first


# --- Cells -----------------------------------------------------------------------


def parse_iso_date(raw: str) -> date | None:
    """YYYY-MM-DD only (03/04/2024 is a different day in different countries)."""
    if not ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def date_cell(raw: str, column: str, fail, *, no_such_date: bool = False):
    """``raw`` as a date, or None with ``fail(column, message)`` called.

    With ``no_such_date`` a well-formed date that does not exist (2023-02-29)
    is told apart from text that is not a date at all.
    """
    day = parse_iso_date(raw)
    if day is None:
        if no_such_date and ISO_DATE.fullmatch(raw):
            fail(column, _("There is no such date: %(value)s.") % {"value": shown(raw)})
        else:
            fail(
                column,
                _("Expected a date as YYYY-MM-DD (e.g. 2024-01-31), got %(value)s.")
                % {"value": shown(raw)},
            )
    return day


def parse_decimal(
    raw: str, *, places: int, signed: bool = False, leading_point: bool = True
) -> Decimal | None:
    """``raw`` as a plain decimal with at most ``places`` decimals, else None.

    No exponent, no thousands separator, no ``+``; a ``-`` only if ``signed``;
    ``.5`` only if ``leading_point``.
    """
    sign = "-?" if signed else ""
    fraction = rf"\.\d{{1,{places}}}"
    pattern = rf"{sign}\d+({fraction})?" if places else rf"{sign}\d+"
    if places and leading_point:
        pattern += rf"|{sign}{fraction}"
    if not re.fullmatch(pattern, raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern rules it out
        return None


# --- Against the database and writing ------------------------------------------

WRITE_BATCH = 1000

# ``progress(stage, done, total)``: stage "checked" once, then "written".
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def unknown_employee_ids(organization: Organization, rows) -> list[ImportProblem]:
    """A problem for each of ``rows`` (each with ``row`` and ``employee_id``)
    whose employee id nobody in ``organization`` has."""
    known = set(
        StaffMember.objects.filter(
            organization=organization,
            employee_id__in={row.employee_id for row in rows},
        ).values_list("employee_id", flat=True)
    )
    return [
        ImportProblem(
            row.row,
            "employee_id",
            _("No one in %(org)s has employee id %(value)s.")
            % {"org": organization.name, "value": shown(row.employee_id)},
        )
        for row in rows
        if row.employee_id not in known
    ]


def staff_pks(organization: Organization, rows) -> dict[str, int]:
    """``{employee id: staff member pk}`` for the people named in ``rows``."""
    return dict(
        StaffMember.objects.filter(
            organization=organization,
            employee_id__in={row.employee_id for row in rows},
        ).values_list("employee_id", "pk")
    )


def bulk_write(model, to_create, to_update, fields, progress: Progress) -> None:
    """Create ``to_create`` in batches (``progress("written", …)`` after each),
    then save ``fields`` of ``to_update``."""
    for start in range(0, len(to_create), WRITE_BATCH):
        batch = to_create[start : start + WRITE_BATCH]
        model.objects.bulk_create(batch)
        progress("written", start + len(batch), len(to_create))
    model.objects.bulk_update(to_update, fields, batch_size=WRITE_BATCH)


# --- Management commands -----------------------------------------------------------


def organization_by_slug(slug: str) -> Organization:
    try:
        return Organization.objects.get(slug=slug)
    except Organization.DoesNotExist as exc:
        raise CommandError(f"No organization with slug {slug!r}.") from exc


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc


def progress_printer(command):
    def progress(stage, done, total):
        if stage == "checked":
            command.stdout.write(f"checked {total} rows")
        else:
            command.stdout.write(f"written {done}/{total}")

    return progress


def report_rejection(
    command, path: Path, exc: ImportFailed, *, grouped: bool = False
) -> CommandError:
    """Print every kept problem of ``exc`` (and how many more there were); the
    CommandError to raise. ``grouped``: counts with thousands separators."""
    count = "{:,}" if grouped else "{}"
    for error in exc.errors:
        command.stderr.write(str(error))
    if exc.total > len(exc.errors):
        more = count.format(exc.total - len(exc.errors))
        command.stderr.write(f"… and {more} more problem(s).")
    return CommandError(
        f"{count.format(exc.total)} problem(s) in {path.name}; nothing was imported."
    )


def run_import(command, path: Path, do_import):
    """Run ``do_import()``; on rejection print every problem and fail."""
    try:
        return do_import()
    except ImportFailed as exc:
        raise report_rejection(command, path, exc) from exc


class CsvImportCommand(BaseCommand):
    """``manage.py <command> FILE.csv --org SLUG``: read the whole file, import
    it all-or-nothing, then print a summary, or every problem and fail.

    A command says how to import (``import_file``) and what to say after
    (``summary``); the import's progress goes to ``self.progress``.
    """

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV (UTF-8).")
        parser.add_argument("--org", required=True, help="The organization's slug.")

    def import_file(self, *, organization: Organization, data: bytes, **options):
        raise NotImplementedError  # pragma: no cover - every command defines it

    def summary(self, organization: Organization, result) -> str:
        raise NotImplementedError  # pragma: no cover - every command defines it

    def handle(self, *args, file, org, **options):
        organization = organization_by_slug(org)
        data = read_file(file)
        self.progress = progress_printer(self)
        result = run_import(
            self,
            file,
            lambda: self.import_file(organization=organization, data=data, **options),
        )
        self.stdout.write(self.style.SUCCESS(self.summary(organization, result)))
