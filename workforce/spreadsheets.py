"""CSV and XLSX output that is safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` is read by Excel, LibreOffice
and Google Sheets as a formula, so a name like ``=HYPERLINK(...)`` typed into an
upstream HR system would run when someone opens our export. Every CSV and XLSX we
write (exports, import error reports) goes through :func:`escape_cell`.
"""

import csv
import io
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Tab and carriage return are on OWASP's list too: some spreadsheets strip them
# and then see the formula character that follows.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Return ``value`` made inert for spreadsheets.

    Text that starts with a formula character gets a leading apostrophe, which
    spreadsheets show as plain text. Numbers are left alone (a negative number
    is not a formula), and ``None`` becomes an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, numbers.Number):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeCsvWriter:
    """A ``csv.writer`` whose rows are escaped with :func:`escape_cell`."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable):
        return self._writer.writerow([escape_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """The whole CSV (header first) as text, every cell escaped."""
    buffer = io.StringIO(newline="")
    writer = SafeCsvWriter(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]):
    """A download of ``rows`` as ``filename``.

    Starts with a UTF-8 byte order mark so Excel reads accented names correctly;
    our own importers accept it.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response.write("\ufeff")
    writer = SafeCsvWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


# --- XLSX ---------------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
# Excel refuses these in sheet names and cuts names at 31 characters.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
_SHEET_NAME_LENGTH = 31


@dataclass(frozen=True)
class Sheet:
    """One table of an export: a title (the XLSX sheet name), a header, rows."""

    title: str
    header: Sequence
    rows: Iterable[Sequence]


def xlsx_cell(value):
    """:func:`escape_cell` for XLSX.

    openpyxl stores any string that starts with ``=`` as a formula, so the
    apostrophe :func:`escape_cell` adds is what keeps it text here too. Control
    characters that XML cannot hold are dropped, and a number that is not
    finite becomes an empty cell (Excel has no NaN).
    """
    value = escape_cell(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value


def _sheet_name(title: str, taken: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip(" '") or "Sheet"
    base = base[:_SHEET_NAME_LENGTH]
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name = base[: _SHEET_NAME_LENGTH - len(suffix)] + suffix
        number += 1
    taken.add(name.lower())
    return name


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet, every cell escaped."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=_sheet_name(sheet.title, taken))
        worksheet.append([xlsx_cell(cell) for cell in sheet.header])
        for row in sheet.rows:
            worksheet.append([xlsx_cell(cell) for cell in row])
    if not taken:
        workbook.create_sheet(title="Empty")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Iterable[Sheet]):
    """A download of ``sheets`` as the workbook ``filename``."""
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


def table_response(stem: str, file_format: str, sheets: Sequence[Sheet]):
    """``sheets`` as ``stem.csv`` (exactly one sheet) or ``stem.xlsx``.

    The one place an export picks its format, so CSV and XLSX carry the same
    cells, escaped the same way.
    """
    if file_format == CSV:
        if len(sheets) != 1:
            raise ValueError(f"A CSV holds one table; got {len(sheets)}.")
        return csv_response(f"{stem}.csv", sheets[0].header, sheets[0].rows)
    if file_format == XLSX:
        return xlsx_response(f"{stem}.xlsx", sheets)
    raise ValueError(f"Unknown export format {file_format!r}: use csv or xlsx.")
