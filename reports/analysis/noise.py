"""Measurement noise in team survey scores: how much it hides, and corrections.

A team's monthly engagement score is the mean of a handful of answers: the team's
climate plus sampling noise of variance sigma^2 / n (sigma^2 is one person's
variance around their team-month mean, pooled from the responses; n the
respondents). A burnout rate is a share of n yes/no answers, noise variance
p (1 - p) / n. Noise in a predictor shrinks its estimated effect towards zero by
the predictor's reliability,

    reliability = (observed variation - noise variation) / observed variation,

taken over the variation the model actually uses. Within teams (team and month
effects removed) little is left besides noise: in simulation the within-team
reliability of engagement was about 0.33, and the naive slope a third of the truth.

The corrections assume the outcome follows the team's underlying climate, not the
survey score itself (a patient cannot see the survey). Data cannot tell the two
apart: if outcomes did follow the published score, the uncorrected estimate would
be the right one and the corrected one would overstate it by 1 / reliability.

- One predictor with team and month fixed effects (engagement -> patient NPS): the
  method-of-moments errors-in-variables slope S_xy / (S_xx - S_uu) (Fuller,
  Measurement Error Models, 1987, 1.1), S_uu being the expected noise left after
  the fixed effects. Its interval is Fieller's: every slope whose per-team
  estimating equation is not rejected by a cluster-robust t test on G - 1 df. It
  widens with the uncertainty of the reliability itself and cannot be bounded when
  the reliability is not clearly (t test) above zero: then no correction is
  reported.
- Several predictors in a count model (turnover): regression calibration in its
  linearised form, beta = (S_xx - S_uu)^-1 S_xx beta_naive, the S weighted by the
  model's working weights after removing the other columns, with a cluster-robust
  delta-method interval that carries both the model's bias-reduced errors and the
  per-team uncertainty of S_xx and S_uu, t on G - 1 df. As with Fieller, no
  correction is reported unless each noisy predictor's signal beyond the others is
  clearly above zero. In simulation (40 teams x 36 months, about 6 answers a month)
  burnout's was in only about one run in five: monthly burnout shares from a
  handful of yes/no answers are mostly noise, and 40 teams cannot separate its
  link from engagement's once that is allowed for. A larger group can.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .fitting import Coefficient, RateFit, demean_within, group_codes, t_coefficient

# Below this reliability a finding is flagged: an uncorrected estimate would be
# more than a fifth too close to "no link".
ATTENUATION_THRESHOLD = 0.8
TOO_UNCERTAIN = "the reliability itself is too uncertain to bound a corrected estimate"
SWAMPED = "the noise in the scores is as large as their differences"


@dataclass(frozen=True)
class Correction:
    """A noise-corrected coefficient on the model's scale, or why there is none.

    ``reliability`` is measured whenever the noise variance is known, even when the
    correction itself is refused.
    """

    coefficient: Coefficient | None
    reliability: float | None
    reason: str | None = None


@dataclass(frozen=True)
class Noise:
    """Measurement noise in one finding's predictor, and what was done about it.

    sampled: the predictor is a survey score from a sample of answers (False for
    records such as cross-training coverage). reliability: see the module
    docstring; None when it could not be measured. corrected: the corrected
    coefficient (model scale). use_corrected: the finding reports the corrected
    estimate, and its status and p-value follow it. allowing: what the correction
    allows for, worded for the sentence. reason: why there is no correction.
    lower_bound: an uncorrected estimate can only be too close to "no link" (one
    noisy predictor); with several correlated noisy predictors noise can also move
    one's link onto another, so "at least" would not be safe.
    """

    sampled: bool
    reliability: float | None
    corrected: Coefficient | None = None
    use_corrected: bool = False
    allowing: str = ""
    reason: str | None = None
    lower_bound: bool = True

    @property
    def attenuated(self) -> bool:
        """The uncorrected estimate is probably shrunk towards "no link"."""
        return self.sampled and (
            self.reliability is None or self.reliability < ATTENUATION_THRESHOLD
        )


def _weighted_two_way(
    columns: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    periods: np.ndarray,
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Columns with group and period effects removed (weighted), and period leverage.

    Returns the residual columns and, per row, d_i' (D'WD)^-1 d_i for the
    group-demeaned period indicators D (the part of a row's noise that the period
    effects absorb), as fitting.fit_within does it (Frisch-Waugh-Lovell).
    """
    dummies = pd.get_dummies(periods, dtype=float).to_numpy()[:, 1:]
    demeaned = demean_within(
        np.column_stack([columns, dummies]), codes, n_groups, weights
    )
    values, design = demeaned[:, : columns.shape[1]], demeaned[:, columns.shape[1] :]
    design = design[:, np.abs(design).max(axis=0) > 1e-12]
    if design.shape[1] == 0:
        return values, np.zeros(values.shape[0])
    inverse = np.linalg.pinv(design.T @ (design * weights[:, None]))
    values = values - design @ (inverse @ (design.T @ (values * weights[:, None])))
    leverage = np.einsum("ij,jk,ik->i", design, inverse, design)
    return values, leverage


