"""Team-month voluntary leaving and last month's engagement, burnout and coverage.

One count model per run: voluntary leavers in month t on engagement, burnout rate
and cross-training coverage in month t - 1, with log(headcount) as the exposure
offset, so coefficients are rate ratios. The three predictors are fitted together
(engagement and burnout move together; alone, each would take credit for the
other). Site indicators absorb differences in role mix and local labour markets
(beyond MAX_SITE_INDICATORS sites, each site's mean of the three predictors is
used instead, the Mundlak device: hundreds of dummy columns would make every
iteration of the fit a dense least-squares problem hundreds of columns wide);
a linear trend absorbs slow group-wide drift. Month fixed effects are not used here:
leaving is rare (a few leavers per month across a group), and 35 monthly
parameters would each rest on a handful of events.

Errors are cluster-robust by team (bias-reduced sandwich) with a t reference on
G - 1 df; Poisson, or a negative binomial when the Poisson fit is overdispersed
(see fitting.fit_rate_model).
The estimate pools differences between teams and changes within teams, so it is
worded as teams with higher X having more or fewer leavers.
"""

from __future__ import annotations

import pandas as pd

from .findings import Finding, from_coefficient, refused
from .fitting import fit_rate_model
from .panel import (
    MIN_VOLUNTARY_LEAVERS,
    check_sufficiency,
    require_columns,
    with_previous_month,
)
from .wording import Wording

ENGAGEMENT_KEY = "engagement_to_turnover"
BURNOUT_KEY = "burnout_to_turnover"
COVERAGE_KEY = "coverage_to_turnover"
MAX_SITE_INDICATORS = 40

PREDICTORS = {
    # key: (panel column, rescaling to the reported unit, unit, wording)
    ENGAGEMENT_KEY: (
        "engagement",
        10.0,
        "voluntary-leaving rate ratio per 10 engagement points",
        Wording(
            link="team engagement and voluntary leaving the next month",
            comparison="Teams whose engagement was 10 points higher",
            kind="ratio",
            more="{pct}% more voluntary leavers",
            fewer="{pct}% fewer voluntary leavers",
            when=" the next month",
            per="per 10 engagement points",
        ),
    ),
    BURNOUT_KEY: (
        "burnout_rate",
        0.10,
        "voluntary-leaving rate ratio per 10 percentage points of burnout",
        Wording(
            link="team burnout and voluntary leaving the next month",
            comparison="Teams where 10 percentage points more staff reported burnout",
            kind="ratio",
            more="{pct}% more voluntary leavers",
            fewer="{pct}% fewer voluntary leavers",
            when=" the next month",
            per="per 10 percentage points of burnout",
        ),
    ),
    COVERAGE_KEY: (
        "coverage",
        0.10,
        "voluntary-leaving rate ratio per 10 percentage points of cross-training "
        "coverage",
        Wording(
            link="cross-training coverage and voluntary leaving the next month",
            comparison="Teams whose cross-training coverage was 10 percentage points "
            "higher",
            kind="ratio",
            more="{pct}% more voluntary leavers",
            fewer="{pct}% fewer voluntary leavers",
            when=" the next month",
            per="per 10 percentage points of coverage",
        ),
    ),
}


def turnover_rows(panel: pd.DataFrame) -> pd.DataFrame:
    """Team-months with voluntary leavers and all three lagged predictors.

    Expects panel columns site, team, month, headcount, voluntary_leavers,
    engagement, burnout_rate, coverage. Returns team_key, month_index, site,
    voluntary_leavers, headcount and the ``<predictor>_prev`` columns.
    """
    columns = [column for column, *_ in PREDICTORS.values()]
    require_columns(
        panel,
        ("site", "team", "month", "headcount", "voluntary_leavers", *columns),
        name="the team-month panel",
    )
    frame = with_previous_month(panel, columns)
    lagged = [f"{column}_prev" for column in columns]
    usable = (
        frame["voluntary_leavers"].notna()
        & (frame["headcount"] > 0)
        & frame[lagged].notna().all(axis=1)
    )
    return frame.loc[
        usable,
        ["team_key", "month_index", "site", "voluntary_leavers", "headcount", *lagged],
    ].reset_index(drop=True)


def turnover_design(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The count model's columns for ``turnover_rows`` output, and how sites enter.

    Columns: const, the three lagged predictors, trend_per_year, then site
    indicators (2..MAX_SITE_INDICATORS sites) or site means of the predictors.
    """
    lagged = [f"{column}_prev" for column, *_ in PREDICTORS.values()]
    exog = rows[lagged].astype(float)
    exog.insert(0, "const", 1.0)
    exog["trend_per_year"] = (rows["month_index"] - rows["month_index"].min()) / 12
    site = rows["site"].astype(str)
    n_sites = site.nunique()
    if 1 < n_sites <= MAX_SITE_INDICATORS:
        sites = pd.get_dummies(site, prefix="site", dtype=float)
        return pd.concat([exog, sites.iloc[:, 1:]], axis=1), "site indicators"
    if n_sites > MAX_SITE_INDICATORS:
        for column in lagged:
            exog[f"site_mean_{column}"] = rows.groupby(site)[column].transform("mean")
        return exog, "site means of the predictors"
    return exog, "one site"


def turnover_findings(panel: pd.DataFrame) -> list[Finding]:
    """Engagement, burnout and coverage findings as voluntary-leaving rate ratios."""
    rows = turnover_rows(panel)
    sufficiency = check_sufficiency(rows, what="team-months with all three measures")
    events = int(rows["voluntary_leavers"].sum())
    reason = sufficiency.reason
    if reason is None and events < MIN_VOLUNTARY_LEAVERS:
        reason = (
            f"needs at least {MIN_VOLUNTARY_LEAVERS} voluntary leavers in those "
            f"team-months; has {events}"
        )
    if reason is not None:
        return [
            refused(
                key=key,
                reason=reason,
                wording=wording,
                method="team-month count model",
                unit=unit,
                n_teams=sufficiency.n_teams,
                n_obs=sufficiency.n_obs,
                details={"voluntary_leavers": events},
            )
            for key, (_, _, unit, wording) in PREDICTORS.items()
        ]

    exog, site_adjustment = turnover_design(rows)
    fit = fit_rate_model(
        rows["voluntary_leavers"].to_numpy(),
        exog,
        exposure=rows["headcount"].to_numpy(dtype=float),
        groups=rows["team_key"].to_numpy(),
    )
    method = (
        f"{fit.method} regression of voluntary leavers on last month's engagement, "
        f"burnout and coverage together, log(headcount) offset, {site_adjustment} "
        "and a linear trend, bias-reduced cluster-robust errors by team, t on G-1 df"
    )
    details: dict[str, float | int | str] = {
        "voluntary_leavers": fit.n_events,
        "pearson_dispersion": fit.dispersion,
        "model": fit.method,
    }
    if fit.alpha is not None:
        details["negative_binomial_alpha"] = fit.alpha
    return [
        from_coefficient(
            key=key,
            coefficient=fit.coefficients[f"{column}_prev"],
            per=per,
            wording=wording,
            method=method,
            unit=unit,
            n_teams=fit.n_groups,
            n_obs=fit.n_obs,
            details=details,
        )
        for key, (column, per, unit, wording) in PREDICTORS.items()
    ]
