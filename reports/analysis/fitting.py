"""Thin, tested wrappers around the statsmodels fits the findings use.

Conventions kept in one place: cluster-robust errors by team with a t reference on
G - 1 degrees of freedom, REML mixed models, Efron ties for Cox models, and
log(-log) Kaplan-Meier intervals. Functions take arrays/DataFrames and return
statsmodels results or plain numbers; none of them decides what a finding says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import sparse, stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.regression.mixed_linear_model import MixedLM

# Pearson chi-square / residual df above which a Poisson count model is refitted
# as a negative binomial (the counts vary more than a Poisson allows).
OVERDISPERSION_RATIO = 1.5
MIXED_METHODS = ("bfgs", "powell", "lbfgs")


class MixedModelError(RuntimeError):
    """No optimiser found a usable mixed-model fit."""


@dataclass(frozen=True)
class Coefficient:
    """One coefficient on the model's own scale, with a t-based 95% interval."""

    estimate: float
    se: float
    df: float
    ci_low: float
    ci_high: float
    p_value: float


def t_coefficient(estimate: float, se: float, df: float, level: float = 0.95):
    """Interval and two-sided p-value from a t reference (df = inf gives normal)."""
    if not (np.isfinite(se) and se > 0):
        return Coefficient(estimate, se, df, np.nan, np.nan, np.nan)
    critical = stats.t.ppf(0.5 + level / 2, df)
    p_value = 2 * stats.t.sf(abs(estimate / se), df)
    return Coefficient(
        estimate=float(estimate),
        se=float(se),
        df=float(df),
        ci_low=float(estimate - critical * se),
        ci_high=float(estimate + critical * se),
        p_value=float(p_value),
    )


def min_detectable_effect(
    se: float, df: float, *, power: float = 0.8, level: float = 0.95
) -> float:
    """The smallest true effect a two-sided test at ``level`` finds with ``power``.

    Analytic, from the standard error at the observed sample size and variances:
    (t_{(1 + level) / 2} + t_{power}) x SE on ``df`` degrees of freedom (G - 1 for
    cluster-robust errors; df = inf gives the normal 2.80 x SE). NaN without a
    usable SE.
    """
    if not (np.isfinite(se) and se > 0):
        return float("nan")
    return float((stats.t.ppf(0.5 + level / 2, df) + stats.t.ppf(power, df)) * se)


def group_codes(groups) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 for group labels, and G."""
    codes, uniques = pd.factorize(np.asarray(groups), sort=False)
    return codes.astype(np.int64), len(uniques)


def demean_within(
    matrix: np.ndarray, codes: np.ndarray, n_groups: int, weights: np.ndarray
) -> np.ndarray:
    """Subtract each group's weighted mean from every column (the within transform)."""
    indicator = sparse.csr_matrix(
        (weights, (codes, np.arange(codes.size))), shape=(n_groups, codes.size)
    )
    totals = np.asarray(indicator.sum(axis=1)).ravel()
    means = (indicator @ matrix) / totals[:, None]
    return matrix - means[codes]


@dataclass(frozen=True)
class WithinFit:
    """A two-way fixed-effects fit: the slope(s) and what they were fitted on."""

    result: object
    coefficients: dict[str, Coefficient]
    n_groups: int
    n_obs: int


