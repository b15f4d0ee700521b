"""Who must hold what, and who does: pure functions over plain values.

selectors.py loads rows in bulk and hands them here, so these rules can be
tested by hand without a database.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from workforce.recognition.dates import add_months, days_overlapping

from .expiry import COUNTING, TONE, Held, Status, counts_on, days_left, status_of


@dataclass(frozen=True)
class Rule:
    """``course`` is required of ``job_role`` at ``site`` (None = any)."""

    course: int
    job_role: int | None = None
    site: int | None = None

    def applies(self, *, job_role, site) -> bool:
        return (self.job_role is None or self.job_role == job_role) and (
            self.site is None or self.site == site
        )


def required_courses(rules: Iterable[Rule], *, job_role, site) -> set[int]:
    """Courses a person in ``job_role`` at ``site`` must hold."""
    return {rule.course for rule in rules if rule.applies(job_role=job_role, site=site)}


@dataclass(frozen=True)
class Cell:
    status: Status
    completion: Held | None
    days_left: int | None

    @property
    def counts(self) -> bool:
        return self.status in COUNTING

    @property
    def tone(self) -> str:
        return TONE[self.status]


def person_cells(
    required: Iterable[int], held: dict[int, list[Held]], today: datetime.date
) -> dict[int, Cell]:
    """``{course: Cell}`` for each required course, from the person's
    completions by course."""
    cells = {}
    for course in required:
        status, chosen = status_of(held.get(course, ()), today)
        cells[course] = Cell(
            status, chosen, days_left(chosen.expires_on, today) if chosen else None
        )
    return cells


@dataclass
class Summary:
    """How many required (person, course) pairs are in each status."""

    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))

    def add(self, status: Status):
        self.counts[status] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def counting(self) -> int:
        return sum(self.counts[status] for status in COUNTING)

    @property
    def compliance(self) -> float | None:
        """Share of required pairs with a completion that counts today."""
        return self.counting / self.total if self.total else None


# --- Team-month metrics ------------------------------------------------------


@dataclass(frozen=True)
class Spell:
    """``person`` in ``team`` from ``start`` until ``end`` (exclusive, None =
    open), already cut to the person's employment."""

    person: int
    team: int
    start: datetime.date
    end: datetime.date | None

    def active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Done:
    """One completion for the metrics."""

    person: int
    course: int
    completed_on: datetime.date
    expires_on: datetime.date | None
    cpd_hours: Decimal


def team_months(
    *,
    months: list[datetime.date],
    spells: list[Spell],
    job_roles: dict[int, int],
    team_sites: dict[int, int],
    rules: list[Rule],
    completions: list[Done],
    until: datetime.date | None = None,
) -> list[dict]:
    """Training compliance and CPD hours per head for each team and month.

    - ``training_compliance``: of the (member, required course) pairs on the
      judged day (the month's last day, or ``until`` if earlier), the share
      with a completion that counts that day; None with no pairs. Members are
      the spells active that day; a course is required by the person's job
      role and the site of the team they are in.
    - ``cpd_hours_per_head``: CPD hours of the completions dated in the month,
      each counted for the team the person was in on that day, divided by the
      average headcount (person-days in the team over the month's days).
    Rows for team-months with a member or CPD hours, ordered by team and month.
    """
    held: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for done in completions:
        held[(done.person, done.course)].append((done.completed_on, done.expires_on))
    required_by: dict[tuple[int, int], set[int]] = {}

    def required(person, team):
        key = (job_roles.get(person), team_sites.get(team))
        if key not in required_by:
            required_by[key] = required_courses(rules, job_role=key[0], site=key[1])
        return required_by[key]

    spells_of = defaultdict(list)
    for spell in spells:
        spells_of[spell.person].append(spell)

    person_days: dict[tuple[int, datetime.date], int] = defaultdict(int)
    pairs: dict[tuple[int, datetime.date], list[int]] = {}
    cpd: dict[tuple[int, datetime.date], Decimal] = defaultdict(Decimal)
    for month in months:
        following = add_months(month, 1)
        judged = following - datetime.timedelta(days=1)
        if until is not None:
            judged = min(judged, until)
        for spell in spells:
            days = days_overlapping(spell.start, spell.end, month, following)
            if days:
                person_days[(spell.team, month)] += days
            if spell.active_on(judged):
                counted = pairs.setdefault((spell.team, month), [0, 0])
                for course in required(spell.person, spell.team):
                    counted[0] += 1
                    counted[1] += any(
                        counts_on(completed_on, expires_on, judged)
                        for completed_on, expires_on in held[(spell.person, course)]
                    )
    for done in completions:
        if not done.cpd_hours:
            continue
        for spell in spells_of.get(done.person, ()):
            if spell.active_on(done.completed_on):
                month = done.completed_on.replace(day=1)
                cpd[(spell.team, month)] += done.cpd_hours
                break

    wanted = set(months)
    rows = []
    for team, month in sorted(set(person_days) | set(pairs) | set(cpd)):
        if month not in wanted:
            continue
        month_days = (add_months(month, 1) - month).days
        headcount = person_days.get((team, month), 0) / month_days
        total, valid = pairs.get((team, month), (0, 0))
        hours = cpd.get((team, month), Decimal(0))
        rows.append(
            {
                "team_id": team,
                "month": month,
                "required_pairs": total,
                "valid_pairs": valid,
                "training_compliance": valid / total if total else None,
                "headcount": headcount,
                "cpd_hours": float(hours),
                "cpd_hours_per_head": float(hours) / headcount if headcount else None,
            }
        )
    return rows
