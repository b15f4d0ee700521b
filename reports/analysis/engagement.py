"""Team engagement in one month and the team's patient NPS the next month.

Two estimates from the same rows (a team-month t with engagement measured and the
same team's patient NPS in month t + 1):

- within teams (the headline): does a team's patient NPS rise in the month after
  its engagement rose? Weighted least squares with team and month fixed effects,
  cluster-robust by team, t on G - 1 df.
- between teams (secondary): do teams with higher engagement on average have higher
  patient NPS on average? A random-intercept mixed model with each team's mean
  engagement and its monthly deviation from that mean (the Mundlak split), so the
  team-mean coefficient is purely between teams.

Decisions:
- Month fixed effects, not a trend: group-wide shocks (a season, an IT outage, a
  new patient survey vendor) move many teams' engagement and patient scores in the
  same month and would otherwise pass for a link. Fixed effects remove them with no
  assumption about their shape, at a cost of one parameter a month, which is small
  beside hundreds of team-months.
- Weights = patient responses. The sampling variance of a monthly NPS is
  (p + d - (p - d)^2) / n x 100^2, about 400 points^2 at 30 answers and far larger
  than anything else that varies between team-months, so 1 / n weights are close to
  inverse-variance weights; months with fewer than MIN_PATIENT_RESPONSES answers are
  left out altogether. The cluster-robust errors stay valid if the weights are off.
  The mixed model is unweighted (statsmodels' MixedLM takes no weights).
- Measurement noise: a team's monthly engagement is the mean of about six answers,
  and within a team little of its month-to-month change is more than that noise
  (within-team reliability about 0.33 in simulation), so the naive slope is about
  a third of the link with the team's climate. With the spread of answers known,
  the within-team finding reports the noise-corrected slope (noise.py); without it,
  a clear link is worded "at least". Team means over many months are reliable, so
  the between-team estimate is barely attenuated.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from .findings import Finding, from_coefficient, refused
from .fitting import (
    MixedModelError,
    fit_mixed,
    fit_within,
    group_codes,
    t_coefficient,
)
from .noise import ATTENUATION_THRESHOLD, Noise, within_correction
from .panel import (
    MIN_PATIENT_RESPONSES,
    MIN_TEAMS_FOR_RANDOM_EFFECT_VARIANCE,
    check_sufficiency,
    require_columns,
    with_previous_month,
)
from .wording import Wording

WITHIN_KEY = "engagement_to_patient_nps"
BETWEEN_KEY = "engagement_to_patient_nps_between"
UNIT = "patient NPS points per 10 engagement points"
PER = 10.0

WITHIN_METHOD = (
    "weighted least squares of next-month patient NPS on engagement, team and month "
    "fixed effects, weights = patient responses, cluster-robust by team, t on G-1 df; "
    "noise-corrected slope S_xy / (S_xx - S_uu) with a cluster-robust Fieller "
    "interval when the spread of answers is known"
)
BETWEEN_METHOD = (
    "linear mixed model (REML) with a team random intercept: next-month patient NPS "
    "on team-mean engagement and monthly deviation, month fixed effects"
)

WITHIN_WORDING = Wording(
    link="team engagement and next-month patient NPS",
    comparison="Teams whose engagement was 10 points higher than usual",
    kind="difference",
    outcome="patient NPS",
    when=" the next month",
    per="per 10 engagement points",
)
BETWEEN_WORDING = Wording(
    link="teams' average engagement and their average patient NPS",
    comparison="Teams whose engagement averaged 10 points higher than other teams'",
    kind="difference",
    outcome="patient NPS",
    when=" the following months",
    per="per 10 points of average engagement",
)


def paired_months(panel: pd.DataFrame) -> pd.DataFrame:
    """Rows pairing a team's engagement in month t with its patient NPS in t + 1.

    Expects panel columns site, team, month, engagement, patient_nps,
    patient_responses, and optionally respondents. Returns one row per outcome
    month with columns team_key, month_index, engagement_prev, patient_nps,
    patient_responses and respondents_prev (the answers behind engagement_prev;
    NaN without a respondents column); only rows where both measures exist and the
    NPS rests on at least MIN_PATIENT_RESPONSES answers.
    """
    require_columns(
        panel,
        ("site", "team", "month", "engagement", "patient_nps", "patient_responses"),
        name="the team-month panel",
    )
    lagged = ["engagement"]
    if "respondents" in panel.columns:
        lagged.append("respondents")
    frame = with_previous_month(panel, lagged)
    if "respondents_prev" not in frame.columns:
        frame["respondents_prev"] = np.nan
    usable = (
        frame["engagement_prev"].notna()
        & frame["patient_nps"].notna()
        & (frame["patient_responses"] >= MIN_PATIENT_RESPONSES)
    )
    return frame.loc[
        usable,
        [
            "team_key",
            "month_index",
            "engagement_prev",
            "patient_nps",
            "patient_responses",
            "respondents_prev",
        ],
    ].reset_index(drop=True)


def engagement_to_patient_nps(
    panel: pd.DataFrame, *, answer_variance: float | None = None
) -> Finding:
    """Within-team link: NPS points in month t + 1 per 10 engagement points in t.

    ``answer_variance`` is one person's engagement variance around their
    team-month mean (pooled from the responses). With it and the panel's
    respondents, the finding also carries the within-team reliability of the
    engagement scores and the noise-corrected slope (noise.within_correction),
    and reports the corrected one when the reliability is below
    noise.ATTENUATION_THRESHOLD. Without it the reliability is unknown and a clear
    link is worded "at least".
    """
    rows = paired_months(panel)
    # Teams seen once say nothing about change within a team.
    rows = rows[rows.groupby("team_key")["team_key"].transform("size") > 1]
    sufficiency = check_sufficiency(rows)
    common = {
        "key": WITHIN_KEY,
        "wording": WITHIN_WORDING,
        "method": WITHIN_METHOD,
        "unit": UNIT,
        "n_teams": sufficiency.n_teams,
        "n_obs": sufficiency.n_obs,
    }
    if not sufficiency.ok:
        return refused(reason=sufficiency.reason, **common)
    deviation = rows["engagement_prev"] - rows.groupby("team_key")[
        "engagement_prev"
    ].transform("mean")
    if float(np.std(deviation)) < 1e-9:
        return refused(reason="engagement never changed within a team", **common)

    fit = fit_within(
        rows["patient_nps"].to_numpy(),
        rows[["engagement_prev"]],
        groups=rows["team_key"].to_numpy(),
        periods=rows["month_index"].to_numpy(),
        weights=rows["patient_responses"].to_numpy(dtype=float),
    )
    common.update(n_teams=fit.n_groups, n_obs=fit.n_obs)
    correction = within_correction(
        rows["patient_nps"].to_numpy(),
        rows["engagement_prev"].to_numpy(),
        groups=rows["team_key"].to_numpy(),
        periods=rows["month_index"].to_numpy(),
        weights=rows["patient_responses"].to_numpy(dtype=float),
        respondents=rows["respondents_prev"].to_numpy(dtype=float),
        answer_variance=answer_variance,
    )
    reliability = correction.reliability
    noise = Noise(
        sampled=True,
        reliability=reliability,
        corrected=correction.coefficient,
        use_corrected=reliability is not None and reliability < ATTENUATION_THRESHOLD,
        allowing=(
            f"noise in the monthly engagement scores (reliability {reliability:.2f})"
            if reliability is not None
            else ""
        ),
        reason=correction.reason,
    )
    return from_coefficient(
        coefficient=fit.coefficients["engagement_prev"],
        per=PER,
        details={"months": sufficiency.n_months},
        noise=noise,
        **common,
    )


def between_design(rows: pd.DataFrame) -> pd.DataFrame:
    """Mixed-model columns for ``paired_months`` rows.

    const, team_mean_engagement (centred), engagement_deviation (from the team's
    mean) and month indicators.
    """
    team_mean = rows.groupby("team_key")["engagement_prev"].transform("mean")
    months = pd.get_dummies(rows["month_index"], prefix="month", dtype=float)
    exog = pd.concat(
        [
            pd.DataFrame(
                {
                    # Centred: an uncentred mean near 70 is nearly collinear with
                    # the constant and sends L-BFGS to a false boundary optimum.
                    "team_mean_engagement": team_mean - team_mean.mean(),
                    "engagement_deviation": rows["engagement_prev"] - team_mean,
                }
            ),
            months.iloc[:, 1:],
        ],
        axis=1,
    )
    return sm.add_constant(exog, has_constant="add")


def engagement_to_patient_nps_between(panel: pd.DataFrame) -> Finding:
    """Between-team link from a random-intercept model (secondary estimate).

    ``details`` carries the between-team variance and ICC of patient NPS only when
    there are at least MIN_TEAMS_FOR_RANDOM_EFFECT_VARIANCE teams.
    """
    rows = paired_months(panel)
    sufficiency = check_sufficiency(rows)
    common = {
        "key": BETWEEN_KEY,
        "wording": BETWEEN_WORDING,
        "method": BETWEEN_METHOD,
        "unit": UNIT,
        "n_teams": sufficiency.n_teams,
        "n_obs": sufficiency.n_obs,
    }
    if not sufficiency.ok:
        return refused(reason=sufficiency.reason, **common)
    team_mean = rows.groupby("team_key")["engagement_prev"].transform("mean")
    if float(team_mean.std()) < 1e-9:
        return refused(reason="every team had the same average engagement", **common)

    exog = between_design(rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            result = fit_mixed(
                rows["patient_nps"].to_numpy(),
                exog,
                groups=rows["team_key"].to_numpy(),
            )
        except MixedModelError:
            return refused(reason="the mixed model did not converge", **common)
    _, n_groups = group_codes(rows["team_key"])
    coefficient = t_coefficient(
        result.fe_params["team_mean_engagement"],
        result.bse_fe["team_mean_engagement"],
        n_groups - 1,
    )
    details: dict[str, float | int | str] = {
        "optimiser_warnings": sum(
            1 for warning in caught if warning.category is ConvergenceWarning
        ),
    }
    if n_groups >= MIN_TEAMS_FOR_RANDOM_EFFECT_VARIANCE:
        team_variance = float(result.cov_re.iloc[0, 0])
        details["between_team_variance"] = team_variance
        details["residual_variance"] = float(result.scale)
        details["icc"] = team_variance / (team_variance + float(result.scale))
    return from_coefficient(coefficient=coefficient, per=PER, details=details, **common)
