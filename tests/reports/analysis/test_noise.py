import numpy as np
import pandas as pd
import pytest

from reports.analysis.engagement import engagement_to_patient_nps, paired_months
from reports.analysis.fitting import fit_rate_model, fit_within
from reports.analysis.noise import (
    ATTENUATION_THRESHOLD,
    TOO_UNCERTAIN,
    Noise,
    rate_correction,
    within_correction,
)
from reports.analysis.simulate import PlantedEffects, simulate
from reports.analysis.turnover import (
    noise_variances,
    turnover_design,
    turnover_findings,
    turnover_rows,
)


def _grid(n_teams=30, n_months=12, seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_teams), n_months)
    periods = np.tile(np.arange(n_months), n_teams)
    weights = rng.poisson(30, groups.size).astype(float) + 5
    respondents = rng.integers(3, 12, groups.size).astype(float)
    return rng, groups, periods, weights, respondents


def test_without_noise_the_corrected_slope_is_the_fixed_effects_slope():
    rng, groups, periods, weights, respondents = _grid()
    x = rng.normal(60, 8, groups.size) + groups
    y = 0.4 * x + rng.normal(0, 5, groups.size) + periods

    correction = within_correction(
        y,
        x,
        groups=groups,
        periods=periods,
        weights=weights,
        respondents=respondents,
        answer_variance=1e-12,
    )
    naive = fit_within(
        y, pd.DataFrame({"x": x}), groups=groups, periods=periods, weights=weights
    ).coefficients["x"]

    assert correction.reliability == pytest.approx(1.0)
    assert correction.coefficient.estimate == pytest.approx(naive.estimate, rel=1e-9)
    assert (
        correction.coefficient.ci_low < naive.estimate < correction.coefficient.ci_high
    )


def test_expected_noise_after_team_and_month_effects_is_right():
    # x is pure sampling noise (variance 100 / respondents), so the spread S_xx
    # left after the team and month effects should average S_uu, the expected
    # noise including what the weights and month effects absorb:
    # S_xx / S_uu = 1 / (1 - reliability) averages 1 (reliability itself is
    # biased below 0 by Jensen's inequality).
    rng, groups, periods, weights, respondents = _grid(n_teams=20, n_months=8)
    ratios = []
    for _ in range(400):
        x = rng.normal(0, 1, groups.size) * np.sqrt(100 / respondents)
        correction = within_correction(
            rng.normal(0, 1, groups.size),
            x,
            groups=groups,
            periods=periods,
            weights=weights,
            respondents=respondents,
            answer_variance=100.0,
        )
        ratios.append(1 / (1 - correction.reliability))

    # Standard error of the mean here is about 0.006.
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.02)


def test_noisy_slope_is_disattenuated_with_an_interval_covering_the_truth():
    rng, groups, periods, weights, respondents = _grid(n_teams=200, n_months=12)
    climate = rng.normal(0, 5, groups.size) + rng.normal(60, 8, 200)[groups]
    observed = climate + rng.normal(0, 1, groups.size) * np.sqrt(256 / respondents)
    y = 0.5 * climate + rng.normal(0, 4, groups.size)

    correction = within_correction(
        y,
        observed,
        groups=groups,
        periods=periods,
        weights=weights,
        respondents=respondents,
        answer_variance=256.0,
    )
    naive = fit_within(
        y,
        pd.DataFrame({"x": observed}),
        groups=groups,
        periods=periods,
        weights=weights,
    ).coefficients["x"]

    # Within-team reliability about 25 / (25 + 256 E[1/n]) = 0.35.
    assert 0.25 < correction.reliability < 0.45
    assert naive.ci_high < 0.5
    corrected = correction.coefficient
    assert corrected.ci_low < 0.5 < corrected.ci_high
    assert corrected.estimate == pytest.approx(
        naive.estimate / correction.reliability, rel=0.02
    )
    assert corrected.ci_high - corrected.ci_low > naive.ci_high - naive.ci_low


def test_no_correction_without_the_answer_spread_or_when_noise_swamps_it():
    rng, groups, periods, weights, respondents = _grid()
    x = rng.normal(0, 1, groups.size)
    common = {
        "groups": groups,
        "periods": periods,
        "weights": weights,
        "respondents": respondents,
    }

    y = rng.normal(0, 1, groups.size)
    unknown = within_correction(y, x, answer_variance=None, **common)
    swamped = within_correction(y, x, answer_variance=50.0, **common)
    # Reliability is linear in the answer variance: choose one that leaves 5%.
    probe = within_correction(y, x, answer_variance=1.0, **common).reliability
    uncertain = within_correction(y, x, answer_variance=0.95 / (1 - probe), **common)

    assert unknown.coefficient is None and unknown.reliability is None
    assert "not known" in unknown.reason
    assert swamped.coefficient is None and swamped.reliability < 0
    assert uncertain.reliability == pytest.approx(0.05)
    assert uncertain.coefficient is None
    assert uncertain.reason == TOO_UNCERTAIN


