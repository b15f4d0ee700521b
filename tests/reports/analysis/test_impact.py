"""Action impact: difference-in-differences against teams that did not act.

Simulated panels: each team has a stable level, the whole group shares month
effects, and each team-month adds measurement noise (a monthly mean of a handful
of answers, ANALYSIS.md). Replication thresholds as in test_replications.py: the
interval covers the truth in at least 45 of 50 replications; a correct 95%
interval with no effect reports a change in 8 or more of 50 with probability 0.3%.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from reports.analysis.findings import INSUFFICIENT_DATA, NO_CLEAR_LINK, OK
from reports.analysis.impact import (
    MEASURES,
    METHOD_CLUSTERED,
    METHOD_COLLAPSED,
    action_impact,
    add_months,
    measurable_from,
    measure_values,
)

REPLICATIONS = 50
MIN_COVERED = 45
MIN_NO_CLEAR_LINK = 43
FIRST_MONTH = date(2023, 1, 1)
START = date(2024, 1, 1)  # month 12 of 24


def simulated_panel(
    *,
    n_teams=30,
    n_months=24,
    treated=(),
    effect=0.0,
    seed=0,
    noise_sd=6.0,
    team_sd=8.0,
    start=START,
    missing=0.0,
):
    """Engagement per team-month; ``effect`` points added to ``treated`` teams from
    ``start`` on. Teams are ("Site <i % 5>", "Team <i>")."""
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(n_teams), n_months)
    month = np.tile(np.arange(n_months), n_teams)
    months = pd.date_range(pd.Timestamp(FIRST_MONTH), periods=n_months, freq="MS")
    level = rng.normal(68.0, team_sd, n_teams)
    month_effect = rng.normal(0.0, 2.0, n_months)
    engagement = (
        level[team] + month_effect[month] + rng.normal(0.0, noise_sd, team.size)
    )
    start_index = (start.year - FIRST_MONTH.year) * 12 + start.month - 1
    acted = np.isin(team, list(treated)) & (month >= start_index)
    engagement = engagement + effect * acted
    frame = pd.DataFrame(
        {
            "site": [f"Site {i % 5}" for i in team],
            "team": [f"Team {i}" for i in team],
            "month": months[month],
            "engagement": engagement,
        }
    )
    if missing:
        frame = frame[rng.random(len(frame)) >= missing]
    return frame.reset_index(drop=True)


def names(teams):
    return [(f"Site {i % 5}", f"Team {i}") for i in teams]


def test_noise_free_effect_is_recovered_exactly_by_both_methods():
    one = simulated_panel(treated=[0], effect=5.0, noise_sd=0.0)
    result = action_impact(
        one, treated_teams=names([0]), start_month=START, measure="engagement"
    )
    assert result.method == METHOD_COLLAPSED
    assert result.estimate == pytest.approx(5.0)
    assert result.n_treated == 1
    assert result.n_control == 29
    many = simulated_panel(treated=range(12), effect=5.0, noise_sd=0.0)
    result = action_impact(
        many, treated_teams=names(range(12)), start_month=START, measure="engagement"
    )
    assert result.method == METHOD_CLUSTERED
    assert result.estimate == pytest.approx(5.0)
    assert (result.n_treated, result.n_control) == (12, 18)
    # 6 months before (skipping the month before the start) and 6 after, 30 teams.
    assert result.n_obs == 30 * 12
    assert result.details["first_month_before"] == "2023-06-01"
    assert result.details["last_month_after"] == "2024-06-01"


def test_clear_improvement_sentence_is_an_association_with_comparable_teams():
    panel = simulated_panel(treated=[0, 1], effect=12.0, noise_sd=2.0, seed=3)
    result = action_impact(
        panel, treated_teams=names([0, 1]), start_month=START, measure="engagement"
    )
    assert result.status == OK
    assert result.ci_low <= 12.0 <= result.ci_high
    assert "28 comparable teams that did not act" in result.sentence
    assert "the 2 teams that acted" in result.sentence
    assert "an improvement associated with the action" in result.sentence
    assert "not proof of cause" in result.sentence
    assert "caused" not in result.sentence


def test_lower_burnout_reads_as_an_improvement_in_percentage_points():
    panel = simulated_panel(treated=[0], effect=-10.0, noise_sd=1.0, seed=4)
    panel = panel.rename(columns={"engagement": "burnout_rate"})
    panel["burnout_rate"] = panel["burnout_rate"] / 100.0
    result = action_impact(
        panel, treated_teams=names([0]), start_month=START, measure="burnout_rate"
    )
    assert result.status == OK
    assert result.estimate == pytest.approx(-10.0, abs=3.0)
    assert result.unit == "percentage points"
    assert "lower" in result.sentence
    assert "an improvement" in result.sentence


def test_no_clear_change_sentence_says_the_interval_includes_no_difference():
    panel = simulated_panel(treated=[0], effect=0.0, seed=5)
    result = action_impact(
        panel, treated_teams=names([0]), start_month=START, measure="engagement"
    )
    assert result.status == NO_CLEAR_LINK
    assert result.sentence.startswith("No clear change yet")
    assert "includes no difference" in result.sentence
    assert result.as_dict()["status"] == NO_CLEAR_LINK


def _replicate(*, treated, effect, seed_offset, n_teams=30, missing=0.1):
    results = []
    with threadpool_limits(limits=1):
        for replication in range(REPLICATIONS):
            panel = simulated_panel(
                n_teams=n_teams,
                treated=treated,
                effect=effect,
                seed=seed_offset + replication,
                missing=missing,
            )
            results.append(
                action_impact(
                    panel,
                    treated_teams=names(treated),
                    start_month=START,
                    measure="engagement",
                )
            )
    return results


@pytest.mark.slow
@pytest.mark.parametrize(
    ("treated", "method"),
    [((0,), METHOD_COLLAPSED), (tuple(range(3)), METHOD_COLLAPSED)]
    + [(tuple(range(12)), METHOD_CLUSTERED)],
)
def test_planted_effect_is_covered(treated, method):
    results = _replicate(treated=treated, effect=4.0, seed_offset=100)
    assert {result.method for result in results} == {method}
    covered = sum(result.ci_low <= 4.0 <= result.ci_high for result in results)
    assert covered >= MIN_COVERED


@pytest.mark.slow
@pytest.mark.parametrize("treated", [(0,), tuple(range(12))])
def test_no_effect_gives_no_clear_change_at_about_the_nominal_rate(treated):
    results = _replicate(treated=treated, effect=0.0, seed_offset=200)
    assert sum(result.status == NO_CLEAR_LINK for result in results) >= (
        MIN_NO_CLEAR_LINK
    )


@pytest.mark.slow
def test_worst_teams_picked_on_a_bad_month_do_not_look_improved():
    """Regression to the mean: the 4 worst teams in the month before the start
    act, nothing changes. Before/after on those teams (the bad month they were
    picked on vs the months after) shows an improvement almost every time; the
    difference-in-differences reports one no more often than a one-sided 2.5% test
    would, and is centred on zero."""
    did_improved = 0
    did_estimates = []
    naive_changes = []
    with threadpool_limits(limits=1):
        for replication in range(REPLICATIONS):
            panel = simulated_panel(n_teams=40, seed=300 + replication)
            prompting = panel[panel["month"] == pd.Timestamp(add_months(START, -1))]
            worst = prompting.nsmallest(4, "engagement")
            treated = [int(team.split()[1]) for team in worst["team"]]
            result = action_impact(
                panel,
                treated_teams=names(treated),
                start_month=START,
                measure="engagement",
            )
            did_improved += result.status == OK and result.estimate > 0
            did_estimates.append(result.estimate)

            after = panel[
                panel["team"].isin(worst["team"])
                & (panel["month"] >= pd.Timestamp(START))
                & (panel["month"] < pd.Timestamp(add_months(START, 6)))
            ]
            changes = (
                after.groupby("team")["engagement"].mean()
                - worst.set_index("team")["engagement"]
            )
            naive_changes.append(changes.mean())
    naive_changes = np.array(naive_changes)
    assert (naive_changes > 0).sum() >= 45
    assert naive_changes.mean() > 3.0
    assert abs(np.mean(did_estimates)) < 1.0
    # P(X >= 5) for X ~ Binomial(50, 0.025) is under 1%.
    assert did_improved <= 4


def test_too_few_months_before():
    panel = simulated_panel(n_months=24)
    # Data start in 2023-01; a start in 2023-04 leaves 2 months before
    # (January and February; March is the skipped prompting month).
    result = action_impact(
        panel,
        treated_teams=names([0]),
        start_month=date(2023, 4, 1),
        measure="engagement",
    )
    assert result.status == INSUFFICIENT_DATA
    assert result.reason == ("needs at least 3 months measured before the start; has 2")
    assert result.estimate is None
    assert result.sentence.startswith("Not enough data yet")


def test_too_few_months_after():
    panel = simulated_panel(n_months=24)
    result = action_impact(
        panel,
        treated_teams=names([0]),
        start_month=date(2024, 11, 1),
        measure="engagement",
    )
    assert result.status == INSUFFICIENT_DATA
    assert result.reason == (
        "needs at least 3 months measured from the start on; has 2"
    )


def test_too_few_comparison_teams_leaves_out_excluded_and_other_site_teams():
    panel = simulated_panel(n_teams=10)
    enough = action_impact(
        panel,
        treated_teams=names([0]),
        start_month=START,
        measure="engagement",
        exclude_teams=names([1, 2, 3, 4]),
    )
    assert enough.status != INSUFFICIENT_DATA
    assert enough.n_control == 5
    excluded = action_impact(
        panel,
        treated_teams=names([0]),
        start_month=START,
        measure="engagement",
        exclude_teams=names([1, 2, 3, 4, 5]),
    )
    assert excluded.status == INSUFFICIENT_DATA
    assert excluded.reason == (
        "needs at least 5 comparable teams that did not act, measured before and "
        "after; has 4"
    )
    limited = action_impact(
        panel,
        treated_teams=names([0]),
        start_month=START,
        measure="engagement",
        comparison_sites=["Site 1", "Site 2"],
    )
    assert limited.status == INSUFFICIENT_DATA
    assert limited.n_control == 4


def test_acted_on_team_missing_from_the_panel():
    panel = simulated_panel()
    result = action_impact(
        panel,
        treated_teams=[("Site 0", "Nobody")],
        start_month=START,
        measure="engagement",
    )
    assert result.status == INSUFFICIENT_DATA
    assert result.n_treated == 0
    assert "no acted-on team has engagement measured" in result.reason


def test_unknown_measure_and_missing_column_are_errors():
    panel = simulated_panel()
    with pytest.raises(ValueError, match="unknown measure 'morale'"):
        action_impact(
            panel, treated_teams=names([0]), start_month=START, measure="morale"
        )
    with pytest.raises(ValueError, match="missing column"):
        action_impact(
            panel, treated_teams=names([0]), start_month=START, measure="enps"
        )


def test_measure_values_are_in_reported_units():
    panel = pd.DataFrame(
        {
            "headcount": [10.0, 0.0],
            "voluntary_leavers": [1, 0],
            "burnout_rate": [0.25, 0.5],
            "coverage": [0.6, np.nan],
            "training_compliance": [0.9, 1.0],
            "patient_nps": [40.0, 55.0],
            "patient_responses": [30, 4],
        }
    )
    assert measure_values(panel, "voluntary_turnover").tolist()[0] == 10.0
    assert np.isnan(measure_values(panel, "voluntary_turnover").tolist()[1])
    assert measure_values(panel, "burnout_rate").tolist() == [25.0, 50.0]
    assert measure_values(panel, "training_compliance").tolist() == [90.0, 100.0]
    nps = measure_values(panel, "patient_nps").tolist()
    assert nps[0] == 40.0 and np.isnan(nps[1])  # 4 answers are too few
    assert set(MEASURES) == {
        "engagement",
        "burnout_rate",
        "enps",
        "voluntary_turnover",
        "coverage",
        "training_compliance",
        "patient_nps",
    }


def test_months_arithmetic():
    assert add_months(date(2024, 11, 15), 2) == date(2025, 1, 1)
    assert add_months(date(2024, 1, 1), -1) == date(2023, 12, 1)
    assert measurable_from(date(2024, 11, 20)) == date(2025, 2, 1)
