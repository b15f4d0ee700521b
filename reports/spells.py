"""Person spells in counting-process form, from dated employment history.

Plain Python over rows the selectors fetch (reports/selectors.py: people_frame);
time is months since hire.
"""

import itertools
import math
from collections.abc import Sequence
from datetime import date, timedelta

from surveys.services import tenure_band
from workforce.models import TerminationReason
from workforce.skills.coverage import COMPETENT

DAYS_PER_MONTH = 365.25 / 12
# Tenure bands change at these whole years of service (surveys.services.tenure_band).
TENURE_BAND_YEARS = (1, 2, 5)


def breadth_changes(assessments) -> dict[int, list[tuple[date, int]]]:
    """Per person, (day, skills at level 2 or above from that day), in day order."""
    changes: dict[int, list[tuple[date, int]]] = {}
    levels: dict[int, dict[int, int]] = {}
    for person, skill, level, day in assessments:
        held_levels = levels.setdefault(person, {})
        held_levels[skill] = level
        held = sum(1 for value in held_levels.values() if value >= COMPETENT)
        timeline = changes.setdefault(person, [])
        if timeline and timeline[-1][0] == day:
            timeline[-1] = (day, held)
        elif not timeline or timeline[-1][1] != held:
            timeline.append((day, held))
    return changes


def spell_rows(spell, first: date, after: date, breadth: Sequence[tuple[date, int]]):
    """One membership spell's rows, cut to [first, after) and to the employment.

    ``spell`` is (staff id, site, team, job role, start, end, hire date,
    termination date, termination reason); ``breadth`` the person's
    ``breadth_changes``. Rows are (person, site, team, job_role, tenure_band,
    start, stop, event, cross_training_breadth), split where the tenure band or
    the breadth changes; the last has event 1 when the spell ended with leaving
    voluntarily inside the window.
    """
    person, site, team, job_role, begin, finish, hired, left, reason = spell
    start = max(begin, hired, first)
    ends = [day for day in (finish, left, after) if day is not None]
    stop = min(ends)
    if stop <= start:
        return []
    voluntary = (
        left is not None
        and stop == left
        and left < after
        and reason == TerminationReason.VOLUNTARY
    )
    cuts = {start, stop}
    for years in TENURE_BAND_YEARS:
        day = hired + timedelta(days=math.ceil(years * 365.25))
        if start < day < stop:
            cuts.add(day)
    cuts.update(day for day, _ in breadth if start < day < stop)
    bounds = sorted(cuts)
    rows = []
    for piece_start, piece_stop in itertools.pairwise(bounds):
        held = 0
        for day, value in breadth:
            if day > piece_start:
                break
            held = value
        rows.append(
            (
                f"s{person}",
                site,
                team,
                job_role,
                tenure_band(hire_date=hired, on=piece_start),
                (piece_start - hired).days / DAYS_PER_MONTH,
                (piece_stop - hired).days / DAYS_PER_MONTH,
                int(voluntary and piece_stop == stop),
                held,
            )
        )
    return rows
