"""Reading a large CSV as a stream, with a strict list of accepted columns.

The file is never held in memory: bytes go through a SHA-256 and a UTF-8
decoder into ``csv.reader`` a few kilobytes at a time, and each row is reduced
to the accepted columns before anyone looks at it. A column that is not
accepted either rejects the file (named in the error) or, when the caller asks
for it, is dropped unread: only its header name is ever used.

Problems are reported like every import here (``workforce.skills.csvfile``):
by row as a spreadsheet numbers them (header = 1) and column. A file with a
million bad rows keeps only the first ``ProblemList.cap`` and a total.
"""

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from workforce.skills.csvfile import ImportProblem

ERRORS_KEPT = 1000


class ImportRejected(Exception):
    """Nothing was imported. ``errors``: the first problems; ``total``: all."""

    def __init__(self, errors, total: int | None = None):
        self.errors = sorted(errors, key=lambda e: e.row or 0)
        self.total = len(self.errors) if total is None else total
        super().__init__(f"{self.total} problem(s) in the file")

    def as_dicts(self):
        return [asdict(error) for error in self.errors]


class ProblemList:
    """Every problem counted, the first ``cap`` kept (memory stays bounded)."""

    def __init__(self, cap: int = ERRORS_KEPT):
        self.cap = cap
        self.kept: list[ImportProblem] = []
        self.total = 0

    def add(self, row: int | None, column: str, message: str) -> None:
        self.total += 1
        if len(self.kept) < self.cap:
            self.kept.append(ImportProblem(row, column, message))

    def __bool__(self):
        return self.total > 0

    def rejected(self) -> ImportRejected:
        return ImportRejected(self.kept, self.total)


def header_name(cell: str) -> str:
    """A header cell as a column name: ``Team `` and ``TEAM`` are ``team``."""
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


@dataclass
class Header:
    """Where the accepted columns are; which other columns were left out."""

    positions: dict[str, int]
    width: int
    dropped: list[str] = field(default_factory=list)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.positions)


def read_header(
    cells: list[str],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    drop_extra: bool = False,
) -> Header:
    """Check the header row; raises ImportRejected naming every bad column.

    Any column other than ``required`` and ``optional`` rejects the file unless
    ``drop_extra``, in which case it is recorded (by name) as dropped.
    """
    accepted = required + optional
    expected = ", ".join(required) + (
        " " + _("and optionally %(optional)s") % {"optional": ", ".join(optional)}
        if optional
        else ""
    )
    if not any(cell.strip() for cell in cells):
        raise ImportRejected(
            [
                ImportProblem(
                    1,
                    "",
                    _("The first row must name the columns: %(expected)s.")
                    % {"expected": expected},
                )
            ]
        )
    positions, dropped, errors = {}, [], []
    for index, cell in enumerate(cells):
        name = header_name(cell)
        shown_name = cell.strip() or f"#{index + 1}"
        if name in accepted and name in positions:
            errors.append(
                ImportProblem(
                    1,
                    name,
                    _("The column appears twice (columns %(a)d and %(b)d).")
                    % {"a": positions[name] + 1, "b": index + 1},
                )
            )
        elif name in accepted:
            positions[name] = index
        elif drop_extra:
            dropped.append(shown_name)
        else:
            errors.append(
                ImportProblem(
                    1,
                    shown_name,
                    _(
                        "This column is not accepted: only %(expected)s may be "
                        "imported, so that nothing identifying a patient is ever "
                        "stored. Remove the column, or choose to drop extra "
                        "columns (they are then skipped unread)."
                    )
                    % {"expected": expected},
                )
            )
    for name in required:
        if name not in positions and not any(e.column == name for e in errors):
            errors.append(ImportProblem(1, name, _("The column is missing.")))
    if errors:
        raise ImportRejected(errors)
    return Header(positions=positions, width=len(cells), dropped=dropped)


class _HashingReader(io.RawIOBase):
    """Passes bytes through unchanged, feeding them to a SHA-256 on the way."""

    def __init__(self, raw):
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._raw.read(len(buffer))
        if not data:
            return 0
        count = len(data)
        buffer[:count] = data
        self.sha256.update(data)
        self.bytes_read += count
        return count


class CsvStream:
    """One pass over a binary CSV stream.

    ``header`` is read on construction; iterating yields ``(row number, cells)``
    where ``cells`` holds the stripped text of the accepted columns in
    ``header.columns`` order. Rows that cannot be read are added to
    ``problems`` and skipped; a byte that is not UTF-8 ends the pass. After the
    pass, ``sha256`` is the digest of every byte read (the whole file).
    """

    def __init__(
        self,
        binary,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
        drop_extra: bool = False,
        problems: ProblemList,
    ):
        self._hashing = _HashingReader(binary)
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._hashing, buffer_size=64 * 1024),
            encoding="utf-8-sig",
            newline="",
        )
        self._reader = csv.reader(self._text)
        self.problems = problems
        self.rows_read = 0
        first = self._next_cells(1)
        if first is None:
            if problems:
                raise problems.rejected()
            raise ImportRejected([ImportProblem(None, "", _("The file is empty."))])
        self.header = read_header(
            first, required=required, optional=optional, drop_extra=drop_extra
        )
        self._stopped = False

    @property
    def sha256(self) -> str:
        return self._hashing.sha256.hexdigest()

    def _next_cells(self, number: int):
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except UnicodeDecodeError:
            self.problems.add(
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
            self.problems.add(
                number, "", _("Cannot be read as CSV: %(e)s.") % {"e": exc}
            )
            return None

    def __iter__(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        if self._stopped:
            return
        positions = tuple(self.header.positions.values())
        width = self.header.width
        number = 1
        while True:
            number += 1
            cells = self._next_cells(number)
            if cells is None:
                break
            # Only emptiness is looked at across the whole row: a dropped
            # column's text is never interpreted, stored or quoted.
            if not any(cells):
                continue
            if len(cells) != width:
                self.problems.add(
                    number,
                    "",
                    _("Has %(found)d cells; the header has %(expected)d.")
                    % {"found": len(cells), "expected": width},
                )
                continue
            self.rows_read += 1
            yield number, tuple(cells[index].strip() for index in positions)
        self._stopped = True
        # Read to the end so the digest covers the whole file even when the
        # CSV reader stopped early on a broken row.
        while self._text.buffer.read(64 * 1024):
            pass
