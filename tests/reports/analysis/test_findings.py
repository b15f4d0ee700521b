import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from reports.analysis.findings import (
    INSUFFICIENT_DATA,
    NO_CLEAR_LINK,
    OK,
    from_coefficient,
    refused,
    status_for_interval,
    with_q_values,
)
from reports.analysis.fitting import Coefficient, t_coefficient
from reports.analysis.noise import Noise
from reports.analysis.wording import Wording, number

DIFFERENCE = Wording(
    link="team engagement and next-month patient NPS",
    comparison="Teams whose engagement was 10 points higher",
    kind="difference",
    outcome="patient NPS",
    when=" the next month",
    per="per 10 engagement points",
)
RATIO = Wording(
    link="team burnout and voluntary leaving",
    comparison="Teams where 10 percentage points more staff reported burnout",
    kind="ratio",
    more="{pct}% more voluntary leavers",
    fewer="{pct}% fewer voluntary leavers",
    when=" the next month",
    per="per 10 percentage points of burnout",
)


def _finding(coefficient, wording=DIFFERENCE, per=10.0, key="k"):
    return from_coefficient(
        key=key,
        coefficient=coefficient,
        per=per,
        wording=wording,
        method="test",
        unit="unit",
        n_teams=38,
        n_obs=1210,
    )


def test_clear_difference_reads_as_an_ecological_association():
    finding = _finding(Coefficient(0.4, 0.1, 37, 0.2, 0.6, 0.0003))

    assert finding.status == OK
    assert (finding.estimate, finding.ci_low, finding.ci_high) == pytest.approx(
        (4.0, 2.0, 6.0)
    )
    assert finding.sentence == (
        "Teams whose engagement was 10 points higher saw patient NPS 4.0 points "
        "higher the next month (95% CI 2.0 to 6.0), across 38 teams and 1,210 "
        "team-months. This is an association, not proof of cause."
    )


def test_interval_including_zero_says_no_clear_link_yet_never_no_effect():
    finding = _finding(Coefficient(0.12, 0.1, 37, -0.08, 0.32, 0.24))

    assert finding.status == NO_CLEAR_LINK
    assert finding.sentence.startswith(
        "No clear link yet between team engagement and next-month patient NPS"
    )
    assert "\u22120.8 to 3.2" in finding.sentence
    assert "no effect" not in finding.sentence.lower()


def test_ratio_findings_are_exponentiated_and_judged_against_one():
    clear = _finding(
        t_coefficient(2.4, 0.4, 37), wording=RATIO, per=0.1
    )  # log rate ratio per unit of a 0-1 share
    unclear = _finding(t_coefficient(0.5, 0.6, 37), wording=RATIO, per=0.1)

    assert clear.estimate == pytest.approx(math.exp(0.24))
    assert clear.null_value == 1.0
    assert clear.status == OK
    assert "27% more voluntary leavers the next month (rate ratio 1.27" in (
        clear.sentence
    )
    assert unclear.status == NO_CLEAR_LINK
    assert unclear.ci_low < 1 < unclear.ci_high
    assert "No clear link yet" in unclear.sentence


def test_insufficient_data_has_a_reason_and_no_numbers():
    finding = refused(
        key="k",
        reason="needs at least 10 teams with both measures; has 6",
        wording=DIFFERENCE,
        method="m",
        unit="u",
        n_teams=6,
        n_obs=40,
    )

    assert finding.status == INSUFFICIENT_DATA
    assert finding.estimate is finding.ci_low is finding.ci_high is None
    assert finding.p_value is None
    assert finding.sentence == (
        "Not enough data yet to look for a link between team engagement and "
        "next-month patient NPS: needs at least 10 teams with both measures; has 6."
    )
    assert finding.as_dict()["estimate"] is None


def test_undefined_standard_error_becomes_insufficient_not_a_number():
    finding = _finding(t_coefficient(0.3, float("nan"), 37))

    assert finding.status == INSUFFICIENT_DATA
    assert "could not put an interval" in finding.reason


