"""Reading an uploaded CSV for an all-or-nothing import, and reporting problems.

Rows are numbered as a spreadsheet shows them (header = 1), so a problem can be
found and fixed in the file; every problem names its row and column.
"""

import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date

from django.utils.translation import gettext as _

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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


class SkillsImportError(Exception):
    """The file was rejected; ``errors`` lists every problem found."""

    def __init__(self, errors):
        # By row only: within a row the checks already run left to right, and a
        # stable sort keeps that order.
        self.errors = sorted(errors, key=lambda e: e.row or 0)
        super().__init__(f"{len(self.errors)} problem(s) in the file")

    def as_dicts(self):
        return [asdict(error) for error in self.errors]


def shown(value: str) -> str:
    """A cell quoted for a message, cut short if long."""
    return f"“{value[:40]}…”" if len(value) > 40 else f"“{value}”"


def _text_of(data) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = bytes(data)[: exc.start].count(b"\n") + 1
        raise SkillsImportError(
            [
                ImportProblem(
                    None,
                    "",
                    _(
                        "The file is not UTF-8 text (line %(line)d). Save it as "
                        "“CSV UTF-8 (comma delimited)” and try again."
                    )
                    % {"line": line},
                )
            ]
        ) from exc


def read_rows(data, columns: tuple[str, ...]):
    """``[(row number, {column: stripped text})]`` for the readable data rows,
    and the problems of the rows that could not be read (wrong cell count).

    The header must name exactly ``columns`` (any order, any case); anything
    else is rejected at once, since no cell could be trusted.
    """
    text = _text_of(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    expected = ", ".join(columns)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SkillsImportError(
            [ImportProblem(1, "", _("Cannot be read as CSV: %(e)s.") % {"e": exc})]
        ) from exc
    if header is None or not any(cell.strip() for cell in header):
        raise SkillsImportError(
            [
                ImportProblem(
                    None if header is None else 1,
                    "",
                    _("The first row must name the columns: %(expected)s.")
                    % {"expected": expected},
                )
            ]
        )
    positions, errors = {}, []
    for index, cell in enumerate(header):
        name = re.sub(r"[\s-]+", "_", cell.strip().lower())
        if name not in columns:
            errors.append(
                ImportProblem(
                    1,
                    cell.strip() or f"#{index + 1}",
                    _("Unknown column; expected: %(expected)s.")
                    % {"expected": expected},
                )
            )
        elif name in positions:
            errors.append(
                ImportProblem(
                    1,
                    name,
                    _("The column appears twice (columns %(a)d and %(b)d).")
                    % {"a": positions[name] + 1, "b": index + 1},
                )
            )
        else:
            positions[name] = index
    for name in columns:
        if name not in positions and not any(e.column == name for e in errors):
            errors.append(ImportProblem(1, name, _("The column is missing.")))
    if errors:
        raise SkillsImportError(errors)

    rows, number = [], 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(
                ImportProblem(
                    number, "", _("Cannot be read as CSV: %(e)s.") % {"e": exc}
                )
            )
            break
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                ImportProblem(
                    number,
                    "",
                    _("Has %(found)d cells; the header has %(expected)d.")
                    % {"found": len(cells), "expected": len(header)},
                )
            )
            continue
        rows.append(
            (number, {name: cells[index].strip() for name, index in positions.items()})
        )
    if not rows and not errors:
        raise SkillsImportError(
            [ImportProblem(None, "", _("The file has no data rows."))]
        )
    return rows, errors


def parse_iso_date(raw: str) -> date | None:
    """YYYY-MM-DD only (03/04/2024 is a different day in different countries)."""
    if not ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
