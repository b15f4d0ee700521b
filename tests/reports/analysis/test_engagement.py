import numpy as np
import pandas as pd
import pytest

from reports.analysis.engagement import (
    BETWEEN_KEY,
    WITHIN_KEY,
    engagement_to_patient_nps,
    engagement_to_patient_nps_between,
    paired_months,
)
from reports.analysis.findings import INSUFFICIENT_DATA, OK
from reports.analysis.simulate import PlantedEffects, simulate


def _exact_panel(n_teams=12, n_months=10, slope=0.5, noise=0.1, seed=0):
    """NPS next month = team effect + month shock + slope x engagement (+ tiny noise).

    The month shock also moves engagement, so a model without month effects would
    be biased; team effects are correlated with engagement too.
    """
    rng = np.random.default_rng(seed)
    months = pd.date_range("2024-11-01", periods=n_months, freq="MS")
    team_level = rng.normal(60, 8, n_teams)
    shock = rng.normal(0, 10, n_months)
    rows = []
    for team in range(n_teams):
        engagement = team_level[team] + shock + rng.normal(0, 5, n_months)
        for m, month in enumerate(months):
            previous = engagement[m - 1] if m else np.nan
            rows.append(
                {
                    "site": f"site-{team % 3}",
                    "team": f"team-{team}",
                    "month": month,
                    "engagement": engagement[m],
                    "patient_nps": 2 * team_level[team]
                    - 100
                    + 3 * shock[m]
                    + slope * previous
                    + rng.normal(0, noise),
                    "patient_responses": 30,
                }
            )
    return pd.DataFrame(rows)


def test_within_team_slope_is_recovered_with_team_and_month_effects():
    finding = engagement_to_patient_nps(_exact_panel())

    assert finding.key == WITHIN_KEY
    assert finding.status == OK
    assert finding.estimate == pytest.approx(5.0, abs=0.1)
    assert finding.ci_low < 5.0 < finding.ci_high
    assert (finding.n_teams, finding.n_obs) == (12, 12 * 9)
    assert finding.unit == "patient NPS points per 10 engagement points"


def test_nps_from_a_handful_of_patients_is_left_out():
    panel = _exact_panel()
    few = panel.index[panel["month"] == "2025-03-01"]
    panel.loc[few, "patient_responses"] = 4
    panel.loc[few, "patient_nps"] = 100.0  # would wreck the slope if used

    finding = engagement_to_patient_nps(panel)

    assert finding.estimate == pytest.approx(5.0, abs=0.1)
    assert finding.n_obs == 12 * 8


def test_lag_pairs_engagement_with_the_following_month():
    panel = _exact_panel(n_teams=2, n_months=3)

    rows = paired_months(panel).sort_values(["team_key", "month_index"])

    first_team = panel[panel["team"] == "team-0"].sort_values("month")
    assert rows["engagement_prev"].iloc[:2].tolist() == pytest.approx(
        first_team["engagement"].iloc[:2].tolist()
    )
    assert rows["patient_nps"].iloc[:2].tolist() == pytest.approx(
        first_team["patient_nps"].iloc[1:].tolist()
    )


@pytest.mark.parametrize(
    ("n_teams", "n_months", "reason"),
    [
        (9, 12, "needs at least 10 teams"),
        (15, 6, "needs at least 6 months"),  # 6 months give 5 lagged pairs
        (10, 7, None),  # exactly 60 team-months: enough
    ],
)
def test_too_little_data_gives_insufficient_data_and_no_estimate(
    n_teams, n_months, reason
):
    panel = _exact_panel(n_teams=n_teams, n_months=n_months)
    if reason is None:
        # One NPS from too few patients takes it below 60 team-months.
        panel.loc[panel.index[-1], "patient_responses"] = 2
        reason = "needs at least 60 team-months with both measures; has 59"

    for finding in (
        engagement_to_patient_nps(panel),
        engagement_to_patient_nps_between(panel),
    ):
        assert finding.status == INSUFFICIENT_DATA
        assert finding.reason.startswith(reason)
        assert finding.estimate is None
        assert finding.sentence.startswith("Not enough data yet")


def test_suppressed_engagement_does_not_count_towards_the_floors():
    panel = _exact_panel(n_teams=10, n_months=12)
    panel.loc[panel["team"] == "team-3", "engagement"] = np.nan

    finding = engagement_to_patient_nps(panel)

    assert finding.status == INSUFFICIENT_DATA
    assert finding.reason == (
        "needs at least 10 teams with team-months with both measures; has 9"
    )
    assert finding.n_teams == 9


def test_simulated_effect_is_found_within_and_between_teams():
    data = simulate(
        n_teams=60, n_months=24, seed=11, effects=PlantedEffects(engagement_to_nps=0.4)
    )

    within = engagement_to_patient_nps(data.panel)
    between = engagement_to_patient_nps_between(data.panel)

    assert within.status == OK
    assert within.ci_low < 4.0 < within.ci_high
    assert between.key == BETWEEN_KEY
    assert between.ci_low < 4.0 < between.ci_high
    assert between.estimate > 0
    assert between.details["icc"] > 0
    assert "Teams whose engagement averaged 10 points higher" in between.sentence


def test_random_effect_variance_is_withheld_below_twenty_teams():
    between = engagement_to_patient_nps_between(
        _exact_panel(n_teams=12, n_months=12, noise=5.0)
    )

    assert between.status == OK
    assert "between_team_variance" not in between.details
    assert "icc" not in between.details


def test_no_link_in_pure_noise_reads_no_clear_link():
    data = simulate(n_teams=40, n_months=24, seed=5)

    finding = engagement_to_patient_nps(data.panel)

    assert finding.status == "no_clear_link"
    assert finding.ci_low < 0 < finding.ci_high
