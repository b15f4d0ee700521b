import datetime
import statistics

import pytest

from workforce.demo import history_months
from workforce.demo_climate import (
    BURNOUT_CENTRE,
    COVERAGE_CENTRE,
    ENGAGEMENT_CENTRE,
    build_climate,
    leaving_rate_ratio,
)
from workforce.demo_data import BRIGHTSMILE, LAKESIDE

MONTHS = history_months(datetime.date(2026, 3, 18))


def test_the_same_seed_gives_the_same_climate_and_another_seed_another():
    first = build_climate(seed=1, blueprint=BRIGHTSMILE, months=MONTHS)
    again = build_climate(seed=1, blueprint=BRIGHTSMILE, months=MONTHS)
    other = build_climate(seed=2, blueprint=BRIGHTSMILE, months=MONTHS)

    assert first == again
    assert first.teams != other.teams
    assert first.rng("skills").random() == again.rng("skills").random()
    assert first.rng("skills").random() != first.rng("pulses").random()


def test_every_team_has_a_month_by_month_climate():
    climate = build_climate(seed=2026, blueprint=LAKESIDE, months=MONTHS)

    keys = {(site.slug, team.slug) for site in LAKESIDE.sites for team in site.teams}
    assert set(climate.teams) == keys
    assert set(climate.sites) == {site.slug for site in LAKESIDE.sites}
    for team in climate.teams.values():
        assert len(team.engagement) == len(team.burnout) == len(MONTHS)
        assert all(0 <= level <= 100 for level in team.engagement)
        assert all(0 < share < 1 for share in team.burnout)
        assert 0 < team.cross_training < 1
        assert 0.65 <= team.response_rate <= 0.80
        assert team.lagged_engagement(0) == team.engagement_before
        assert team.lagged_engagement(5) == team.engagement[4]
        assert team.lagged_burnout(0) == team.burnout_before


def test_engagement_persists_and_burnout_moves_against_it():
    climate = build_climate(seed=2026, blueprint=BRIGHTSMILE, months=MONTHS)

    pairs, together = [], []
    for team in climate.teams.values():
        deviations = [level - team.engagement_mean for level in team.engagement]
        pairs += list(zip(deviations, deviations[1:], strict=False))
        together += list(zip(team.engagement, team.burnout, strict=True))
    # AR(1): this month's deviation from the team's mean carries into the next.
    assert statistics.correlation(*zip(*pairs, strict=True)) > 0.4
    assert statistics.correlation(*zip(*together, strict=True)) < -0.3
    means = [team.engagement_mean for team in climate.teams.values()]
    assert abs(statistics.mean(means) - ENGAGEMENT_CENTRE) < 5
    assert 4 < statistics.stdev(means) < 11


def test_planted_leaving_rate_ratios():
    assert leaving_rate_ratio(burnout=BURNOUT_CENTRE, coverage=COVERAGE_CENTRE) == 1
    assert leaving_rate_ratio(
        burnout=BURNOUT_CENTRE + 0.2, coverage=COVERAGE_CENTRE
    ) == pytest.approx(1.5)
    assert leaving_rate_ratio(
        burnout=BURNOUT_CENTRE, coverage=COVERAGE_CENTRE + 0.2
    ) == pytest.approx(0.85)
    assert leaving_rate_ratio(burnout=BURNOUT_CENTRE + 0.4, coverage=None) == (
        pytest.approx(2.25)
    )


def test_patient_nps_follows_last_months_engagement():
    climate = build_climate(seed=2026, blueprint=BRIGHTSMILE, months=MONTHS)
    team = next(iter(climate.teams.values()))

    for index in (0, 10):
        expected = team.expected_patient_nps(index)
        shift = team.lagged_engagement(index) - ENGAGEMENT_CENTRE
        assert expected == pytest.approx(team.patient_nps_base + 0.3 * shift)
