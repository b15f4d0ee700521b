"""Import team-month results from another pulse tool into ``PulseHistory``.

The file is a CSV with the columns ``site, team, month, measure, respondents,
value`` (header names are case-insensitive, column order is free):

- ``site`` and ``team``: names or slugs of an existing site and one of its teams;
- ``month``: ``YYYY-MM``;
- ``measure``: ``engagement`` (index 0–100), ``burnout`` (percentage of
  respondents, 0–100) or ``enps`` (-100..100);
- ``respondents``: how many people answered, at least the organization's
  minimum group size k: rows for smaller groups are refused, because we would
  then hold and could show numbers our own surveys would hide;
- ``value``: the number, with a dot as decimal separator.

Burnout is a percentage, like our own results. A file whose burnout values all lie
between 0 and 1 almost surely holds fractions (0.35 for 35%), so it is refused
with a message saying so rather than imported as rates a hundred times too small.

The import is all-or-nothing: every error is reported by row (the header is row
1) and column, and nothing is written unless the whole file is valid. A row for a
team, month and measure that is already stored replaces the stored value: the
file is the source of truth for what it contains, so a corrected export can be
imported again. The same team, month and measure twice in one file is an error.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from workforce.models import Organization, Site, Team

from .models import PulseHistory

COLUMNS = ("site", "team", "month", "measure", "respondents", "value")
RANGES = {
    PulseHistory.HistoryMeasure.ENGAGEMENT: (0.0, 100.0),
    PulseHistory.HistoryMeasure.BURNOUT: (0.0, 100.0),
    PulseHistory.HistoryMeasure.ENPS: (-100.0, 100.0),
}
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
PROGRESS_EVERY = 500

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"Row {self.row}, column {self.column}: {self.message}"


class PulseHistoryImportError(Exception):
    """The file was refused; ``errors`` lists every problem. Nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int


@dataclass(frozen=True)
class _Row:
    number: int
    team: Team
    month: datetime.date
    measure: str
    respondents: int
    value: float


class _Lookup:
    """Sites and teams of one organization by case-insensitive name or slug."""

    def __init__(self, organization: Organization):
        self.sites = {}
        self.teams = {}
        for site in Site.objects.filter(organization=organization):
            self.sites[site.name.casefold()] = site
            self.sites[site.slug.casefold()] = site
        for team in Team.objects.filter(site__organization=organization):
            self.teams[(team.site_id, team.name.casefold())] = team
            self.teams[(team.site_id, team.slug.casefold())] = team


def _noop(stage: str, done: int, total: int) -> None:
    return None


def pulse_history_import(
    *, organization: Organization, file, progress: Progress = _noop
) -> ImportResult:
    """Check every row of ``file`` (a text stream), then write them all or none."""
    rows = _validated_rows(organization, file, progress)
    return _write(organization, rows, progress)


def _validated_rows(organization, file, progress) -> list[_Row]:
    reader = csv.reader(file)
    header = next(reader, None)
    if header is None:
        raise PulseHistoryImportError([RowError(1, "header", "the file is empty")])
    names = [h.strip().lstrip("\ufeff").casefold() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise PulseHistoryImportError(
            [
                RowError(1, column, f"missing column “{column}” in the header")
                for column in missing
            ]
        )
    index = {c: names.index(c) for c in COLUMNS}
    lines = list(reader)
    lookup = _Lookup(organization)
    k = organization.min_group_size
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen: dict[tuple, int] = {}
    for offset, line in enumerate(lines):
        number = offset + 2
        if not any(cell.strip() for cell in line):
            continue
        cells = {
            c: (line[i].strip() if i < len(line) else "") for c, i in index.items()
        }
        row_errors = []

        def error(column, message, row_errors=row_errors, number=number):
            row_errors.append(RowError(number, column, message))

        site = lookup.sites.get(cells["site"].casefold())
        team = None
        if not cells["site"]:
            error("site", "expected a site name")
        elif site is None:
            error("site", f"no site “{cells['site']}” in {organization.name}")
        elif not cells["team"]:
            error("team", "expected a team name")
        else:
            team = lookup.teams.get((site.pk, cells["team"].casefold()))
            if team is None:
                error("team", f"no team “{cells['team']}” at site “{site.name}”")

        month = None
        match = MONTH.match(cells["month"])
        if match and 1 <= int(match.group(2)) <= 12:
            month = datetime.date(int(match.group(1)), int(match.group(2)), 1)
        else:
            error(
                "month",
                f"expected a month as YYYY-MM (e.g. 2025-03), got “{cells['month']}”",
            )

        measure = cells["measure"].casefold()
        if measure not in RANGES:
            error(
                "measure",
                f"expected engagement, burnout or enps, got “{cells['measure']}”",
            )
            measure = None

        respondents = None
        try:
            respondents = int(cells["respondents"])
            if respondents < 0:
                raise ValueError
        except ValueError:
            error(
                "respondents",
                f"expected a whole number, got “{cells['respondents']}”",
            )
        else:
            if respondents < k:
                error(
                    "respondents",
                    f"{respondents} is fewer than the minimum group size of {k}; "
                    "results of groups this small are not imported",
                )

        value = None
        try:
            value = float(cells["value"])
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            error("value", f"expected a number, got “{cells['value']}”")
        else:
            if measure is not None:
                low, high = RANGES[measure]
                if not low <= value <= high:
                    error(
                        "value",
                        f"{measure} must be between {low:g} and {high:g}, "
                        f"got {value:g}",
                    )

        if team is not None and month is not None and measure is not None:
            key = (team.pk, month, measure)
            if key in seen:
                error(
                    "team, month, measure",
                    f"repeats row {seen[key]} (same team, month and measure)",
                )
            else:
                seen[key] = number

        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(_Row(number, team, month, measure, respondents, value))
        if (offset + 1) % PROGRESS_EVERY == 0:
            progress("checked", offset + 1, len(lines))
    progress("checked", len(lines), len(lines))

    burnout = [r for r in rows if r.measure == PulseHistory.HistoryMeasure.BURNOUT]
    if burnout and all(r.value <= 1 for r in burnout) and any(r.value for r in burnout):
        errors.extend(
            RowError(
                r.number,
                "value",
                "burnout values in this file are all between 0 and 1, which looks "
                "like fractions; give the percentage of respondents (0–100), "
                "e.g. 35 for 35%",
            )
            for r in burnout
        )
    if errors:
        errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column.split(",")[0])))
        raise PulseHistoryImportError(errors)
    return rows


@transaction.atomic
def _write(organization, rows: list[_Row], progress) -> ImportResult:
    existing = {
        (h.team_id, h.month, h.measure): h
        for h in PulseHistory.objects.select_for_update().filter(
            organization=organization,
            team_id__in={r.team.pk for r in rows},
            month__in={r.month for r in rows},
        )
    }
    new, changed = [], []
    for done, row in enumerate(rows, start=1):
        record = existing.get((row.team.pk, row.month, row.measure))
        if record is None:
            new.append(
                PulseHistory(
                    organization=organization,
                    team=row.team,
                    month=row.month,
                    measure=row.measure,
                    respondents=row.respondents,
                    value=row.value,
                )
            )
        else:
            record.respondents = row.respondents
            record.value = row.value
            changed.append(record)
        if done % PROGRESS_EVERY == 0:
            progress("saved", done, len(rows))
    PulseHistory.objects.bulk_create(new, batch_size=500)
    PulseHistory.objects.bulk_update(changed, ["respondents", "value"], batch_size=500)
    progress("saved", len(rows), len(rows))
    return ImportResult(rows=len(rows), created=len(new), updated=len(changed))
