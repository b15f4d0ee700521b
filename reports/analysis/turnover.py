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

Engagement and burnout are survey scores from a few answers a month; their noise
shrinks their rate ratios towards 1 (and can push part of one's link onto the
other). With the spread of engagement answers known, the three rate ratios are also
corrected together (noise.rate_correction) and the corrected ones are reported.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .findings import Finding, from_coefficient, refused
from .fitting import fit_rate_model
from .noise import Noise, rate_correction
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
# Predictors that are survey scores (noisy samples of answers), not records.
SURVEY_SCORES = ("engagement", "burnout_rate")

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
    engagement, burnout_rate, coverage, and optionally respondents. Returns
    team_key, month_index, site, voluntary_leavers, headcount, the
    ``<predictor>_prev`` columns and respondents_prev (the answers behind last
    month's survey scores; NaN without a respondents column).
    """
    columns = [column for column, *_ in PREDICTORS.values()]
    require_columns(
        panel,
        ("site", "team", "month", "headcount", "voluntary_leavers", *columns),
        name="the team-month panel",
    )
    extra = ["respondents"] if "respondents" in panel.columns else []
    frame = with_previous_month(panel, [*columns, *extra])
    if "respondents_prev" not in frame.columns:
        frame["respondents_prev"] = np.nan
    lagged = [f"{column}_prev" for column in columns]
    usable = (
        frame["voluntary_leavers"].notna()
        & (frame["headcount"] > 0)
        & frame[lagged].notna().all(axis=1)
    )
    return frame.loc[
        usable,
        [
            "team_key",
            "month_index",
            "site",
            "voluntary_leavers",
            "headcount",
            *lagged,
            "respondents_prev",
        ],
    ].reset_index(drop=True)


def noise_variances(
    rows: pd.DataFrame, *, answer_variance: float | None
) -> pd.DataFrame:
    """Each row's sampling variance of the three lagged predictors.

    ``rows`` is ``turnover_rows`` output. Engagement: answer_variance /
    respondents (NaN when either is unknown). Burnout: p (1 - p) / (n - 1), the
    unbiased estimate of a share's variance p (1 - p) / n (with one answer, the
    overall share stands in for p). Coverage comes from skills records, not a
    sample: 0.
    """
    respondents = rows["respondents_prev"].astype(float)
    usable = respondents >= 1
    engagement = (
        answer_variance / respondents.where(usable)
        if answer_variance is not None
        else pd.Series(np.nan, index=rows.index)
    )
    share = rows["burnout_rate_prev"].astype(float).clip(0, 1)
    overall = float(share.mean()) if len(share) else np.nan
    burnout = np.where(
        respondents >= 2,
        share * (1 - share) / (respondents - 1).clip(lower=1),
        overall * (1 - overall) / respondents.where(usable),
    )
    return pd.DataFrame(
        {
            "engagement_prev": engagement,
            "burnout_rate_prev": burnout,
            "coverage_prev": 0.0,
        },
        index=rows.index,
    )


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


def turnover_findings(
    panel: pd.DataFrame, *, answer_variance: float | None = None
) -> list[Finding]:
    """Engagement, burnout and coverage findings as voluntary-leaving rate ratios.

    ``answer_variance``: one person's engagement variance around their team-month
    mean (pooled from the responses). With it, the three rate ratios are also
    corrected together for sampling noise in the engagement and burnout scores
    (noise.rate_correction), and the corrected ones are reported when either
    score's reliability is below noise.ATTENUATION_THRESHOLD. Burnout's
    reliability is always measured (a share's noise follows from the share).
    """
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
        "and a linear trend, bias-reduced cluster-robust errors by team, t on G-1 df; "
        "noise-corrected by linearised regression calibration with a cluster-robust "
        "delta-method interval when the spread of engagement answers is known"
    )
    details: dict[str, float | int | str] = {
        "voluntary_leavers": fit.n_events,
        "pearson_dispersion": fit.dispersion,
        "model": fit.method,
    }
    if fit.alpha is not None:
        details["negative_binomial_alpha"] = fit.alpha
    corrections = rate_correction(
        fit,
        exog,
        exposure=rows["headcount"].to_numpy(dtype=float),
        noise_variance=noise_variances(rows, answer_variance=answer_variance),
        groups=rows["team_key"].to_numpy(),
    )
    noises = {
        key: Noise(
            sampled=column in SURVEY_SCORES,
            reliability=corrections[f"{column}_prev"].reliability,
            corrected=corrections[f"{column}_prev"].coefficient,
            reason=corrections[f"{column}_prev"].reason,
            lower_bound=False,
        )
        for key, (column, *_) in PREDICTORS.items()
    }
    use = any(noise.attenuated for noise in noises.values())
    findings = []
    for key, (column, per, unit, wording) in PREDICTORS.items():
        noise = noises[key]
        if column in SURVEY_SCORES and noise.reliability is not None:
            label = column.replace("_rate", "")
            allowing = (
                "noise in the monthly engagement and burnout scores "
                f"({label} reliability {noise.reliability:.2f})"
            )
        else:
            allowing = "noise in the engagement and burnout scores fitted alongside it"
        findings.append(
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
                noise=dataclasses.replace(noise, use_corrected=use, allowing=allowing),
            )
        )
    return findings
