import dataclasses
import datetime
import random

from workforce.demo import SilentWriter, history_months
from workforce.demo_climate import build_climate
from workforce.demo_data import BRIGHTSMILE
from workforce.demo_history import StaffingHistory, team_on
from workforce.models import TerminationReason

TODAY = datetime.date(2026, 3, 18)
MONTHS = history_months(TODAY)


def simulate(*, burnout=None, culture=None, seed=5):
    """Brightsmile's history with every team's burnout or culture overridden."""
    climate = build_climate(seed=seed, blueprint=BRIGHTSMILE, months=MONTHS)
    teams = {}
    for key, team in climate.teams.items():
        changes = {}
        if burnout is not None:
            changes = {"burnout": (burnout,) * len(MONTHS), "burnout_before": burnout}
        if culture is not None:
            changes["cross_training"] = culture
        teams[key] = dataclasses.replace(team, **changes)
    climate = dataclasses.replace(climate, teams=teams)
    history = StaffingHistory(
        blueprint=BRIGHTSMILE,
        rng=random.Random(seed),
        months=MONTHS,
        today=TODAY,
        stdout=SilentWriter(),
        climate=climate,
    )
    return history, history.run()


def voluntary_leavers(people):
    return sum(
        person.termination_reason == TerminationReason.VOLUNTARY for person in people
    )


def test_burnout_drives_voluntary_leaving_not_involuntary():
    low = [simulate(burnout=0.15, seed=seed)[1] for seed in range(3)]
    high = [simulate(burnout=0.45, seed=seed)[1] for seed in range(3)]

    # Planted: 1.5 per 20 points, so 30 points apart is about 1.8 times the rate.
    ratio = sum(map(voluntary_leavers, high)) / sum(map(voluntary_leavers, low))
    assert 1.5 < ratio < 2.2


def test_cross_training_culture_raises_coverage_and_skills():
    weak, weak_people = simulate(culture=0.1)
    strong, strong_people = simulate(culture=0.9)

    def mean_coverage(history):
        shares = [share for share in history.coverage.values() if share is not None]
        return sum(shares) / len(shares)

    assert mean_coverage(strong) > mean_coverage(weak) + 0.1
    competent = [
        sum(level >= 2 for person in people for level in person.skills.values())
        for people in (weak_people, strong_people)
    ]
    assert competent[1] > competent[0]


def test_assessments_are_dated_once_a_day_within_employment():
    _, people = simulate()

    assert sum(len(person.assessments) for person in people) > 1000
    for person in people:
        days = [(skill, day) for skill, day, _ in person.assessments]
        assert len(days) == len(set(days))
        for _skill, day, level in person.assessments:
            assert 1 <= level <= 3
            assert day <= TODAY
            assert day >= min(person.hire_date, MONTHS[0])
            assert person.termination_date is None or day < person.termination_date
        # Levels only go up, one assessment at a time.
        by_skill = {}
        for skill, _, level in person.assessments:
            assert level > by_skill.get(skill, 0)
            by_skill[skill] = level


def test_team_on_reads_the_dated_spells():
    _, people = simulate()
    mover = next(person for person in people if len(person.spells) > 1)
    (first, _, moved), (second, _, _) = mover.spells[:2]

    assert team_on(mover, moved - datetime.timedelta(days=1)) == first
    assert team_on(mover, moved) == second
    assert team_on(mover, mover.hire_date - datetime.timedelta(days=1)) is None
