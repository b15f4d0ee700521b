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
        # Room for the measurement-noise corrections of issue 9.
        assert finding.estimate_corrected is None
        assert finding.reliability is None
        assert "This is an association" in finding.sentence or (
            finding.sentence.startswith("No clear link yet")
        )
    assert analysis.finding("engagement_to_patient_nps").status == "ok"
    assert analysis.finding("burnout_to_turnover").status == "ok"
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