def test_attenuation_flag_needs_a_sampled_predictor_below_the_threshold():
    assert Noise(sampled=True, reliability=None).attenuated
    assert Noise(sampled=True, reliability=ATTENUATION_THRESHOLD - 0.01).attenuated
    assert not Noise(sampled=True, reliability=ATTENUATION_THRESHOLD).attenuated
    assert not Noise(sampled=False, reliability=0.1).attenuated


@pytest.fixture(scope="module")
def big_group():
    return simulate(
        n_teams=150,
        n_months=24,
        seed=21,
        effects=PlantedEffects(burnout_rate_ratio=1.3, on="latent"),
    ).panel


def test_rate_correction_without_noise_returns_the_fit_with_its_robust_errors(
    big_group,
):
    rows = turnover_rows(big_group)
    exog, _ = turnover_design(rows)
    exposure = rows["headcount"].to_numpy(dtype=float)
    fit = fit_rate_model(
        rows["voluntary_leavers"].to_numpy(),
        exog,
        exposure=exposure,
        groups=rows["team_key"].to_numpy(),
    )
    silent = pd.DataFrame(
        0.0, index=rows.index, columns=["engagement_prev", "burnout_rate_prev"]
    )

    corrections = rate_correction(
        fit,
        exog,
        exposure=exposure,
        noise_variance=silent,
        groups=rows["team_key"].to_numpy(),
    )

    scale = np.sqrt(fit.n_groups / (fit.n_groups - 1))
    for name in silent.columns:
        naive = fit.coefficients[name]
        corrected = corrections[name]
        assert corrected.reliability == pytest.approx(1.0)
        assert corrected.coefficient.estimate == pytest.approx(naive.estimate)
        # The per-team influence reproduces the bias-reduced covariance.
        assert corrected.coefficient.se == pytest.approx(naive.se * scale, rel=1e-6)


def test_turnover_findings_report_burnout_reliability_and_correct_in_a_big_group(
    big_group,
):
    variance = big_group.attrs["engagement_individual_variance"]
    rows = turnover_rows(big_group)
    noise = noise_variances(rows, answer_variance=variance)
    expected = (
        rows["burnout_rate_prev"]
        * (1 - rows["burnout_rate_prev"])
        / (rows["respondents_prev"] - 1)
    )
    pd.testing.assert_series_equal(
        noise["burnout_rate_prev"], expected, check_names=False
    )
    assert (noise["coverage_prev"] == 0).all()

    corrected = turnover_findings(big_group, answer_variance=variance)
    unknown = turnover_findings(big_group)

    engagement, burnout, coverage = corrected
    assert burnout.reliability < 0.4 and burnout.attenuation_flag
    assert coverage.reliability == 1.0 and not coverage.attenuation_flag
    assert all(finding.uses_correction for finding in corrected)
    assert burnout.estimate_corrected > burnout.estimate > 1
    assert (
        "llowing for noise in the monthly engagement and burnout scores (burnout "
        f"reliability {burnout.reliability:.2f})" in burnout.sentence
    )
    assert (
        "llowing for noise in the engagement and burnout scores fitted alongside it"
        in coverage.sentence
    )
    # Without the engagement spread nothing is corrected, burnout's reliability
    # is still measured, and the wording warns without claiming "at least".
    assert not any(finding.uses_correction for finding in unknown)
    assert unknown[0].reliability is None and unknown[0].attenuation_flag
    assert unknown[1].reliability == pytest.approx(burnout.reliability)
    for finding in unknown[:2]:
        assert "at least" not in finding.sentence
        assert "can move part of one score's link" in finding.attenuation_note


def test_nps_finding_needs_respondent_counts_to_correct():
    data = simulate(
        n_teams=40, n_months=24, seed=8, effects=PlantedEffects(engagement_to_nps=0.3)
    )
    variance = data.panel.attrs["engagement_individual_variance"]

    finding = engagement_to_patient_nps(
        data.panel.drop(columns="respondents"), answer_variance=variance
    )

    assert paired_months(data.panel)["respondents_prev"].notna().all()
    assert finding.estimate_corrected is None
    assert finding.reliability is None and finding.attenuation_flag
    assert finding.details["correction"] == (
        "not corrected: some scores have no respondent count"
    )