def fit_within(
    y: np.ndarray,
    x: pd.DataFrame,
    *,
    groups: np.ndarray,
    periods: np.ndarray,
    weights: np.ndarray | None = None,
) -> WithinFit:
    """Weighted least squares with group and period fixed effects, clustered by group.

    The group effects are removed exactly by the weighted within transform
    (Frisch-Waugh-Lovell): y, x and the period indicators are all demeaned within
    group and the slopes come from the transformed regression. Standard errors are
    cluster-robust by group (statsmodels' G/(G-1) x (N-1)/(N-K) correction, with the
    absorbed group effects not counted in K since they nest within clusters), with a
    t reference on G - 1 degrees of freedom. Groups with a single row carry no
    within-group information and are dropped first.
    """
    y = np.asarray(y, dtype=float)
    weights = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    codes, _ = group_codes(groups)
    keep = np.bincount(codes)[codes] > 1
    y, weights, codes = y[keep], weights[keep], codes[keep]
    x = x.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    periods = np.asarray(periods)[keep]
    codes, n_groups = group_codes(codes)

    period_dummies = pd.get_dummies(periods, prefix="period", dtype=float)
    period_dummies = period_dummies.iloc[:, 1:]  # one period is the reference
    design = np.column_stack([x.to_numpy(dtype=float), period_dummies.to_numpy()])
    transformed = demean_within(np.column_stack([y, design]), codes, n_groups, weights)
    y_within, design_within = transformed[:, 0], transformed[:, 1:]
    # Periods seen by a single team (or none) vanish after demeaning.
    informative = np.ones(design_within.shape[1], dtype=bool)
    informative[x.shape[1] :] = (
        np.abs(design_within[:, x.shape[1] :]).max(axis=0) > 1e-12
    )
    design_within = design_within[:, informative]
    names = list(x.columns) + [
        name
        for name, used in zip(
            period_dummies.columns, informative[x.shape[1] :], strict=True
        )
        if used
    ]
    # hasconst=False: the demeaned design has no constant, and letting statsmodels
    # look for an implicit one costs three SVDs of the design.
    result = sm.WLS(y_within, design_within, weights=weights, hasconst=False).fit(
        method="qr", cov_type="cluster", cov_kwds={"groups": codes}
    )
    coefficients = {
        name: t_coefficient(result.params[i], result.bse[i], n_groups - 1)
        for i, name in enumerate(names[: x.shape[1]])
    }
    return WithinFit(result, coefficients, n_groups=n_groups, n_obs=y.size)


def fit_mixed(
    endog: np.ndarray,
    exog: pd.DataFrame,
    *,
    groups: np.ndarray,
    exog_re: pd.DataFrame | None = None,
    reml: bool = True,
):
    """A linear mixed model (random intercept, or the columns of ``exog_re``), REML.

    Tries BFGS first: in simulation statsmodels' default L-BFGS often stopped at
    a zero between-team variance with absurd standard errors, or failed on a
    singular matrix, where BFGS, Powell and Nelder-Mead agreed on the optimum.
    A method's result is used only if it converged with finite standard errors.
    """
    model = MixedLM(
        np.asarray(endog, dtype=float),
        exog,
        groups=np.asarray(groups),
        exog_re=exog_re,
    )
    failures = []
    for method in MIXED_METHODS:
        try:
            result = model.fit(reml=reml, method=method)
        except (np.linalg.LinAlgError, ValueError) as error:
            failures.append(f"{method}: {error}")
            continue
        if result.converged and np.all(np.isfinite(result.bse_fe)):
            return result
        failures.append(f"{method}: did not converge")
    raise MixedModelError("; ".join(failures))


@dataclass(frozen=True)
class RateFit:
    """A count model with an exposure offset, clustered by group."""

    result: object
    coefficients: dict[str, Coefficient]
    method: str
    dispersion: float
    alpha: float | None
    n_groups: int
    n_obs: int
    n_events: int