def test_interval_status_rule():
    assert status_for_interval(0.1, 0.5, 0.0) == OK
    assert status_for_interval(-0.1, 0.5, 0.0) == NO_CLEAR_LINK
    assert status_for_interval(1.0, 1.4, 1.0) == NO_CLEAR_LINK
    assert status_for_interval(0.7, 0.95, 1.0) == OK
    assert status_for_interval(float("nan"), 0.5, 0.0) == NO_CLEAR_LINK


def test_q_values_follow_benjamini_hochberg_and_flag_fragile_links():
    p_values = [0.001, 0.02, 0.03, 0.2]
    findings = [
        _finding(Coefficient(0.4, 0.1, 37, 0.2, 0.6, p), key=f"f{i}")
        for i, p in enumerate(p_values)
    ]
    skipped = refused(
        key="none",
        reason="r",
        wording=DIFFERENCE,
        method="m",
        unit="u",
        n_teams=0,
        n_obs=0,
    )

    adjusted = with_q_values([*findings, skipped])

    # BH by hand: q_(i) = min_{j>=i} p_(j) m / j with m = 4.
    assert [f.q_value for f in adjusted[:4]] == pytest.approx([0.004, 0.04, 0.04, 0.2])
    assert adjusted[4].q_value is None
    assert "chance finding" not in adjusted[1].sentence
    assert "With 4 links checked together" in adjusted[3].sentence
    assert "(q = 0.20)" in adjusted[3].sentence


@given(st.lists(st.floats(min_value=1e-12, max_value=1.0), min_size=1, max_size=12))
def test_q_values_are_never_below_p_values(p_values):
    findings = [
        _finding(Coefficient(0.4, 0.1, 37, -0.2, 0.6, p), key=str(i))
        for i, p in enumerate(p_values)
    ]

    for finding in with_q_values(findings):
        assert finding.q_value >= finding.p_value - 1e-15
        assert finding.q_value <= 1.0


def test_numbers_read_well():
    assert number(4.0) == "4.0"
    assert number(-12.4) == "\u221212"
    assert number(1234.0) == "1,234"
    assert number(-0.01) == "0.0"


def test_every_no_clear_link_says_what_size_of_link_could_have_been_missed():
    difference = _finding(Coefficient(0.12, 0.1, 37, -0.08, 0.32, 0.24))
    rate = _finding(t_coefficient(0.5, 0.6, 37), wording=RATIO, per=0.1)

    # (t_0.975 + t_0.8 on 37 df) x SE, in the reported unit.
    multiplier = stats.t.ppf(0.975, 37) + stats.t.ppf(0.8, 37)
    assert difference.min_detectable_effect == pytest.approx(multiplier * 0.1 * 10)
    assert difference.sentence.endswith(
        "A link smaller than about 2.9 points per 10 engagement points could have "
        "gone unseen in these data (80% power), so this is not evidence of no link."
    )
    assert rate.min_detectable_effect == pytest.approx(math.exp(multiplier * 0.06))
    assert (
        "A rate ratio between about 0.84 and 1.19 per 10 percentage points of "
        "burnout could have gone unseen in these data (80% power)" in rate.sentence
    )


def _noisy(coefficient, noise, wording=DIFFERENCE, per=10.0):
    return from_coefficient(
        key="k",
        coefficient=coefficient,
        per=per,
        wording=wording,
        method="m",
        unit="u",
        n_teams=40,
        n_obs=1300,
        noise=noise,
    )


NAIVE = Coefficient(0.15, 0.06, 39, 0.03, 0.27, 0.02)
CORRECTED = Coefficient(0.45, 0.2, 39, 0.07, 0.9, 0.03)


