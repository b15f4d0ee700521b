"""Demo skills: who learns which team skill when, and writing it as dated history.

``SkillLearning`` runs inside the staffing simulation (workforce/demo_history.py),
because skills coverage feeds back into leaving there: each month it moves
learners on, lets the team cross-train a few people, and reports each team's
coverage (share of required skills with at least two competent members), the
same figure ``workforce.skills.selectors.team_month_coverage`` reads back.

How fast a team cross-trains follows its latent ``cross_training`` culture
(workforce/demo_climate.py): a stronger culture starts more people learning and
gets them to competent sooner. Leavers take their skills with them, so busy
teams lose coverage: the link between coverage and leaving runs both ways, as
it would in a real practice.

``step_skills`` writes the result: the organization's skills, each team's
requirements (two competent people, from the first month of the window) and
every assessment, dated.
"""

import datetime
import math
import random

from .demo_climate import OrganizationClimate
from .demo_data import TEAM_SKILLS, OrganizationBlueprint
from .skills.models import Level, Skill, SkillAssessment, TeamSkillRequirement

MIN_COMPETENT = 2
_BATCH_SIZE = 1000

# A new hire is competent in their role's own skills after a few months.
_CORE_MONTHLY_CHANCE = 0.45
# Cross-training: learners per team and month, and the monthly chance that a
# learner is signed off as competent, at culture 0 and the gain at culture 1.
_TRAINEES_BASE, _TRAINEES_PER_CULTURE = 0.05, 0.75
_SIGN_OFF_BASE, _SIGN_OFF_PER_CULTURE = 0.20, 0.35
# Competent for a year, a person may become someone who trains others.
_TRAINER_AFTER_DAYS = 365
_TRAINER_MONTHLY_CHANCE = 0.03


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


