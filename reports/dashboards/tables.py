"""Tables shown on a dashboard and written to its exports.

A cell holds a number, a text, or a :class:`Hidden` (a suppressed figure: the
page and the files show its reason, never a number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from workforce.spreadsheets import Sheet


@dataclass(frozen=True)
class Hidden:
    """A suppressed cell; ``reason`` is what readers see instead of the figure."""

    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Table:
    """One table: ``slug`` names it in export URLs; ``numeric`` marks the columns
    that hold numbers (right-aligned on the page)."""

    slug: str
    title: str
    headers: Sequence[str]
    rows: list[list] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()
    note: str = ""

    def sheet(self) -> Sheet:
        return Sheet(
            title=self.title,
            header=list(self.headers),
            rows=[[_exported(cell) for cell in row] for row in self.rows],
        )

    def cells(self):
        """Rows as (value, is_numeric, is_hidden) for the template."""
        for row in self.rows:
            yield [
                (cell, index in self.numeric, isinstance(cell, Hidden))
                for index, cell in enumerate(row)
            ]


def _exported(cell):
    if isinstance(cell, Hidden):
        return cell.reason
    return cell


def percent(share: float | None, digits: int = 0) -> float | None:
    """A 0..1 share as a rounded percentage (None stays None)."""
    if share is None:
        return None
    return round(100 * share, digits) + 0.0
