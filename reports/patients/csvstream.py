"""Reading a large CSV as a stream, with a strict list of accepted columns.

The file is never held in memory: bytes go through a SHA-256 and a UTF-8
decoder into ``csv.reader`` a few kilobytes at a time, and each row is reduced
to the accepted columns before anyone looks at it. A column that is not
accepted either rejects the file (named in the error) or, when the caller asks
for it, is dropped unread: only its header name is ever used.

Problems are reported like every import here (``workforce.csvimport``):
by row as a spreadsheet numbers them (header = 1) and column. A file with a
million bad rows keeps only the first ``ProblemList.cap`` and a total.
"""

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from workforce.csvimport import (
    ImportFailed,
    ImportProblem,
    csv_rows,
    header_name,
    is_blank,
    match_header,
    next_cells,
    no_header,
)

__all__ = [
    "CsvStream",
    "Header",
    "ImportRejected",
    "ProblemList",
    "header_name",
    "read_header",
]

ERRORS_KEPT = 1000


class ImportRejected(ImportFailed):
    """Nothing was imported. ``errors``: the first problems; ``total``: all."""


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
    expected = ", ".join(required) + (
        " " + _("and optionally %(optional)s") % {"optional": ", ".join(optional)}
        if optional
        else ""
    )
    if is_blank(cells):
        raise ImportRejected([no_header(expected)])
    dropped = []

    def unexpected(index: int, cell: str) -> ImportProblem | None:
        shown_name = cell or f"#{index + 1}"
        if drop_extra:
            dropped.append(shown_name)
            return None
        return ImportProblem(
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

    positions, errors = match_header(
        cells, accepted=required + optional, needed=required, unexpected=unexpected
    )
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
        first = next_cells(self._reader, 1, problems.add)
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

    def __iter__(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        if self._stopped:
            return
        positions = tuple(self.header.positions.values())
        # Only emptiness is looked at across the whole row: a dropped column's
        # text is never interpreted, stored or quoted.
        for number, cells in csv_rows(
            self._reader,
            width=self.header.width,
            report=self.problems.add,
            blank=_empty,
        ):
            self.rows_read += 1
            yield number, tuple(cells[index].strip() for index in positions)
        self._stopped = True
        # Read to the end so the digest covers the whole file even when the
        # CSV reader stopped early on a broken row.
        while self._text.buffer.read(64 * 1024):
            pass


def _empty(cells) -> bool:
    return not any(cells)
