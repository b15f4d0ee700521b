import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from reports.analysis.fitting import min_detectable_effect
from reports.analysis.reliability import (
    ALPHA_MINIMUM,
    MIN_RANKING_RELIABILITY,
    alpha_by_round,
    cronbach_alpha,
    icc1_from_aggregates,
    icc1_from_responses,
    measure_reliability,
    ranking_gate,
    respondents_needed,
    spearman_brown,
    team_reliability,
)
from reports.analysis.simulate import simulate

# Three groups worked by hand: means 4, 7, 9; within sums of squares 8, 8, 2.
HAND = pd.DataFrame(
    {
        "site": "North",
        "team": ["a", "a", "a", "b", "b", "b", "c", "c"],
        "month": pd.Timestamp("2025-03-01"),
        "engagement": [2.0, 4.0, 6.0, 5.0, 7.0, 9.0, 8.0, 10.0],
    }
)


def test_icc1_from_answers_matches_the_hand_computed_anova():
    # Grand mean 51/8; SSB = 31.875 on 2 df -> MSB 15.9375; SSW = 18 on 5 df ->
    # MSW 3.6; n0 = (8 - 22/8) / 2 = 2.625;
    # ICC(1) = (15.9375 - 3.6) / (15.9375 + 1.625 x 3.6) = 987/1743 = 47/83.
    anova = icc1_from_responses(HAND)

    assert anova.between_mean_square == pytest.approx(15.9375)
    assert anova.within_mean_square == pytest.approx(3.6)
    assert anova.n0 == pytest.approx(2.625)
    assert anova.icc1 == pytest.approx(float(Fraction(47, 83)), abs=1e-12)
    assert (anova.groups, anova.answers) == (3, 8)


def test_icc1_from_aggregates_equals_icc1_from_the_answers_behind_them():
    rng = np.random.default_rng(4)
    answers = pd.DataFrame(
        {
            "site": "North",
            "team": np.repeat([f"t{i}" for i in range(30)], 7),
            "month": pd.Timestamp("2025-01-01"),
            "engagement": np.repeat(rng.normal(65, 6, 30), 7) + rng.normal(0, 15, 210),
        }
    ).sample(frac=0.8, random_state=1)  # unequal group sizes
    grouped = answers.groupby("team")["engagement"]
    pooled = float(
        (grouped.var() * (grouped.size() - 1)).sum() / (grouped.size() - 1).sum()
    )

    from_answers = icc1_from_responses(answers)
    from_aggregates = icc1_from_aggregates(grouped.mean(), grouped.size(), pooled)

    assert from_aggregates.icc1 == pytest.approx(from_answers.icc1, abs=1e-12)


def test_burnout_icc1_from_the_panel_equals_the_individual_yes_no_anova():
    rng = np.random.default_rng(5)
    teams = np.repeat([f"t{i}" for i in range(25)], 9)
    risk = np.repeat(rng.uniform(0.1, 0.5, 25), 9)
    answers = pd.DataFrame(
        {
            "site": "North",
            "team": teams,
            "month": pd.Timestamp("2025-01-01"),
            "burnout_rate": (rng.random(teams.size) < risk).astype(float),
        }
    ).iloc[3:]
    panel = (
        answers.groupby(["site", "team", "month"])["burnout_rate"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "burnout_rate", "size": "respondents"})
        .reset_index()
    )

    table = measure_reliability(panel, engagement_variance=None)

    assert list(table["measure"]) == ["burnout_rate"]
    expected = icc1_from_responses(answers, value="burnout_rate").icc1
    assert table.loc[0, "icc1"] == pytest.approx(expected, abs=1e-12)


def test_icc1_recovers_the_simulated_climate_share():
    data = simulate(n_teams=200, n_months=24, seed=12)
    panel = data.panel
    measured = panel["engagement"].notna()
    climate = panel.loc[measured, "latent_engagement"].var()
    truth = climate / (climate + 16.0**2)

    table = measure_reliability(
        panel, engagement_variance=panel.attrs["engagement_individual_variance"]
    )

    engagement = table.set_index("measure").loc["engagement"]
    assert engagement["icc1"] == pytest.approx(truth, abs=0.03)
    assert engagement["source"] == "pooled from the responses"


def test_spearman_brown_known_values_and_the_balanced_anova_identity():
    # ANALYSIS.md: ICC(1) 0.10 with 8 answers gives about 0.47.
    assert spearman_brown(0.10, 8) == pytest.approx(0.8 / 1.7)
    assert spearman_brown(0.10, 3) == pytest.approx(0.25)
    assert spearman_brown(-0.05, 10) == 0.0
    assert spearman_brown(0.2, 1) == pytest.approx(0.2)
    assert respondents_needed(0.10, 0.6) == pytest.approx(13.5)
    assert spearman_brown(0.10, respondents_needed(0.10, 0.6)) == pytest.approx(0.6)
    # With equal groups of k, ICC(2) = (MSB - MSW) / MSB (Bliese 2000).
    balanced = HAND.iloc[:6]
    anova = icc1_from_responses(balanced)
    assert spearman_brown(anova.icc1, 3) == pytest.approx(
        (anova.between_mean_square - anova.within_mean_square)
        / anova.between_mean_square
    )


