import json

from reports.analysis.flywheel import flywheel_analysis
from reports.analysis.simulate import PlantedEffects, simulate

KEYS = [
    "engagement_to_patient_nps",
    "engagement_to_patient_nps_between",
    "engagement_to_turnover",
    "burnout_to_turnover",
    "coverage_to_turnover",
    "cross_training_to_leaving",
]


def test_full_run_returns_every_finding_with_q_values_curves_and_scores():
    data = simulate(
        n_teams=40,
        n_months=24,
        seed=51,
        effects=PlantedEffects(engagement_to_nps=0.4, burnout_rate_ratio=1.4),
    )

    analysis = flywheel_analysis(panel=data.panel, people=data.people)

    assert [f.key for f in analysis.findings] == KEYS
    for finding in analysis.findings:
        assert finding.status in {"ok", "no_clear_link"}
        assert finding.p_value <= finding.q_value <= 1
        assert finding.min_detectable_effect > finding.null_value
        assert "This is an association" in finding.sentence or (
            finding.sentence.startswith("No clear link yet")
            and "could have gone unseen in these data" in finding.sentence
        )
    # The simulator's pooled answer variance (panel.attrs) measures the noise.
    nps = analysis.finding("engagement_to_patient_nps")
    assert nps.status == "ok"
    assert 0.2 < nps.reliability < 0.5
    assert nps.attenuation_flag and nps.uses_correction
    assert nps.ci_low_corrected < nps.estimate_corrected < nps.ci_high_corrected
    assert nps.sentence.startswith("Allowing for noise in the monthly engagement")
    for key in ("engagement_to_turnover", "burnout_to_turnover"):
        assert analysis.finding(key).reliability < 0.8
        assert analysis.finding(key).attenuation_flag
    assert analysis.finding("coverage_to_turnover").reliability == 1.0
    assert not analysis.finding("coverage_to_turnover").attenuation_flag
    assert analysis.finding("burnout_to_turnover").status == "ok"
    assert list(analysis.reliability["measure"]) == ["engagement", "burnout_rate"]
    assert set(analysis.teams["team"]) == set(data.panel["team"])
    assert set(analysis.ranking) == {"engagement", "burnout_rate"}
    assert not analysis.ranking["burnout_rate"].allowed
    assert set(analysis.retention) == {"all", "site", "job_role", "tenure_band"}
    assert analysis.engagement["shrunk"].notna().all()
    assert analysis.burnout["shrunk"].between(0, 1).all()
    json.dumps([f.as_dict() for f in analysis.findings])


def test_without_people_the_survival_parts_say_so():
    data = simulate(n_teams=12, n_months=12, seed=52)

    analysis = flywheel_analysis(panel=data.panel)

    finding = analysis.finding("cross_training_to_leaving")
    assert finding.status == "insufficient_data"
    assert finding.reason == "there are no staff records to follow yet"
    assert analysis.retention == {}


def test_without_the_answer_spread_nothing_is_corrected_and_rankings_stay_hidden():
    data = simulate(n_teams=30, n_months=18, seed=53)
    data.panel.attrs.clear()

    analysis = flywheel_analysis(panel=data.panel)

    nps = analysis.finding("engagement_to_patient_nps")
    assert nps.reliability is None and nps.attenuation_flag
    assert not any(finding.uses_correction for finding in analysis.findings)
    assert list(analysis.reliability["measure"]) == ["burnout_rate"]
    engagement = analysis.ranking["engagement"]
    assert not engagement.allowed
    assert "cannot be measured yet" in engagement.reason


def test_an_explicit_answer_variance_wins_over_the_panels():
    data = simulate(n_teams=30, n_months=18, seed=54)

    given = flywheel_analysis(panel=data.panel, engagement_individual_variance=1.0)

    # One point of spread per answer: team scores are nearly exact.
    assert given.finding("engagement_to_patient_nps").reliability > 0.95
    assert given.reliability.set_index("measure").loc["engagement", "icc1"] > 0.9
