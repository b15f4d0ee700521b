"""Empirical Bayes shrinkage of team-month scores towards their site's mean.

A team mean from 4 answers swings by chance far more than one from 14, so ranking
raw monthly scores puts small teams at the top and bottom. Each team-month's score
is pulled towards its site's mean for the month by its reliability

    reliability = between-team variance / (between-team variance + sampling variance)

where the sampling variance is (individual variance) / respondents, or
p (1 - p) / respondents for a proportion such as the burnout rate. The between-team
variance (and, when not given, the individual variance) is estimated by the method
of moments from how far team means sit from their site-month mean, using the exact
expectation of that spread: for a site-month with k teams,

    E[sum (y_i - mean)^2] = (k - 1) tau^2 + (k - 1) / k x sum v_i,

with v_i = sigma^2 / n_i. Small teams, with large v_i, get a low reliability and are
pulled furthest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from .panel import MIN_TEAMS, require_columns, team_key

SHRUNK_COLUMNS = (
    "site",
    "team",
    "month",
    "raw",
    "respondents",
    "prior_mean",
    "sampling_variance",
    "reliability",
    "shrunk",
    "shrunk_sd",
)


def shrink_team_scores(
    panel: pd.DataFrame,
    *,
    value: str = "engagement",
    count: str = "respondents",
    individual_variance: float | None = None,
    proportion: bool = False,
) -> pd.DataFrame:
    """Raw and shrunk team-month scores for ``value``.

    Expects panel columns site, team, month, ``value`` and ``count`` (answers
    behind each score). ``individual_variance`` is one person's variance around
    their team's mean (e.g. pooled from survey responses); leave it None to
    estimate it from the panel. ``proportion=True`` treats ``value`` as a 0-1
    share with binomial sampling variance.

    Returns SHRUNK_COLUMNS, one row per team-month with a score; ``attrs`` holds
    between_team_variance, individual_variance and, when there were too few teams
    to estimate them (MIN_TEAMS), a ``reason`` (shrunk values are then NaN).
    """
    require_columns(
        panel, ("site", "team", "month", value, count), name="the team-month panel"
    )
    rows = panel.loc[
        panel[value].notna() & (panel[count] > 0), ["site", "team", "month"]
    ].copy()
    rows["raw"] = panel.loc[rows.index, value].astype(float)
    rows["respondents"] = panel.loc[rows.index, count].astype(float)
    rows = rows.reset_index(drop=True)
    group = rows["site"].astype(str) + "\x1f" + rows["month"].astype(str)
    n = rows["respondents"].to_numpy()
    y = rows["raw"].to_numpy()

    if proportion:
        successes = (rows["raw"] * rows["respondents"]).groupby(group).transform("sum")
        answers = rows["respondents"].groupby(group).transform("sum")
        # (x + 1) / (n + 2) keeps the variance positive when a site-month is 0 or 1.
        p = ((successes + 1) / (answers + 2)).to_numpy()
        per_answer = p * (1 - p)
    else:
        per_answer = None

    k = group.map(group.value_counts()).to_numpy()
    residual = y - rows["raw"].groupby(group).transform("mean").to_numpy()
    in_shared = k >= 2
    n_teams = team_key(rows).nunique()
    attrs: dict[str, float | str | None] = {}
    if n_teams < MIN_TEAMS or in_shared.sum() < 2:
        rows["prior_mean"] = np.nan
        rows["sampling_variance"] = np.nan
        rows["reliability"] = np.nan
        rows["shrunk"] = np.nan
        rows["shrunk_sd"] = np.nan
        attrs["reason"] = (
            f"needs at least {MIN_TEAMS} teams to estimate how much teams differ; "
            f"has {n_teams}"
        )
        result = rows[list(SHRUNK_COLUMNS)]
        result.attrs.update(attrs)
        return result

    # Per site-month moment equations: sum r^2 = (k-1) tau^2 + (k-1)/k sum v_i.
    moments = pd.DataFrame(
        {
            "group": group[in_shared].to_numpy(),
            "squared": residual[in_shared] ** 2,
            "inverse_n": 1 / n[in_shared],
            "fixed_v": (per_answer[in_shared] / n[in_shared])
            if per_answer is not None
            else 0.0,
            "k": k[in_shared],
        }
    )
    per_group = moments.groupby("group").agg(
        squared=("squared", "sum"),
        inverse_n=("inverse_n", "sum"),
        fixed_v=("fixed_v", "sum"),
        k=("k", "first"),
    )
    spread = per_group["k"] - 1
    scaled = spread / per_group["k"]
    if per_answer is not None or individual_variance is not None:
        known = (
            scaled * per_group["fixed_v"]
            if per_answer is not None
            else scaled * individual_variance * per_group["inverse_n"]
        )
        tau2 = max(0.0, float((per_group["squared"] - known).sum() / spread.sum()))
        sigma2 = individual_variance
    else:
        design = np.column_stack([spread, scaled * per_group["inverse_n"]])
        (tau2, sigma2), _ = nnls(design, per_group["squared"].to_numpy())
        tau2, sigma2 = float(tau2), float(sigma2)

    if per_answer is not None:
        sampling = per_answer / n
    else:
        sampling = sigma2 / n
    precision = 1 / (tau2 + sampling)
    rows["sampling_variance"] = sampling
    weighted = pd.DataFrame({"wy": precision * y, "w": precision})
    by_group = weighted.groupby(group).transform("sum")
    by_month = weighted.groupby(rows["month"]).transform("sum")
    k_month = rows.groupby("month")["team"].transform("size").to_numpy()
    # A team alone at its site that month is pulled towards the month's mean over
    # all sites instead; a team alone in the whole group cannot be shrunk.
    prior = np.where(
        k >= 2,
        by_group["wy"] / by_group["w"],
        np.where(k_month >= 2, by_month["wy"] / by_month["w"], y),
    )
    reliability = tau2 / (tau2 + sampling) if tau2 > 0 else np.zeros_like(y)
    reliability = np.where((k < 2) & (k_month < 2), 1.0, reliability)
    rows["prior_mean"] = prior
    rows["reliability"] = reliability
    rows["shrunk"] = prior + reliability * (y - prior)
    rows["shrunk_sd"] = np.sqrt(reliability * sampling)
    result = rows[list(SHRUNK_COLUMNS)]
    result.attrs.update({"between_team_variance": tau2, "individual_variance": sigma2})
    return result
