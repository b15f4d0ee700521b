import numpy as np
import pandas as pd
import pytest

from reports.analysis.panel import PANEL_COLUMNS, PEOPLE_COLUMNS
from reports.analysis.simulate import PlantedEffects, simulate


def test_same_seed_same_data_and_different_seed_different_data():
    first = simulate(n_teams=12, n_months=8, seed=7)
    again = simulate(n_teams=12, n_months=8, seed=7)
    other = simulate(n_teams=12, n_months=8, seed=8)

    pd.testing.assert_frame_equal(first.panel, again.panel)
    pd.testing.assert_frame_equal(first.people, again.people)
    assert not first.panel["engagement"].equals(other.panel["engagement"])


def test_panel_has_the_analysis_columns_and_realistic_ranges():
    data = simulate(n_teams=60, n_months=12, seed=1)
    panel = data.panel

    assert set(PANEL_COLUMNS) <= set(panel.columns)
    assert len(panel) == 60 * 12
    assert panel["month"].dt.day.eq(1).all()
    assert panel["headcount"].between(1.5, 15).all()
    assert (panel["respondents"] <= panel["headcount"].round() + 1).all()
    # About 70% answer; small teams are sometimes suppressed (NaN), never 0-100 out.
    assert panel["respondents"].sum() / panel["headcount"].sum() == pytest.approx(
        0.7, abs=0.05
    )
    assert panel["engagement"].isna().any()
    assert panel["engagement"].dropna().between(0, 100).all()
    assert panel["burnout_rate"].dropna().between(0, 1).all()
    assert panel["patient_nps"].dropna().between(-100, 100).all()
    assert panel["patient_responses"].mean() == pytest.approx(30, abs=1.5)
    assert panel["coverage"].between(0, 1).all()


def test_people_spells_agree_with_the_panel_leaver_counts():
    data = simulate(n_teams=20, n_months=24, seed=2)
    people = data.people

    assert set(PEOPLE_COLUMNS) <= set(people.columns)
    assert (people["start"] < people["stop"]).all()
    assert people["event"].isin([0, 1]).all()
    # At most one voluntary leaving per person, on their last spell.
    assert people.groupby("person")["event"].sum().max() == 1
    last = people.groupby("person").tail(1)
    assert people["event"].sum() == last["event"].sum()
    assert people["event"].sum() == data.panel["voluntary_leavers"].sum()
    by_team = people.groupby("team")["event"].sum()
    panel_by_team = data.panel.groupby("team")["voluntary_leavers"].sum()
    pd.testing.assert_series_equal(
        by_team.sort_index(), panel_by_team.sort_index(), check_names=False
    )
    assert set(people["tenure_band"]) <= {"lt1", "1to2", "2to5", "5plus"}


def test_planted_burnout_effect_shows_in_raw_leaving_rates():
    strong = simulate(
        n_teams=150,
        n_months=24,
        seed=3,
        effects=PlantedEffects(burnout_rate_ratio=2.0),
    ).panel
    strong = strong.sort_values(["team", "month"])
    strong["burnout_prev"] = strong.groupby("team")["burnout_rate"].shift()
    high = strong["burnout_prev"] > 0.4
    low = strong["burnout_prev"] < 0.1
    rate = strong["voluntary_leavers"] / strong["headcount"]

    assert rate[high].mean() > 1.5 * rate[low].mean()


def test_planted_effects_are_checked():
    with pytest.raises(ValueError, match="on must be"):
        PlantedEffects(on="imagined")
    with pytest.raises(ValueError, match="positive"):
        PlantedEffects(burnout_rate_ratio=0)
    with pytest.raises(ValueError):
        simulate(n_teams=0)


def test_latent_climate_is_what_observed_engagement_measures_with_noise():
    panel = simulate(n_teams=80, n_months=12, seed=4).panel.dropna(
        subset=["engagement"]
    )
    error = panel["engagement"] - panel["latent_engagement"]

    assert abs(error.mean()) < 1.0
    # Noise shrinks with more respondents: sd ~ 16 / sqrt(respondents).
    small = error[panel["respondents"] <= 4].std()
    large = error[panel["respondents"] >= 9].std()
    assert small > 1.4 * large
    assert np.corrcoef(panel["engagement"], panel["latent_engagement"])[0, 1] > 0.6
