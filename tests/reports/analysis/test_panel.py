import numpy as np
import pandas as pd
import pytest

from reports.analysis.panel import (
    check_sufficiency,
    require_columns,
    team_key,
    with_previous_month,
)


def _panel(rows):
    return pd.DataFrame(
        [
            {"site": site, "team": team, "month": pd.Timestamp(month), "engagement": e}
            for site, team, month, e in rows
        ]
    )


def test_previous_month_is_the_calendar_month_before_not_the_previous_row():
    panel = _panel(
        [
            ("North", "Front desk", "2025-01-01", 60.0),
            ("North", "Front desk", "2025-02-01", 65.0),
            # March missing: April must not borrow February's value.
            ("North", "Front desk", "2025-04-01", 70.0),
            ("North", "Front desk", "2025-05-01", 75.0),
            ("North", "Front desk", "2026-01-01", 80.0),
        ]
    )

    lagged = with_previous_month(panel, ["engagement"]).set_index("month")

    assert np.isnan(lagged.loc["2025-01-01", "engagement_prev"])
    assert lagged.loc["2025-02-01", "engagement_prev"] == 60.0
    assert np.isnan(lagged.loc["2025-04-01", "engagement_prev"])
    assert lagged.loc["2025-05-01", "engagement_prev"] == 70.0
    assert np.isnan(lagged.loc["2026-01-01", "engagement_prev"])


def test_december_leads_into_january_and_same_named_teams_stay_apart():
    panel = _panel(
        [
            ("North", "Front desk", "2024-12-01", 50.0),
            ("North", "Front desk", "2025-01-01", 55.0),
            ("South", "Front desk", "2024-12-01", 90.0),
            ("South", "Front desk", "2025-01-01", 95.0),
        ]
    )

    lagged = with_previous_month(panel, ["engagement"])
    january = lagged[lagged["month"] == "2025-01-01"].set_index("site")

    assert january.loc["North", "engagement_prev"] == 50.0
    assert january.loc["South", "engagement_prev"] == 90.0
    assert team_key(panel).nunique() == 2


def test_duplicate_team_months_and_missing_columns_are_refused():
    panel = _panel(
        [
            ("North", "Front desk", "2025-01-01", 50.0),
            ("North", "Front desk", "2025-01-01", 55.0),
        ]
    )

    with pytest.raises(ValueError, match="more than one row"):
        with_previous_month(panel, ["engagement"])
    with pytest.raises(ValueError, match="missing column.*patient_nps, headcount"):
        require_columns(
            panel, ["site", "patient_nps", "headcount"], name="the team-month panel"
        )


def _rows(n_teams, n_months):
    return pd.DataFrame(
        [
            {"team_key": f"t{t}", "month_index": m}
            for t in range(n_teams)
            for m in range(n_months)
        ]
    )


@pytest.mark.parametrize(
    ("n_teams", "n_months", "reason"),
    [
        (9, 12, "needs at least 10 teams with team-months with both measures; has 9"),
        (20, 5, "needs at least 6 months of team-months with both measures; has 5"),
        (10, 6, None),
        (11, 5, "needs at least 6 months"),
    ],
)
def test_sufficiency_floors(n_teams, n_months, reason):
    result = check_sufficiency(_rows(n_teams, n_months))

    if reason is None:
        assert result.ok
        assert (result.n_teams, result.n_months, result.n_obs) == (10, 6, 60)
    else:
        assert not result.ok
        assert result.reason.startswith(reason)


def test_too_few_team_months_even_with_enough_teams_and_months():
    rows = _rows(10, 6).iloc[1:]

    result = check_sufficiency(rows)

    assert result.reason == "needs at least 60 team-months with both measures; has 59"
