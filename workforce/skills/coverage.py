"""Skills coverage from plain data: no Django, no database, easy to check by hand.

Vocabulary:

- *competent*: level 2 (competent) or 3 (can train others); level 1 (learning)
  does not count;
- a team's required skill is *covered* when at least ``min_competent`` of its
  members are competent in it;
- a *single point of failure* (SPOF) is a required skill exactly one member can
  do, whatever the minimum;
- *uncovered* is a required skill nobody in the team can do;
- *at risk* is a required skill that is below its minimum or a SPOF.

People are identified by any hashable id (staff ids in the app) and skills too.
A person with no assessment in a skill is at level 0.
"""

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

COMPETENT = 2
TRAINER = 3

PersonId = Hashable
SkillId = Hashable
Levels = Mapping[tuple[PersonId, SkillId], int]


@dataclass(frozen=True)
class Assessment:
    """One dated judgement; ``sequence`` breaks ties on the same day (later wins)."""

    person: PersonId
    skill: SkillId
    level: int
    assessed_on: date
    sequence: int = 0


def levels_as_of(assessments: Iterable[Assessment], on: date) -> dict:
    """``{(person, skill): level}`` from the latest assessment on or before ``on``."""
    latest: dict[tuple, Assessment] = {}
    for assessment in assessments:
        if assessment.assessed_on > on:
            continue
        key = (assessment.person, assessment.skill)
        current = latest.get(key)
        if current is None or (assessment.assessed_on, assessment.sequence) > (
            current.assessed_on,
            current.sequence,
        ):
            latest[key] = assessment
    return {key: assessment.level for key, assessment in latest.items()}


@dataclass(frozen=True)
class SkillStatus:
    skill: SkillId
    min_competent: int
    competent: int

    @property
    def covered(self) -> bool:
        return self.competent >= self.min_competent

    @property
    def spof(self) -> bool:
        return self.competent == 1

    @property
    def uncovered(self) -> bool:
        return self.competent == 0

    @property
    def at_risk(self) -> bool:
        return not self.covered or self.spof


@dataclass(frozen=True)
class TeamCoverage:
    """How well one team's members cover its required skills."""

    skills: tuple[SkillStatus, ...]

    @property
    def required_skills(self) -> int:
        return len(self.skills)

    @property
    def covered_skills(self) -> int:
        return sum(status.covered for status in self.skills)

    @property
    def coverage(self) -> float | None:
        """Share of required skills covered, 0..1; None when nothing is required."""
        if not self.skills:
            return None
        return self.covered_skills / self.required_skills

    @property
    def spof(self) -> list[SkillId]:
        return [status.skill for status in self.skills if status.spof]

    @property
    def uncovered(self) -> list[SkillId]:
        return [status.skill for status in self.skills if status.uncovered]

    @property
    def below_minimum(self) -> list[SkillId]:
        return [status.skill for status in self.skills if not status.covered]

    @property
    def at_risk(self) -> list[SkillId]:
        return [status.skill for status in self.skills if status.at_risk]

    def status(self, skill: SkillId) -> SkillStatus:
        return next(status for status in self.skills if status.skill == skill)


def team_coverage(
    *,
    members: Collection[PersonId],
    levels: Levels,
    requirements: Mapping[SkillId, int],
) -> TeamCoverage:
    """Coverage of ``requirements`` (``{skill: min_competent}``) by ``members``.

    ``levels`` may hold people outside the team; only ``members`` count.
    Skills keep the order of ``requirements``.
    """
    # Members × required skills lookups, never a scan of ``levels``: the history
    # calls this once per team and month with the whole organization's levels.
    return TeamCoverage(
        tuple(
            SkillStatus(
                skill=skill,
                min_competent=minimum,
                competent=sum(
                    levels.get((person, skill), 0) >= COMPETENT for person in members
                ),
            )
            for skill, minimum in requirements.items()
        )
    )


@dataclass(frozen=True)
class WhatIf:
    """What the team would lose if ``person`` left (each list holds skill ids).

    ``below_minimum``: covered now, below the minimum without them;
    ``new_spof``: a SPOF without them and not one now;
    ``uncovered``: somebody can do it now, nobody without them.
    """

    person: PersonId
    before: TeamCoverage
    after: TeamCoverage
    below_minimum: list[SkillId] = field(default_factory=list)
    new_spof: list[SkillId] = field(default_factory=list)
    uncovered: list[SkillId] = field(default_factory=list)

    @property
    def harmless(self) -> bool:
        return not (self.below_minimum or self.new_spof or self.uncovered)


def what_if_leaves(
    *,
    person: PersonId,
    members: Collection[PersonId],
    levels: Levels,
    requirements: Mapping[SkillId, int],
) -> WhatIf:
    """Compare the team's coverage with and without ``person``."""
    before = team_coverage(members=members, levels=levels, requirements=requirements)
    remaining = {member for member in members if member != person}
    after = team_coverage(members=remaining, levels=levels, requirements=requirements)
    result = WhatIf(person=person, before=before, after=after)
    for was, now in zip(before.skills, after.skills, strict=True):
        if was.covered and not now.covered:
            result.below_minimum.append(now.skill)
        if now.spof and not was.spof:
            result.new_spof.append(now.skill)
        if now.uncovered and not was.uncovered:
            result.uncovered.append(now.skill)
    return result


