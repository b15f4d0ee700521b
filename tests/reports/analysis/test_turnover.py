import numpy as np
import pandas as pd
import pytest

from reports.analysis.findings import INSUFFICIENT_DATA
from reports.analysis.fitting import OVERDISPERSION_RATIO, fit_rate_model
from reports.analysis.simulate import PlantedEffects, simulate
from reports.analysis.turnover import (
    BURNOUT_KEY,
    COVERAGE_KEY,
    ENGAGEMENT_KEY,
    turnover_design,
    turnover_findings,
    turnover_rows,
)


def test_planted_rate_ratios_are_recovered_on_a_large_group():
    effects = PlantedEffects(
        engagement_rate_ratio=0.8, burnout_rate_ratio=1.4, coverage_rate_ratio=0.85
    )
    data = simulate(n_teams=300, n_months=24, seed=21, effects=effects)

    findings = {f.key: f for f in turnover_findings(data.panel)}

    truth = {ENGAGEMENT_KEY: 0.8, BURNOUT_KEY: 1.4, COVERAGE_KEY: 0.85}
    for key, value in truth.items():
        finding = findings[key]
        assert finding.status == "ok", finding.sentence
        assert finding.ci_low < value < finding.ci_high
        assert finding.null_value == 1.0
        assert finding.n_teams == 300
    assert "fewer voluntary leavers" in findings[ENGAGEMENT_KEY].sentence
    assert "more voluntary leavers" in findings[BURNOUT_KEY].sentence
    assert findings[BURNOUT_KEY].details["voluntary_leavers"] > 1000


def test_predictors_come_from_the_month_before():
    panel = simulate(n_teams=3, n_months=3, seed=1).panel

    rows = turnover_rows(panel)
    first = panel[panel["team"] == "team-001"].sort_values("month")
    team_rows = rows[rows["team_key"].str.endswith("team-001")]

    assert len(team_rows) <= 2
    if len(team_rows):
        assert team_rows["coverage_prev"].iloc[0] == first["coverage"].iloc[0]


def test_too_few_leavers_is_insufficient_for_all_three():
    panel = simulate(n_teams=12, n_months=12, seed=3).panel
    panel["voluntary_leavers"] = 0
    panel.loc[panel.index[:5], "voluntary_leavers"] = 1

    findings = turnover_findings(panel)

    assert [f.key for f in findings] == [ENGAGEMENT_KEY, BURNOUT_KEY, COVERAGE_KEY]
    for finding in findings:
        assert finding.status == INSUFFICIENT_DATA
        assert finding.estimate is None
        assert finding.reason.startswith("needs at least 20 voluntary leavers")


def test_too_few_teams_is_insufficient():
    panel = simulate(n_teams=8, n_months=36, seed=3).panel

    findings = turnover_findings(panel)

    assert all(f.status == INSUFFICIENT_DATA for f in findings)
    assert findings[0].reason.startswith("needs at least 10 teams")


def test_overdispersed_counts_switch_to_negative_binomial():
    rng = np.random.default_rng(4)
    n_teams, n_months = 60, 24
    team = np.repeat(np.arange(n_teams), n_months)
    x = rng.normal(0, 1, team.size)
    exposure = rng.integers(5, 40, team.size).astype(float)
    mean = exposure * 0.05 * np.exp(0.3 * x)
    alpha = 1.5
    counts = rng.poisson(rng.gamma(1 / alpha, alpha * mean))
    exog = pd.DataFrame({"const": 1.0, "x": x})

    fit = fit_rate_model(counts, exog, exposure=exposure, groups=team)

    assert fit.dispersion > OVERDISPERSION_RATIO
    assert fit.method == "negative binomial (NB2)"
    assert fit.alpha == pytest.approx(alpha, rel=0.3)
    coefficient = fit.coefficients["x"]
    assert coefficient.ci_low < 0.3 < coefficient.ci_high
    assert coefficient.df == n_teams - 1


def test_poisson_counts_stay_poisson():
    rng = np.random.default_rng(5)
    team = np.repeat(np.arange(40), 24)
    x = rng.normal(0, 1, team.size)
    exposure = np.full(team.size, 10.0)
    counts = rng.poisson(exposure * 0.03 * np.exp(-0.4 * x))

    fit = fit_rate_model(
        counts, pd.DataFrame({"const": 1.0, "x": x}), exposure=exposure, groups=team
    )

    assert fit.method == "Poisson"
    assert fit.alpha is None
    assert fit.coefficients["x"].ci_low < -0.4 < fit.coefficients["x"].ci_high


def test_many_sites_enter_through_site_means_not_hundreds_of_indicators():
    effects = PlantedEffects(burnout_rate_ratio=1.4)
    few = simulate(n_teams=120, n_months=24, seed=6, n_sites=8, effects=effects)
    many = simulate(n_teams=120, n_months=24, seed=6, n_sites=60, effects=effects)

    few_design, few_sites = turnover_design(turnover_rows(few.panel))
    many_design, many_sites = turnover_design(turnover_rows(many.panel))
    burnout = {f.key: f for f in turnover_findings(many.panel)}[BURNOUT_KEY]

    assert few_sites == "site indicators"
    assert few_design.shape[1] == 5 + 7
    assert many_sites == "site means of the predictors"
    assert many_design.shape[1] == 5 + 3
    assert "site means of the predictors" in burnout.method
    assert burnout.ci_low < 1.4 < burnout.ci_high
