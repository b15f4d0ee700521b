"""Panel plumbing: column checks, team keys, month lags, data-sufficiency guards.

The team-month panel has one row per team and month with the columns in
PANEL_COLUMNS (see reports/selectors.py for how it is built from the database).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

PANEL_COLUMNS = (
    "site",
    "team",
    "month",
    "headcount",
    "voluntary_leavers",
    "involuntary_leavers",
    "engagement",
    "burnout_rate",
    "enps",
    "respondents",
    "recognitions_per_head",
    "training_compliance",
    "coverage",
    "spof_count",
    "patient_nps",
    "patient_responses",
)
PEOPLE_COLUMNS = (
    "person",
    "site",
    "team",
    "job_role",
    "tenure_band",
    "start",
    "stop",
    "event",
    "cross_training_breadth",
)

# Data-sufficiency guards. Below these the analysis says "not enough data yet"
# instead of printing a number that would mislead.
MIN_TEAMS = 10  # cluster-robust intervals are unreliable below ~10 clusters
MIN_MONTHS = 6  # distinct calendar months in the analysed rows
MIN_TEAM_MONTHS = 60  # analysed team-months with every measure a model needs
MIN_TEAMS_FOR_RANDOM_EFFECT_VARIANCE = 20  # between-team variance is noise below
MIN_PATIENT_RESPONSES = 5  # a patient NPS from fewer answers is left out
MIN_VOLUNTARY_LEAVERS = 20  # events in the analysed team-months (turnover models)
MIN_LEAVING_EVENTS = 20  # voluntary leaving events for the Cox model
MIN_PEOPLE_PER_CURVE = 5  # retention curves for smaller groups are not drawn


@dataclass(frozen=True)
class Sufficiency:
    """What a model would be fitted on, and why not if it falls short."""

    n_teams: int
    n_months: int
    n_obs: int
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.reason is None


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, name: str) -> None:
    """Raise ValueError naming every missing column."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")


def team_key(frame: pd.DataFrame) -> pd.Series:
    """A team id unique across sites (two sites may each have a "Front desk")."""
    return frame["site"].astype(str) + "\x1f" + frame["team"].astype(str)


def month_index(months: pd.Series) -> pd.Series:
    """Whole calendar months since year 0, so that consecutive months differ by 1."""
    months = pd.to_datetime(months)
    return (months.dt.year * 12 + months.dt.month - 1).astype(np.int64)


def with_previous_month(
    panel: pd.DataFrame, columns: Iterable[str], *, suffix: str = "_prev"
) -> pd.DataFrame:
    """Add each team's value of ``columns`` from the previous calendar month.

    A team with a gap (no row for last month) gets NaN rather than an older value.
    Returns a copy of ``panel`` with ``team_key``, ``month_index`` and the new
    ``<column><suffix>`` columns.
    """
    columns = list(columns)
    frame = panel.copy()
    frame["team_key"] = team_key(frame)
    frame["month_index"] = month_index(frame["month"])
    if frame.duplicated(["team_key", "month_index"]).any():
        raise ValueError("the panel has more than one row for a team and month")
    previous = frame[["team_key", "month_index", *columns]].copy()
    previous["month_index"] = previous["month_index"] + 1
    previous = previous.rename(columns={c: f"{c}{suffix}" for c in columns})
    return frame.merge(
        previous, on=["team_key", "month_index"], how="left", validate="one_to_one"
    )


def check_sufficiency(
    rows: pd.DataFrame,
    *,
    min_teams: int = MIN_TEAMS,
    min_months: int = MIN_MONTHS,
    min_obs: int = MIN_TEAM_MONTHS,
    what: str = "team-months with both measures",
) -> Sufficiency:
    """Apply the team, month and row floors to the rows a model would use.

    ``rows`` needs ``team_key`` and ``month_index`` columns.
    """
    n_teams = int(rows["team_key"].nunique())
    n_months = int(rows["month_index"].nunique())
    n_obs = len(rows)
    reason = None
    if n_teams < min_teams:
        reason = f"needs at least {min_teams} teams with {what}; has {n_teams}"
    elif n_months < min_months:
        reason = f"needs at least {min_months} months of {what}; has {n_months}"
    elif n_obs < min_obs:
        reason = f"needs at least {min_obs} {what}; has {n_obs}"
    return Sufficiency(n_teams=n_teams, n_months=n_months, n_obs=n_obs, reason=reason)
