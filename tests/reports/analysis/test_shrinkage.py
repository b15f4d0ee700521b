import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.analysis.shrinkage import SHRUNK_COLUMNS, shrink_team_scores
from reports.analysis.simulate import simulate


@pytest.fixture(scope="module")
def panel():
    return simulate(n_teams=120, n_months=12, seed=41).panel


def test_small_teams_are_pulled_further_towards_their_site(panel):
    shrunk = shrink_team_scores(panel, individual_variance=16.0**2)

    assert list(shrunk.columns) == list(SHRUNK_COLUMNS)
    by_size = shrunk.groupby("respondents")["reliability"].mean()
    assert by_size.is_monotonic_increasing
    assert by_size.iloc[-1] - by_size.iloc[0] > 0.2
    pull = (shrunk["raw"] - shrunk["shrunk"]).abs() / (
        shrunk["raw"] - shrunk["prior_mean"]
    ).abs()
    small = pull[shrunk["respondents"] <= 4].median()
    large = pull[shrunk["respondents"] >= 9].median()
    assert small > large


def test_shrunk_scores_are_closer_to_the_true_climate(panel):
    shrunk = shrink_team_scores(panel)
    truth = panel.loc[panel["engagement"].notna(), "latent_engagement"].to_numpy()

    raw_error = np.sqrt(np.mean((shrunk["raw"].to_numpy() - truth) ** 2))
    shrunk_error = np.sqrt(np.mean((shrunk["shrunk"].to_numpy() - truth) ** 2))

    assert shrunk_error < 0.9 * raw_error
    # Variances estimated from the panel alone land near the simulator's values
    # (individual sd 16; team-month climate sd about 8.6 around a site mean).
    assert shrunk.attrs["individual_variance"] == pytest.approx(256, rel=0.5)
    assert shrunk.attrs["between_team_variance"] == pytest.approx(74, rel=0.5)


def test_a_tiny_team_with_an_extreme_month_is_not_ranked_first():
    rng = np.random.default_rng(3)
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    rows = [
        ("North", f"big-{team}", month, rng.normal(65, 6), 14)
        for team in range(12)
        for month in months
    ]
    rows += [("North", "tiny", month, rng.normal(65, 6), 3) for month in months]
    # Last month: the tiny team's 3 answers average 95; a 14-answer team's 85.
    rows[-1] = ("North", "tiny", months[-1], 95.0, 3)
    rows[11] = ("North", "big-0", months[-1], 85.0, 14)
    panel = pd.DataFrame(
        rows, columns=["site", "team", "month", "engagement", "respondents"]
    )

    shrunk = shrink_team_scores(panel, individual_variance=16.0**2)
    last = shrunk[shrunk["month"] == months[-1]].set_index("team")

    assert last["raw"].idxmax() == "tiny"
    assert last["shrunk"].idxmax() == "big-0"
    assert last.loc["tiny", "reliability"] < last.loc["big-0", "reliability"]


def test_burnout_shares_use_binomial_sampling_variance(panel):
    shrunk = shrink_team_scores(panel, value="burnout_rate", proportion=True)

    assert shrunk["shrunk"].between(0, 1).all()
    assert shrunk.attrs["individual_variance"] is None
    assert (shrunk["reliability"] < 1).all()
    expected = shrunk["prior_mean"] + shrunk["reliability"] * (
        shrunk["raw"] - shrunk["prior_mean"]
    )
    np.testing.assert_allclose(shrunk["shrunk"], expected)


def test_too_few_teams_leaves_scores_unshrunk_with_a_reason():
    panel = simulate(n_teams=6, n_months=6, seed=1).panel

    shrunk = shrink_team_scores(panel)

    assert shrunk["shrunk"].isna().all()
    assert shrunk["raw"].notna().all()
    assert shrunk.attrs["reason"].startswith("needs at least 10 teams")


def test_a_team_alone_at_its_site_is_pulled_towards_the_month_mean():
    rows = [("North", f"t{i}", 50.0 + 2 * i, 8) for i in range(11)]
    rows.append(("Solo", "only", 90.0, 5))
    panel = pd.DataFrame(rows, columns=["site", "team", "engagement", "respondents"])
    panel["month"] = pd.Timestamp("2025-01-01")

    shrunk = shrink_team_scores(panel, individual_variance=100.0).set_index("team")

    assert shrunk.loc["only", "prior_mean"] < 90.0
    assert shrunk.loc["only", "shrunk"] < 90.0


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=100),
            st.integers(min_value=1, max_value=15),
        ),
        min_size=12,
        max_size=30,
    )
)
def test_shrunk_score_lies_between_raw_score_and_prior_mean(scores):
    panel = pd.DataFrame(
        {
            "site": ["North" if i % 2 else "South" for i in range(len(scores))],
            "team": [f"t{i}" for i in range(len(scores))],
            "month": pd.Timestamp("2025-01-01"),
            "engagement": [score for score, _ in scores],
            "respondents": [n for _, n in scores],
        }
    )

    shrunk = shrink_team_scores(panel, individual_variance=225.0)

    low = np.minimum(shrunk["raw"], shrunk["prior_mean"]) - 1e-9
    high = np.maximum(shrunk["raw"], shrunk["prior_mean"]) + 1e-9
    assert ((shrunk["shrunk"] >= low) & (shrunk["shrunk"] <= high)).all()
    assert shrunk["reliability"].between(0, 1).all()