class SkillLearning:
    """Skills of everyone in the staffing simulation; levels live on the people.

    Each simulated person carries ``skills`` (current level by skill name) and
    ``assessments`` ([skill, day, level], in order); a skill is assessed at most
    once a day, as ``SkillAssessment`` requires.
    """

    def __init__(
        self,
        *,
        blueprint: OrganizationBlueprint,
        climate: OrganizationClimate,
        rng: random.Random,
    ):
        self.rng = rng
        self.requirements = {
            (site.slug, team.slug): TEAM_SKILLS.get(team.slug, ())
            for site in blueprint.sites
            for team in site.teams
        }
        self.culture = {key: climate.teams[key].cross_training for key in climate.teams}
        # Skills each role learns with the job, per team.
        self.core = {
            (team, role): {spec.name for spec in specs if role in spec.core_roles}
            for team, specs in self.requirements.items()
            for role in {role for spec in specs for role in spec.core_roles}
        }

    def _assess(self, person, skill: str, day: datetime.date, level: int) -> bool:
        last = person.skill_days.get(skill)
        if last is not None and day <= last:
            return False
        person.skills[skill] = level
        person.skill_days[skill] = day
        person.assessments.append((skill, day, level))
        return True

    def baseline(self, holders, day: datetime.date) -> None:
        """The skills audit on the first day of the window, for everyone employed."""
        rng = self.rng
        for person in holders:
            team = person.spells[-1][0]
            culture = self.culture[team]
            years = (day - person.hire_date).days / 365.25
            for spec in self.requirements[team]:
                if person.role in spec.core_roles:
                    level = Level.LEARNING if years < 0.25 else Level.COMPETENT
                else:
                    # Long-serving people in cross-training teams picked skills up.
                    chance = (0.04 + 0.30 * culture) * min(1.0, years / 4)
                    level = Level.COMPETENT if rng.random() < chance else Level.NONE
                if level == Level.COMPETENT and rng.random() < 0.08 + 0.05 * years:
                    level = Level.TRAINER
                if level:
                    self._assess(person, spec.name, day, level)

    def joined(self, person, team: tuple[str, str], day: datetime.date) -> None:
        """A hire or a transfer starts learning the role's skills in the new team."""
        for spec in self.requirements[team]:
            if person.role in spec.core_roles and not person.skills.get(spec.name):
                self._assess(person, spec.name, day, Level.LEARNING)

    def month(self, month: datetime.date, end: datetime.date, teams: dict) -> None:
        """Sign-offs, new trainers and new cross-training learners in one month.

        ``teams`` maps each team to its members at the month's end.
        """
        rng = self.rng
        for team, members in teams.items():
            culture = self.culture[team]
            sign_off = _SIGN_OFF_BASE + _SIGN_OFF_PER_CULTURE * culture
            for person in members:
                core = self.core.get((team, person.role), ())
                for skill, level in list(person.skills.items()):
                    since = person.skill_days[skill]
                    if level == Level.LEARNING and since < month:
                        chance = _CORE_MONTHLY_CHANCE if skill in core else sign_off
                    elif (
                        level == Level.COMPETENT
                        and (end - since).days > _TRAINER_AFTER_DAYS
                    ):
                        chance = _TRAINER_MONTHLY_CHANCE
                    else:
                        continue
                    if rng.random() < chance:
                        day = self._day(person, month, end)
                        self._assess(person, skill, day, level + 1)
            self._cross_train(team, members, month, end, culture)

    def _day(self, person, month: datetime.date, end: datetime.date):
        """A day of the month on which ``person`` was already in their team."""
        start = max(month, person.spells[-1][1])
        return start + datetime.timedelta(
            self.rng.randrange(max(1, (end - start).days))
        )

    def _cross_train(self, team, members, month, end, culture) -> None:
        rng = self.rng
        specs = self.requirements[team]
        if not specs or not members:
            return
        for _ in range(_poisson(rng, _TRAINEES_BASE + _TRAINEES_PER_CULTURE * culture)):
            # The manager trains for the thinnest skill first.
            depth = {
                spec.name: sum(
                    person.skills.get(spec.name, 0) >= 1 for person in members
                )
                for spec in specs
            }
            order = sorted(specs, key=lambda spec: (depth[spec.name], rng.random()))
            for spec in order:
                learners = [
                    person for person in members if not person.skills.get(spec.name)
                ]
                if learners:
                    person = rng.choice(learners)
                    day = self._day(person, month, end)
                    self._assess(person, spec.name, day, Level.LEARNING)
                    break

    def coverage(self, teams: dict) -> dict[tuple[str, str], float | None]:
        """Share of each team's required skills with two competent members."""
        shares = {}
        for team, members in teams.items():
            specs = self.requirements[team]
            if not specs:
                shares[team] = None
                continue
            covered = sum(
                sum(
                    person.skills.get(spec.name, 0) >= Level.COMPETENT
                    for person in members
                )
                >= MIN_COMPETENT
                for spec in specs
            )
            shares[team] = covered / len(specs)
        return shares


# --- Writing it ---------------------------------------------------------------


def step_skills(*, context, rng: random.Random) -> None:
    """Skills, team requirements and dated assessments for every demo organization."""
    for workforce in context.workforces.values():
        organization = workforce.organization
        names = []
        for site in workforce.blueprint.sites:
            for team in site.teams:
                for spec in TEAM_SKILLS.get(team.slug, ()):
                    if spec.name not in names:
                        names.append(spec.name)
        skills = {
            skill.name: skill
            for skill in Skill.objects.bulk_create(
                Skill(organization=organization, name=name) for name in sorted(names)
            )
        }
        requirements = TeamSkillRequirement.objects.bulk_create(
            (
                TeamSkillRequirement(
                    team=team,
                    skill=skills[spec.name],
                    min_competent=MIN_COMPETENT,
                    start_date=workforce.window_start,
                )
                for (site_slug, team_slug), team in workforce.teams.items()
                for spec in TEAM_SKILLS.get(team_slug, ())
            ),
            batch_size=_BATCH_SIZE,
        )
        assessments = SkillAssessment.objects.bulk_create(
            (
                SkillAssessment(
                    staff_member_id=person.staff_id,
                    skill=skills[skill],
                    level=level,
                    assessed_on=day,
                )
                for person in workforce.history
                for skill, day, level in person.assessments
            ),
            batch_size=_BATCH_SIZE,
        )
        context.stdout.write(
            f"{workforce.blueprint.name}: skills {len(skills)}, team requirements "
            f"{len(requirements)}, assessments {len(assessments)}"
        )
