import numpy as np
import pandas as pd
import pytest

from reports.analysis.findings import INSUFFICIENT_DATA, OK
from reports.analysis.fitting import fit_cox
from reports.analysis.panel import MIN_PEOPLE_PER_CURVE
from reports.analysis.simulate import PlantedEffects, simulate
from reports.analysis.survival import (
    CROSS_TRAINING_KEY,
    cross_training_to_leaving,
    retention_curve,
    retention_curves,
)


@pytest.fixture(scope="module")
def people():
    return simulate(
        n_teams=60,
        n_months=36,
        seed=31,
        effects=PlantedEffects(breadth_hazard_ratio=0.8),
    ).people


def test_curves_are_tidy_and_cover_every_grouping(people):
    curves = retention_curves(people)

    assert set(curves) == {"all", "site", "job_role", "tenure_band"}
    for by, table in curves.items():
        assert list(table.columns) == [
            "group_by",
            "group",
            "time",
            "survival",
            "ci_low",
            "ci_high",
            "at_risk",
            "events",
        ]
        assert (table["group_by"] == by).all()
        for _, curve in table.groupby("group"):
            assert curve["time"].is_monotonic_increasing
            assert curve["survival"].is_monotonic_decreasing
            assert (curve["ci_low"] <= curve["survival"]).all()
            assert (curve["survival"] <= curve["ci_high"]).all()
            assert (curve["at_risk"] >= MIN_PEOPLE_PER_CURVE).all()
    assert set(curves["tenure_band"]["group"]) <= {"lt1", "1to2", "2to5", "5plus"}
    assert set(curves["job_role"]["group"]) == set(people["job_role"])


def test_small_groups_get_no_curve():
    rows = pd.DataFrame(
        {
            "person": [f"p{i}" for i in range(14)],
            "site": ["North"] * 10 + ["Tiny"] * 4,
            "team": ["a"] * 14,
            "job_role": ["dentist"] * 14,
            "tenure_band": ["lt1"] * 14,
            "start": [0] * 14,
            "stop": [3, 5, 7, 9, 11, 12, 12, 12, 12, 12, 2, 4, 6, 8],
            "event": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1],
            "cross_training_breadth": [0] * 14,
        }
    )

    table = retention_curve(rows, by="site")

    assert set(table["group"]) == {"North"}
    # Hand KM for North: 10 at risk; leavers at 3, 5, 7 then 11 (6 at risk).
    north = table.set_index("time")["survival"]
    assert north[3.0] == pytest.approx(0.9)
    assert north[7.0] == pytest.approx(0.7)
    assert north[11.0] == pytest.approx(0.7 * 5 / 6)


def test_people_belong_to_the_group_they_were_first_seen_in():
    rows = pd.DataFrame(
        {
            "person": ["p1", "p1"] + [f"q{i}" for i in range(6)],
            "site": ["North", "South"] + ["South"] * 6,
            "team": ["a"] * 8,
            "job_role": ["dentist"] * 8,
            "tenure_band": ["lt1"] * 8,
            "start": [0, 5] + [0] * 6,
            "stop": [5, 9] + [2, 4, 6, 8, 10, 12],
            "event": [0, 1] + [1, 0, 0, 0, 0, 0],
            "cross_training_breadth": [0] * 8,
        }
    )

    table = retention_curve(rows, by="site")

    south = table[table["group"] == "South"]
    assert 9.0 not in south["time"].tolist()


def test_cox_finding_recovers_a_planted_hazard_ratio(people):
    finding = cross_training_to_leaving(people)

    assert finding.key == CROSS_TRAINING_KEY
    assert finding.status == OK
    assert finding.ci_low < 0.8 < finding.ci_high
    assert finding.estimate < 1
    assert finding.n_teams == 60
    assert finding.n_obs == people["person"].nunique()
    assert finding.sentence.startswith(
        "People cross-trained in one more skill (level 2 or above) had a"
    )
    assert "lower rate of leaving voluntarily (hazard ratio" in finding.sentence


def test_clustered_cox_survives_rows_that_start_after_the_last_leaver():
    rows = pd.DataFrame(
        {
            "stop": [2.0, 4.0, 6.0, 8.0, 12.0, 20.0, 25.0],
            "start": [0.0, 0.0, 1.0, 0.0, 0.0, 15.0, 10.0],
            "event": [1, 1, 0, 1, 1, 0, 0],
            "x": [0.0, 1.0, 2.0, 1.0, 0.0, 3.0, 2.0],
            "team": ["a", "b", "a", "b", "c", "c", "a"],
        }
    )

    result = fit_cox(
        rows["stop"],
        rows["event"],
        rows[["x"]],
        entry=rows["start"],
        groups=rows["team"],
    )

    assert np.isfinite(result.bse).all()


def test_cox_guards(people):
    few_teams = people[people["team"].isin(sorted(people["team"].unique())[:9])]
    no_leavers = people.assign(event=0)
    same_breadth = people.assign(cross_training_breadth=2)

    assert cross_training_to_leaving(few_teams).reason == (
        "needs people in at least 10 teams; has 9"
    )
    assert cross_training_to_leaving(no_leavers).reason == (
        "needs at least 20 voluntary leavers; has 0"
    )
    refused = cross_training_to_leaving(same_breadth)
    assert refused.status == INSUFFICIENT_DATA
    assert refused.reason == "everyone had the same cross-training breadth"


def test_bad_spells_are_refused(people):
    with pytest.raises(ValueError, match="start < stop"):
        retention_curve(people.assign(stop=people["start"]))
    with pytest.raises(ValueError, match="event must be"):
        cross_training_to_leaving(people.assign(event=2))
    with pytest.raises(ValueError, match="by must be one of"):
        retention_curve(people, by="team")
