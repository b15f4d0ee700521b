"""CSV output that is safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` is read by Excel, LibreOffice
and Google Sheets as a formula, so a name like ``=HYPERLINK(...)`` typed into an
upstream HR system would run when someone opens our export. Every CSV we write
(exports, import error reports) goes through :func:`escape_cell`.
"""

import csv
import io
import numbers
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.http import content_disposition_header

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
