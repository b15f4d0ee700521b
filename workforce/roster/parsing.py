"""Reading a roster CSV into checked rows. Pure: no database."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from workforce.csvimport import (
    ISO_DATE,  # noqa: F401 - re-exported by workforce.roster
    ImportFailed,
    ImportProblem,
    NotUtf8,
    csv_rows,
    date_cell,
    is_blank,
    match_header,
    next_cells,
    no_header,
    parse_decimal,
    shown,
    utf8_text,
)
from workforce.models import EmploymentType, TerminationReason

COLUMNS = (
    "employee_id",
    "full_name",
    "email",
    "phone",
    "site",
    "team",
    "job_role",
    "employment_type",
    "fte",
    "hire_date",
    "termination_date",
    "termination_reason",
)
REQUIRED = {
    "employee_id",
    "full_name",
    "site",
    "team",
    "job_role",
    "employment_type",
    "fte",
    "hire_date",
}
MAX_LENGTHS = {
    "employee_id": 64,
    "full_name": 200,
    "email": 254,
    "phone": 32,
    "site": 200,
    "team": 200,
    "job_role": 120,
}


# One problem: ``row`` as numbered in the file (header = 1), None for the file.
RosterError = ImportProblem


class RosterImportError(ImportFailed):
    """The file was rejected; ``errors`` lists every problem found."""

    subject = "the roster"

    @staticmethod
    def sort_key(error):
        return (error.row or 0, _column_order(error))


def _column_order(error):
    return COLUMNS.index(error.column) if error.column in COLUMNS else -1


@dataclass(frozen=True)
class RosterRow:
    row: int
    employee_id: str
    full_name: str
    email: str
    phone: str
    site: str
    team: str
    job_role: str
    employment_type: str
    fte: Decimal
    hire_date: date
    termination_date: date | None
    termination_reason: str


def decode_roster(data: bytes) -> str:
    """Text of an uploaded roster: UTF-8, with or without a byte order mark."""
    try:
        return utf8_text(data)
    except NotUtf8 as exc:
        message = _(
            "The file is not UTF-8 text (byte 0x%(byte)02X on line %(line)d). "
            "Save it as “CSV UTF-8 (comma delimited)” and upload it again."
        ) % {"byte": exc.byte, "line": exc.line}
        raise RosterImportError([RosterError(None, "", message)]) from exc


def _unexpected_column(index: int, cell: str) -> RosterError:
    expected = ", ".join(COLUMNS)
    if not cell:
        return RosterError(
            1,
            "",
            _("Column %(n)d has no name; expected one of: %(expected)s.")
            % {"n": index + 1, "expected": expected},
        )
    return RosterError(
        1,
        cell,
        _("Unknown column; expected one of: %(expected)s.") % {"expected": expected},
    )


def _missing_column(name: str) -> str:
    if name in REQUIRED:
        return _("The column is missing and it is required.")
    return _(
        "The column is missing; the header must name it (cells may be "
        "empty where it is optional)."
    )


def _parse_row(number: int, raw: dict[str, str]) -> tuple[RosterRow | None, list]:
    errors = []

    def fail(column, message):
        errors.append(RosterError(number, column, message))

    values = {}
    for column in COLUMNS:
        # Names are compared and stored with runs of spaces collapsed.
        value = " ".join(raw[column].split())
        if not value and column in REQUIRED:
            fail(column, _("Empty; this column is required."))
        elif column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            fail(
                column,
                _("%(length)d characters long; at most %(max)d are allowed.")
                % {"length": len(value), "max": MAX_LENGTHS[column]},
            )
        values[column] = value

    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            fail(
                "email",
                _("Not an email address: %(value)s.")
                % {"value": shown(values["email"])},
            )

    employment_type = re.sub(r"[\s-]+", "_", values["employment_type"].lower())
    if values["employment_type"] and employment_type not in EmploymentType.values:
        fail(
            "employment_type",
            _("Unknown employment type %(value)s; expected one of: %(expected)s.")
            % {
                "value": shown(values["employment_type"]),
                "expected": ", ".join(EmploymentType.values),
            },
        )

    fte = None
    if values["fte"]:
        fte = parse_decimal(values["fte"], places=2)
        if fte is None or fte > 1:
            fte = None
            fail(
                "fte",
                _(
                    "Expected a number from 0 to 1 with at most two decimals "
                    "(e.g. 0.8), got %(value)s."
                )
                % {"value": shown(values["fte"])},
            )

    hire_date = (
        date_cell(values["hire_date"], "hire_date", fail, no_such_date=True)
        if values["hire_date"]
        else None
    )
    termination_date = (
        date_cell(
            values["termination_date"], "termination_date", fail, no_such_date=True
        )
        if values["termination_date"]
        else None
    )
    if hire_date and termination_date and termination_date < hire_date:
        fail(
            "termination_date",
            _("%(end)s is before the hire date %(start)s.")
            % {"end": termination_date.isoformat(), "start": hire_date.isoformat()},
        )

    reason = values["termination_reason"].lower()
    if reason and reason not in TerminationReason.values:
        fail(
            "termination_reason",
            _("Expected voluntary or involuntary, got %(value)s.")
            % {"value": shown(values["termination_reason"])},
        )
    elif values["termination_date"] and not reason:
        fail(
            "termination_reason",
            _("Empty; a termination date is given, so say voluntary or involuntary."),
        )
    elif reason and not values["termination_date"]:
        fail(
            "termination_reason",
            _("Given, but termination_date is empty; fill in both or neither."),
        )

    if errors:
        return None, errors
    return (
        RosterRow(
            row=number,
            employee_id=values["employee_id"],
            full_name=values["full_name"],
            email=values["email"],
            phone=values["phone"],
            site=values["site"],
            team=values["team"],
            job_role=values["job_role"],
            employment_type=employment_type,
            fte=fte,
            hire_date=hire_date,
            termination_date=termination_date,
            termination_reason=reason,
        ),
        [],
    )


def parse_roster(text: str) -> list[RosterRow]:
    """Every row of ``text`` checked; raises RosterImportError listing all problems.

    Only ISO dates (YYYY-MM-DD) are accepted: 03/04/2024 means different days in
    different countries. Blank lines are skipped; row numbers are those a
    spreadsheet shows (header = row 1).
    """
    reader = csv.reader(io.StringIO(utf8_text(text), newline=""))
    errors, rows, first_row_of = [], [], {}

    def report(row, column, message):
        errors.append(RosterError(row, column, message))

    header = next_cells(reader, 1, report)
    if errors:
        raise RosterImportError(errors)
    if header is None:
        raise RosterImportError([RosterError(None, "", _("The file is empty."))])
    if is_blank(header):
        raise RosterImportError([no_header(", ".join(COLUMNS))])
    positions, header_errors = match_header(
        header,
        accepted=COLUMNS,
        needed=COLUMNS,
        unexpected=_unexpected_column,
        missing=_missing_column,
    )
    if header_errors:
        # Without a trustworthy header no cell can be read for sure.
        raise RosterImportError(header_errors)
    for number, cells in csv_rows(reader, width=len(header), report=report):
        row, row_errors = _parse_row(
            number, {name: cells[index] for name, index in positions.items()}
        )
        employee_id = cells[positions["employee_id"]].strip()
        if employee_id in first_row_of:
            row_errors.append(
                RosterError(
                    number,
                    "employee_id",
                    _("%(value)s is also on row %(row)d; each person may appear once.")
                    % {"value": shown(employee_id), "row": first_row_of[employee_id]},
                )
            )
        elif employee_id:
            first_row_of[employee_id] = number
        errors.extend(row_errors)
        if row is not None and not row_errors:
            rows.append(row)
    if not errors and not rows:
        errors.append(RosterError(2, "", _("The file has a header but no people.")))
    if errors:
        raise RosterImportError(errors)
    return rows
