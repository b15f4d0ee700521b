"""Reading a roster CSV into checked rows. Pure: no database."""

import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

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
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FTE = re.compile(r"\d+(\.\d{1,2})?|\.\d{1,2}")


@dataclass(frozen=True)
class RosterError:
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


class RosterImportError(Exception):
    """The file was rejected; ``errors`` lists every problem found."""

    def __init__(self, errors):
        self.errors = sorted(errors, key=lambda e: (e.row or 0, _column_order(e)))
        super().__init__(f"{len(self.errors)} problem(s) in the roster")

    def as_dicts(self):
        return [asdict(error) for error in self.errors]


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
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = _(
            "The file is not UTF-8 text (byte 0x%(byte)02X on line %(line)d). "
            "Save it as “CSV UTF-8 (comma delimited)” and upload it again."
        ) % {"byte": data[exc.start], "line": line}
        raise RosterImportError([RosterError(None, "", message)]) from exc


def _shown(value: str) -> str:
    return f"“{value[:40]}…”" if len(value) > 40 else f"“{value}”"


def _read_header(cells):
    positions, errors = {}, []
    expected = ", ".join(COLUMNS)
    for index, cell in enumerate(cells):
        name = re.sub(r"[\s-]+", "_", cell.strip().lower())
        if not name:
            errors.append(
                RosterError(
                    1,
                    "",
                    _("Column %(n)d has no name; expected one of: %(expected)s.")
                    % {"n": index + 1, "expected": expected},
                )
            )
        elif name not in COLUMNS:
            errors.append(
                RosterError(
                    1,
                    cell.strip(),
                    _("Unknown column; expected one of: %(expected)s.")
                    % {"expected": expected},
                )
            )
        elif name in positions:
            errors.append(
                RosterError(
                    1,
                    name,
                    _("The column appears twice (columns %(a)d and %(b)d).")
                    % {"a": positions[name] + 1, "b": index + 1},
                )
            )
        else:
            positions[name] = index
    for name in COLUMNS:
        if name not in positions and not any(e.column == name for e in errors):
            errors.append(
                RosterError(
                    1,
                    name,
                    _(
                        "The column is missing; the header must name it (cells may be "
                        "empty where it is optional)."
                    )
                    if name not in REQUIRED
                    else _("The column is missing and it is required."),
                )
            )
    return positions, errors


def _parse_date(raw: str, fail, column: str) -> date | None:
    if not ISO_DATE.fullmatch(raw):
        fail(
            column,
            _("Expected a date as YYYY-MM-DD (e.g. 2024-01-31), got %(value)s.")
            % {"value": _shown(raw)},
        )
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(column, _("There is no such date: %(value)s.") % {"value": _shown(raw)})
        return None


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
                % {"value": _shown(values["email"])},
            )

    employment_type = re.sub(r"[\s-]+", "_", values["employment_type"].lower())
    if values["employment_type"] and employment_type not in EmploymentType.values:
        fail(
            "employment_type",
            _("Unknown employment type %(value)s; expected one of: %(expected)s.")
            % {
                "value": _shown(values["employment_type"]),
                "expected": ", ".join(EmploymentType.values),
            },
        )

    fte = None
    if values["fte"]:
        try:
            fte = Decimal(values["fte"]) if FTE.fullmatch(values["fte"]) else None
        except InvalidOperation:
            fte = None
        if fte is None or fte > 1:
            fte = None
            fail(
                "fte",
                _(
                    "Expected a number from 0 to 1 with at most two decimals "
                    "(e.g. 0.8), got %(value)s."
                )
                % {"value": _shown(values["fte"])},
            )

    hire_date = (
        _parse_date(values["hire_date"], fail, "hire_date")
        if values["hire_date"]
        else None
    )
    termination_date = (
        _parse_date(values["termination_date"], fail, "termination_date")
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
            % {"value": _shown(values["termination_reason"])},
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
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    errors, rows, first_row_of = [], [], {}
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(
                RosterError(
                    number, "", _("Cannot be read as CSV: %(error)s.") % {"error": exc}
                )
            )
            break
        if number == 1:
            if not any(cell.strip() for cell in cells):
                raise RosterImportError(
                    [
                        RosterError(
                            1,
                            "",
                            _("The first row must name the columns: %(expected)s.")
                            % {"expected": ", ".join(COLUMNS)},
                        )
                    ]
                )
            positions, header_errors = _read_header(cells)
            if header_errors:
                # Without a trustworthy header no cell can be read for sure.
                raise RosterImportError(header_errors)
            width = len(cells)
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            errors.append(
                RosterError(
                    number,
                    "",
                    _("Has %(found)d cells; the header has %(expected)d.")
                    % {"found": len(cells), "expected": width},
                )
            )
            continue
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
                    % {"value": _shown(employee_id), "row": first_row_of[employee_id]},
                )
            )
        elif employee_id:
            first_row_of[employee_id] = number
        errors.extend(row_errors)
        if row is not None and not row_errors:
            rows.append(row)
    if number == 1 and not errors:
        raise RosterImportError([RosterError(None, "", _("The file is empty."))])
    if not errors and not rows:
        errors.append(RosterError(2, "", _("The file has a header but no people.")))
    if errors:
        raise RosterImportError(errors)
    return rows