def within_correction(
    y: np.ndarray,
    x: np.ndarray,
    *,
    groups: np.ndarray,
    periods: np.ndarray,
    weights: np.ndarray,
    respondents: np.ndarray,
    answer_variance: float | None,
    level: float = 0.95,
) -> Correction:
    """Errors-in-variables slope of y on a noisy x, team and period fixed effects.

    ``x`` is a mean of ``respondents`` answers whose per-answer variance is
    ``answer_variance``; the rows, ``weights`` and the dropping of single-row groups
    are those of fitting.fit_within, so with no noise the slope equals its.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    weights = np.asarray(weights, dtype=float)
    respondents = np.asarray(respondents, dtype=float)
    codes, _ = group_codes(groups)
    keep = np.bincount(codes)[codes] > 1
    codes, n_groups = group_codes(codes[keep])
    y, x, weights = y[keep], x[keep], weights[keep]
    respondents, periods = respondents[keep], np.asarray(periods)[keep]
    if answer_variance is None or not math.isfinite(answer_variance):
        return Correction(
            None,
            None,
            "the spread of individual answers is not known, so the noise in team "
            "scores cannot be measured",
        )
    if np.any(~(respondents >= 1)):
        return Correction(None, None, "some scores have no respondent count")

    residuals, leverage = _weighted_two_way(
        np.column_stack([x, y]), codes, n_groups, periods, weights
    )
    x_within, y_within = residuals[:, 0], residuals[:, 1]
    group_weight = np.bincount(codes, weights=weights)[codes]
    noise = answer_variance / respondents
    # Expected sum of w u~^2 after the two-way transform, per row (see tests):
    # w v (1 - w / W_team) - w^2 v h_period.
    expected_noise = weights * noise * (1 - weights / group_weight) - (
        weights**2 * noise * leverage
    )
    cross = np.bincount(codes, weights=weights * x_within * y_within)
    spread = np.bincount(codes, weights=weights * x_within**2)
    signal = spread - np.bincount(codes, weights=expected_noise)
    total_spread, total_signal = float(spread.sum()), float(signal.sum())
    if total_spread <= 0:
        return Correction(None, None, "the scores never changed within a team")
    reliability = total_signal / total_spread
    if reliability <= 0:
        return Correction(None, reliability, SWAMPED)

    slope = float(cross.sum()) / total_signal
    scale = n_groups / (n_groups - 1)
    df = n_groups - 1
    critical = stats.t.ppf(0.5 + level / 2, df)
    se = math.sqrt(scale * np.sum((cross - slope * signal) ** 2)) / total_signal
    score = float(cross.sum()) / math.sqrt(scale * np.sum(cross**2))
    p_value = float(2 * stats.t.sf(abs(score), df))
    # Fieller: (A - b E)^2 <= c^2 k sum (a_i - b e_i)^2, a quadratic in b.
    total_cross = float(cross.sum())
    c2k = critical**2 * scale
    quad_a = total_signal**2 - c2k * np.sum(signal**2)
    quad_b = -2 * (total_cross * total_signal - c2k * np.sum(cross * signal))
    quad_c = total_cross**2 - c2k * np.sum(cross**2)
    discriminant = quad_b**2 - 4 * quad_a * quad_c
    # quad_a > 0 exactly when the signal is clearly (t test) above zero.
    if quad_a <= 0 or discriminant <= 0:
        return Correction(None, reliability, TOO_UNCERTAIN)
    root = math.sqrt(discriminant)
    low, high = (-quad_b - root) / (2 * quad_a), (-quad_b + root) / (2 * quad_a)
    coefficient = Coefficient(
        estimate=slope, se=se, df=df, ci_low=low, ci_high=high, p_value=p_value
    )
    return Correction(coefficient, reliability)


def _symmetric_root(matrix: np.ndarray, power: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * values**power) @ vectors.T


def rate_correction(
    fit: RateFit,
    exog: pd.DataFrame,
    *,
    exposure: np.ndarray,
    noise_variance: pd.DataFrame,
    groups: np.ndarray,
) -> dict[str, Correction]:
    """Regression-calibration correction of a count model's noisy predictors.

    ``fit`` is fitting.fit_rate_model's result on ``exog`` and ``exposure``;
    ``noise_variance`` has a
    column per predictor to correct (named as in ``exog``) holding each row's
    sampling variance (0 for a record measured without sampling, NaN where not
    known). All named predictors are corrected together or none is: correcting one
    of two correlated noisy predictors moves the other's bias unpredictably.
    """
    names = list(noise_variance.columns)
    noise = noise_variance.to_numpy(dtype=float)
    model = fit.result.model
    design = np.asarray(exog, dtype=float)
    counts = np.asarray(model.endog, dtype=float)
    params = np.asarray(fit.result.params, dtype=float)
    mean = np.exp(design @ params) * np.asarray(exposure, dtype=float)
    alpha = fit.alpha or 0.0
    working = mean / (1 + alpha * mean)
    codes, n_groups = group_codes(groups)
    columns = [exog.columns.get_loc(name) for name in names]
    others = [i for i in range(design.shape[1]) if i not in columns]

    # Predictors with the other columns removed, in the model's working weights.
    rest = design[:, others]
    inverse = np.linalg.pinv(rest.T @ (rest * working[:, None]))
    predictors = design[:, columns]
    residual = predictors - rest @ (
        inverse @ (rest.T @ (predictors * working[:, None]))
    )
    leverage = working * np.einsum("ij,jk,ik->i", rest, inverse, rest)
    k = len(names)
    spread_by_team = np.zeros((n_groups, k, k))
    np.add.at(
        spread_by_team,
        codes,
        working[:, None, None] * residual[:, :, None] * residual[:, None, :],
    )
    spread = spread_by_team.sum(axis=0)
    known = np.isfinite(noise).all(axis=0)
    noise_by_team = np.zeros((n_groups, k))
    np.add.at(
        noise_by_team,
        codes,
        (working * (1 - leverage))[:, None] * np.where(np.isfinite(noise), noise, 0.0),
    )
    noise_total = noise_by_team.sum(axis=0)
    reliabilities = [
        float(1 - noise_total[j] / spread[j, j]) if known[j] else None for j in range(k)
    ]

    def refuse(reason: str) -> dict[str, Correction]:
        return {
            name: Correction(None, reliabilities[j], reason)
            for j, name in enumerate(names)
        }

    if not known.all():
        return refuse(
            "the spread of individual answers is not known for every survey score "
            "in the model, so their noise cannot be measured"
        )
    signal = spread - np.diag(noise_total)
    signal_by_team = spread_by_team - noise_by_team[:, :, None] * np.eye(k)
    if np.linalg.eigvalsh(signal).min() <= 0:
        return refuse(SWAMPED)
    # As Fieller's interval is bounded only when its denominator is clearly above
    # zero: each noisy predictor's signal beyond the others (the Schur complement
    # of the signal matrix) must pass a cluster-robust t test, or the corrected
    # estimate divides by something that may be nothing.
    critical = stats.t.ppf(0.975, n_groups - 1)
    for j in np.flatnonzero(noise_total > 0):
        direction = np.zeros(k)
        direction[j] = 1.0
        others = [i for i in range(k) if i != j]
        if others:
            direction[others] = -np.linalg.solve(
                signal[np.ix_(others, others)], signal[others, j]
            )
        partial = np.einsum("i,gij,j->g", direction, signal_by_team, direction)
        spread_of_partial = math.sqrt(
            n_groups / (n_groups - 1) * float(np.sum(partial**2))
        )
        if partial.sum() <= critical * spread_of_partial:
            return refuse(TOO_UNCERTAIN)

    # Per-team influence of the naive coefficients, rescaled so that together they
    # give the fit's bias-reduced covariance (Mancl-DeRouen) instead of the plain
    # sandwich.
    scores = design * ((counts - mean) / (1 + alpha * mean))[:, None]
    by_team = np.zeros((n_groups, design.shape[1]))
    np.add.at(by_team, codes, scores)
    hessian_inverse = np.linalg.pinv(design.T @ (design * working[:, None]))
    influence = (by_team @ hessian_inverse)[:, columns]
    plain = influence.T @ influence
    robust = np.asarray(fit.result.cov_params(), dtype=float)[np.ix_(columns, columns)]
    if np.all(np.isfinite(robust)) and np.linalg.eigvalsh(plain).min() > 0:
        influence = (
            influence @ _symmetric_root(plain, -0.5) @ (_symmetric_root(robust, 0.5))
        )

    naive = params[columns]
    corrected = np.linalg.solve(signal, spread @ naive)
    contributions = (
        spread_by_team @ naive - signal_by_team @ corrected + influence @ spread.T
    )
    signal_inverse = np.linalg.inv(signal)
    covariance = (
        n_groups
        / (n_groups - 1)
        * signal_inverse
        @ (contributions.T @ contributions)
        @ signal_inverse.T
    )
    return {
        name: Correction(
            t_coefficient(
                float(corrected[j]), math.sqrt(covariance[j, j]), n_groups - 1
            ),
            reliabilities[j],
        )
        for j, name in enumerate(names)
    }