def test_corrected_finding_says_so_and_keeps_the_uncorrected_numbers():
    noise = Noise(
        sampled=True,
        reliability=0.33,
        corrected=CORRECTED,
        use_corrected=True,
        allowing="noise in the monthly engagement scores (reliability 0.33)",
    )

    finding = _noisy(NAIVE, noise)

    assert finding.uses_correction and finding.attenuation_flag
    assert (finding.estimate, finding.ci_low, finding.ci_high) == pytest.approx(
        (1.5, 0.3, 2.7)
    )
    assert (
        finding.estimate_corrected,
        finding.ci_low_corrected,
        finding.ci_high_corrected,
    ) == pytest.approx((4.5, 0.7, 9.0))
    assert finding.p_value == 0.03
    assert finding.details["p_value_uncorrected"] == 0.02
    assert finding.reliability == 0.33
    multiplier = stats.t.ppf(0.975, 39) + stats.t.ppf(0.8, 39)
    assert finding.min_detectable_effect == pytest.approx(multiplier * 0.2 * 10)
    assert finding.sentence == (
        "Allowing for noise in the monthly engagement scores (reliability 0.33), "
        "teams whose engagement was 10 points higher saw patient NPS 4.5 points "
        "higher the next month (95% CI 0.7 to 9.0), across 40 teams and 1,300 "
        "team-months. Without the correction: 1.5 points (95% CI 0.3 to 2.7). This "
        "is an association, not proof of cause."
    )
    assert "underlying climate rather than the survey scores" in (
        finding.attenuation_note
    )
    as_json = finding.as_dict()
    assert as_json["attenuation_flag"] is True
    assert as_json["uses_correction"] is True


def test_status_follows_the_corrected_interval_when_it_is_reported():
    wide = Coefficient(0.45, 0.3, 39, -0.1, 1.2, 0.12)
    noise = Noise(
        sampled=True, reliability=0.3, corrected=wide, use_corrected=True, allowing="x"
    )

    finding = _noisy(NAIVE, noise)

    assert finding.status == NO_CLEAR_LINK
    assert finding.sentence.startswith(
        "No clear link yet between team engagement and next-month patient NPS: "
        "allowing for x, patient NPS was 4.5 points higher"
    )


def test_uncorrected_single_noisy_predictor_reads_at_least():
    noise = Noise(sampled=True, reliability=None, reason="spread unknown")

    finding = _noisy(NAIVE, noise)

    assert finding.status == OK and not finding.uses_correction
    assert finding.attenuation_flag
    assert finding.estimate_corrected is None
    assert "saw patient NPS at least 1.5 points higher the next month" in (
        finding.sentence
    )
    assert "probably understates the link" in finding.sentence
    assert finding.details["correction"] == "not corrected: spread unknown"
    assert finding.attenuation_note.startswith(
        "The reliability of this survey score could not be measured (spread unknown)"
    )


def test_uncorrected_correlated_noisy_predictors_are_not_called_a_lower_bound():
    noise = Noise(sampled=True, reliability=0.2, lower_bound=False, reason="r")
    unclear = Noise(sampled=True, reliability=0.2, lower_bound=False)

    clear = _noisy(t_coefficient(2.4, 0.4, 37), noise, wording=RATIO, per=0.1)
    no_link = _noisy(t_coefficient(0.5, 0.6, 37), unclear, wording=RATIO, per=0.1)

    assert "at least" not in clear.sentence
    assert "can move part of one score's link onto another" in clear.sentence
    assert clear.attenuation_note.startswith("The predictor's reliability is 0.20")
    assert no_link.sentence.endswith(
        "could have gone unseen in these data (80% power), and noise in the survey "
        "scores hides part of any link, so this is not evidence of no link."
    )


def test_reliable_or_unsampled_predictors_are_not_flagged():
    reliable = _noisy(NAIVE, Noise(sampled=True, reliability=0.9))
    record = _noisy(NAIVE, Noise(sampled=False, reliability=1.0))
    unusable = _noisy(
        NAIVE,
        Noise(
            sampled=True,
            reliability=0.3,
            corrected=Coefficient(0.4, float("nan"), 39, 0.1, 0.7, 0.01),
            use_corrected=True,
        ),
    )

    for finding in (reliable, record):
        assert not finding.attenuation_flag
        assert finding.attenuation_note is None
        assert finding.sentence.startswith("Teams whose engagement was 10 points")
    assert not unusable.uses_correction and unusable.estimate_corrected is None
    assert "at least" in unusable.sentence