def fit_rate_model(
    counts: np.ndarray,
    exog: pd.DataFrame,
    *,
    exposure: np.ndarray,
    groups: np.ndarray,
) -> RateFit:
    """Poisson rate model with log(exposure) offset; negative binomial if overdispersed.

    Fitted as a GEE with an independence working correlation, which gives exactly
    the Poisson (or negative binomial) GLM estimates, because statsmodels' GEE offers
    the Mancl-DeRouen bias-reduced cluster sandwich. In simulation (40 teams, 50
    replications) the plain cluster sandwich covered a team-level predictor's true
    rate ratio 86% of the time and the bias-reduced one 98%.

    The Poisson fit's Pearson dispersion decides the family: above
    OVERDISPERSION_RATIO the model is refitted as an NB2 negative binomial with its
    alpha estimated by maximum likelihood (more efficient when counts vary more than
    a Poisson allows). Intervals use a t reference on G - 1 df. ``exog`` must
    include a constant column.
    """
    counts = np.asarray(counts, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    codes, n_groups = group_codes(groups)

    def gee(family):
        return sm.GEE(
            counts,
            exog,
            groups=codes,
            family=family,
            exposure=exposure,
            cov_struct=sm.cov_struct.Independence(),
        ).fit(cov_type="bias_reduced")

    result = gee(sm.families.Poisson())
    fitted = np.asarray(result.fittedvalues, dtype=float)
    dispersion = float(
        np.sum((counts - fitted) ** 2 / fitted) / (counts.size - exog.shape[1])
    )
    method, alpha = "Poisson", None
    if dispersion > OVERDISPERSION_RATIO:
        negbin = sm.NegativeBinomial(
            counts, exog, exposure=exposure, loglike_method="nb2"
        ).fit(
            start_params=np.append(np.asarray(result.params), 0.5),
            method="bfgs",
            maxiter=500,
            disp=0,
        )
        if negbin.mle_retvals.get("converged", False):
            alpha = float(np.asarray(negbin.params)[-1])
            result = gee(sm.families.NegativeBinomial(alpha=alpha))
            method = "negative binomial (NB2)"
    # The bias-reduced sandwich can be undefined for a column carried by a single
    # cluster (a site with one team); that only touches that column's error.
    with np.errstate(invalid="ignore"):
        errors = result.bse
    coefficients = {
        name: t_coefficient(result.params[name], errors[name], n_groups - 1)
        for name in exog.columns
    }
    return RateFit(
        result=result,
        coefficients=coefficients,
        method=method,
        dispersion=dispersion,
        alpha=alpha,
        n_groups=n_groups,
        n_obs=counts.size,
        n_events=int(counts.sum()),
    )


def fit_cox(
    time: np.ndarray,
    status: np.ndarray,
    exog: pd.DataFrame,
    *,
    entry: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    ties: str = "efron",
):
    """Cox proportional hazards (Efron ties; ``entry`` for counting-process rows).

    Rows are (entry, time] intervals, as in R's ``Surv(start, stop, event)``.
    statsmodels' PHReg counts a row as at risk at its own entry time, so a person
    whose next row starts exactly when someone else leaves would be counted twice
    at that time (with whole-month times that is every split). Entry times are
    therefore nudged up by a hair, far below any gap between distinct times.

    With ``groups`` the covariance is the cluster-robust sandwich. Do not combine
    strata with groups: statsmodels 0.15 returns NaN robust errors then; use
    indicator columns in ``exog`` instead.
    """
    time = np.asarray(time, dtype=float)
    status = np.asarray(status, dtype=float)
    if entry is not None:
        entry = np.asarray(entry, dtype=float)
        if np.any(entry >= time):
            raise ValueError("every row must end after it starts (entry < time)")
        # Rows entering after the last event are never at risk at an event time.
        # PHReg drops them itself but then gives them NaN score residuals, which
        # turns the clustered covariance into NaN; drop them here instead.
        if status.any():
            informative = entry < time[status > 0].max()
            time, status, entry = (
                time[informative],
                status[informative],
                entry[informative],
            )
            exog = (
                exog.loc[informative]
                if isinstance(exog, pd.DataFrame)
                else np.asarray(exog)[informative]
            )
            if groups is not None:
                groups = np.asarray(groups)[informative]
        distinct = np.unique(np.concatenate([time, entry]))
        smallest_gap = np.diff(distinct).min() if distinct.size > 1 else 1.0
        entry = entry + smallest_gap * 1e-6
    model = PHReg(
        time,
        exog,
        status=status,
        entry=entry,
        ties=ties,
    )
    if groups is None:
        return model.fit()
    return model.fit(groups=np.asarray(groups))


def survival_table(
    time: np.ndarray,
    status: np.ndarray,
    *,
    entry: np.ndarray | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier estimate at each event time.

    Returns columns time, survival, ci_low, ci_high (Greenwood variance on the
    log(-log) scale, so the interval stays within 0-1), at_risk, events.
    """
    fit = SurvfuncRight(
        np.asarray(time, dtype=float),
        np.asarray(status, dtype=float),
        entry=None if entry is None else np.asarray(entry, dtype=float),
    )
    survival = np.asarray(fit.surv_prob, dtype=float)
    se = np.asarray(fit.surv_prob_se, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_survival = np.log(survival)
        theta_se = se / (survival * np.abs(log_survival))
        ci_low = survival ** np.exp(z * theta_se)
        ci_high = survival ** np.exp(-z * theta_se)
    usable = (survival > 0) & (survival < 1) & np.isfinite(theta_se)
    ci_low = np.where(usable, ci_low, np.nan)
    ci_high = np.where(usable, ci_high, np.nan)
    return pd.DataFrame(
        {
            "time": np.asarray(fit.surv_times, dtype=float),
            "survival": survival,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "at_risk": np.asarray(fit.n_risk, dtype=np.int64),
            "events": np.asarray(fit.n_events, dtype=np.int64),
        }
    )