def test_team_icc2_uses_each_teams_mean_respondents():
    panel = pd.DataFrame(
        {
            "site": "North",
            "team": ["small", "small", "large", "large", "quiet"],
            "month": pd.to_datetime(["2025-01-01", "2025-02-01"] * 2 + ["2025-01-01"]),
            "engagement": [60.0, 70.0, 65.0, 66.0, np.nan],
            "respondents": [3, 5, 12, 14, 2],
        }
    )

    teams = team_reliability(panel, {"engagement": 0.10})

    by_team = teams.set_index("team")
    assert "quiet" not in by_team.index  # no score in any month
    assert by_team.loc["small", "mean_respondents"] == 4
    assert by_team.loc["small", "engagement_icc2"] == pytest.approx(0.4 / 1.3)
    assert by_team.loc["large", "engagement_icc2"] == pytest.approx(1.3 / 2.2)


def _teams(icc2, icc1=0.10):
    return pd.DataFrame(
        {
            "site": "North",
            "team": [f"team-{i}" for i in range(len(icc2))],
            "mean_respondents": 8.0,
            "engagement_icc1": icc1,
            "engagement_icc2": icc2,
        }
    )


def test_ranking_is_allowed_only_when_every_team_is_reliable_enough():
    allowed = ranking_gate(_teams([0.61, 0.75, 0.9]))
    hidden = ranking_gate(_teams([0.61, 0.47, 0.9]))
    noise = ranking_gate(_teams([0.0, 0.0], icc1=-0.02))
    unknown = ranking_gate(_teams([0.7]).drop(columns="engagement_icc2"))

    assert allowed.allowed and allowed.lowest_icc2 == 0.61
    assert allowed.threshold == MIN_RANKING_RELIABILITY
    assert not hidden.allowed
    assert hidden.unreliable_teams == ("North / team-1",)
    assert hidden.respondents_needed == pytest.approx(13.5)
    assert hidden.reason.startswith("Team rankings on engagement are hidden")
    assert "needs about 14 respondents" in hidden.reason
    assert "1 of 3 teams" in hidden.reason
    assert "shrunken scores" in hidden.reason
    assert not noise.allowed and "do not differ measurably" in noise.reason
    assert not unknown.allowed and "cannot be measured yet" in unknown.reason


def test_alpha_matches_the_hand_computed_example():
    items = np.array([[1, 2, 2], [2, 2, 3], [3, 3, 3], [4, 4, 5], [5, 4, 5]])
    # Item variances 2.5, 1.0, 1.8; total variance 14.8:
    # alpha = 3/2 x (1 - 5.3 / 14.8) = 285/296.
    assert cronbach_alpha(items) == pytest.approx(285 / 296)


def _hoyt_alpha(matrix):
    """Alpha as Hoyt's two-way ANOVA: 1 - MS(residual) / MS(respondents)."""
    n, k = matrix.shape
    grand = matrix.mean()
    rows = k * ((matrix.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    residual = (
        (
            matrix
            - matrix.mean(axis=1, keepdims=True)
            - matrix.mean(axis=0, keepdims=True)
            + grand
        )
        ** 2
    ).sum() / ((n - 1) * (k - 1))
    return 1 - residual / rows


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.int64,
        st.tuples(st.integers(3, 12), st.integers(2, 6)),
        elements=st.integers(1, 5),
    )
)
def test_alpha_equals_hoyts_anova_formula(matrix):
    matrix = matrix.astype(float)
    if matrix.sum(axis=1).var() == 0:
        assert math.isnan(cronbach_alpha(matrix))
        return
    assert cronbach_alpha(matrix) == pytest.approx(_hoyt_alpha(matrix), abs=1e-9)


def test_alpha_per_round_uses_complete_answer_sets_and_gates_the_composite():
    rng = np.random.default_rng(9)
    climate = rng.normal(0, 1, 60)
    consistent = np.clip(
        np.round(3 + climate[:, None] + rng.normal(0, 0.5, (60, 5))), 1, 5
    )
    scattered = rng.integers(1, 6, (60, 5)).astype(float)
    scattered[0, 2] = np.nan  # skipped item: not a complete answer set
    answers = pd.DataFrame(
        np.vstack([consistent, scattered]), columns=[f"q{i}" for i in range(5)]
    )
    answers.insert(0, "round", ["2025-01"] * 60 + ["2025-02"] * 60)

    table = alpha_by_round(answers, items=[f"q{i}" for i in range(5)])

    assert list(table["round"]) == ["2025-01", "2025-02"]
    assert list(table["respondents"]) == [60, 59]
    assert table.loc[0, "alpha"] > 0.9 and table.loc[0, "reported"]
    assert table.loc[1, "alpha"] < ALPHA_MINIMUM and not table.loc[1, "reported"]


def test_minimum_detectable_effect_is_the_power_formula():
    # Normal reference: (1.960 + 0.842) x SE = 2.80 x SE.
    assert min_detectable_effect(1.0, math.inf) == pytest.approx(2.8016, abs=1e-4)
    assert min_detectable_effect(2.5, math.inf) == pytest.approx(2.5 * 2.8016, 1e-4)
    # At that size a two-sided 5% z test rejects 80% of the time.
    mde = min_detectable_effect(1.0, math.inf)
    power = stats.norm.sf(1.959964 - mde) + stats.norm.cdf(-1.959964 - mde)
    assert power == pytest.approx(0.80, abs=1e-3)
    # With few clusters the t reference asks for a larger effect.
    assert min_detectable_effect(1.0, 9) > min_detectable_effect(1.0, 39) > 2.8016
    assert math.isnan(min_detectable_effect(float("nan"), 39))
    assert math.isnan(min_detectable_effect(0.0, 39))