@dataclass(frozen=True)
class Pairing:
    """A suggestion: ``trainer`` (level 3) teaches ``learner`` (level 0–1) ``skill``.

    ``trainer_from`` is "team" or "site"; either person may be None when nobody
    fits, so the page can say so instead of hiding the skill.
    """

    skill: SkillId
    learner: PersonId | None
    learner_level: int | None
    trainer: PersonId | None
    trainer_from: str | None


def suggest_pairings(
    *,
    skills: Iterable[SkillId],
    team_members: Collection[PersonId],
    site_members: Collection[PersonId],
    levels: Levels,
) -> list[Pairing]:
    """One learner + trainer pairing for each of ``skills`` (the at-risk ones).

    Learner: a team member at level 1, else level 0. Trainer: a team member at
    level 3, else somebody at level 3 elsewhere on the site (``site_members``
    may include the team). Among equals, whoever has been given the fewest
    pairings so far, so one person is not handed every skill; then the
    smallest id, so the answer is stable.
    """
    learning_load: Counter = Counter()
    training_load: Counter = Counter()
    site_only = [person for person in site_members if person not in team_members]
    pairings = []
    for skill in skills:

        def level(person, skill=skill):
            return levels.get((person, skill), 0)

        learners = [person for person in team_members if level(person) < COMPETENT]
        learner = min(
            learners,
            key=lambda p: (-level(p), learning_load[p], p),
            default=None,
        )
        trainer, trainer_from = None, None
        for pool, origin in ((team_members, "team"), (site_only, "site")):
            trainers = [person for person in pool if level(person) >= TRAINER]
            if trainers:
                trainer = min(trainers, key=lambda p: (training_load[p], p))
                trainer_from = origin
                break
        if learner is not None:
            learning_load[learner] += 1
        if trainer is not None:
            training_load[trainer] += 1
        pairings.append(
            Pairing(
                skill=skill,
                learner=learner,
                learner_level=None if learner is None else level(learner),
                trainer=trainer,
                trainer_from=trainer_from,
            )
        )
    return pairings


# --- History: who was in which team, and what was required, month by month ----


@dataclass(frozen=True)
class Spell:
    """``person`` in ``team`` from ``start`` until ``end`` (exclusive, None = open).

    ``left_on`` is the person's termination date: from that day they count
    nowhere, whatever their spells say.
    """

    person: PersonId
    team: Hashable
    start: date
    end: date | None = None
    left_on: date | None = None

    def active_on(self, day: date) -> bool:
        return (
            self.start <= day
            and (self.end is None or day < self.end)
            and (self.left_on is None or day < self.left_on)
        )


@dataclass(frozen=True)
class RequirementSpell:
    """``team`` needs ``min_competent`` competent in ``skill`` from start to end."""

    team: Hashable
    skill: SkillId
    min_competent: int
    start: date
    end: date | None = None

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def members_on(spells: Iterable[Spell], day: date) -> dict[Hashable, set]:
    """``{team: {person, …}}`` for the spells active on ``day``."""
    members: dict[Hashable, set] = {}
    for spell in spells:
        if spell.active_on(day):
            members.setdefault(spell.team, set()).add(spell.person)
    return members


def requirements_on(
    requirements: Iterable[RequirementSpell], day: date
) -> dict[Hashable, dict[SkillId, int]]:
    """``{team: {skill: min_competent}}`` in force on ``day``, in input order."""
    in_force: dict[Hashable, dict[SkillId, int]] = {}
    for requirement in requirements:
        if requirement.active_on(day):
            in_force.setdefault(requirement.team, {})[requirement.skill] = (
                requirement.min_competent
            )
    return in_force


@dataclass(frozen=True)
class MonthCoverage:
    team: Hashable
    month: date
    required_skills: int
    covered_skills: int
    coverage: float | None
    spof_count: int
    uncovered_count: int


def coverage_by_month(
    *,
    teams: Iterable[Hashable],
    month_ends: Iterable[tuple[date, date]],
    spells: Collection[Spell],
    assessments: Iterable[Assessment],
    requirements: Collection[RequirementSpell],
) -> list[MonthCoverage]:
    """One row per team and month, everything judged on the month's last day.

    ``month_ends`` holds ``(month, last_day)`` pairs in ascending order. The
    assessments are swept once in date order, so each month costs one pass over
    the spells and requirements, not a pass over the whole history.
    """
    teams = list(teams)
    ordered = sorted(assessments, key=lambda a: (a.assessed_on, a.sequence))
    levels: dict[tuple, int] = {}
    position = 0
    rows = []
    for month, last_day in month_ends:
        while position < len(ordered) and ordered[position].assessed_on <= last_day:
            assessment = ordered[position]
            levels[(assessment.person, assessment.skill)] = assessment.level
            position += 1
        members = members_on(spells, last_day)
        required = requirements_on(requirements, last_day)
        for team in teams:
            result = team_coverage(
                members=members.get(team, set()),
                levels=levels,
                requirements=required.get(team, {}),
            )
            rows.append(
                MonthCoverage(
                    team=team,
                    month=month,
                    required_skills=result.required_skills,
                    covered_skills=result.covered_skills,
                    coverage=result.coverage,
                    spof_count=len(result.spof),
                    uncovered_count=len(result.uncovered),
                )
            )
    return rows
