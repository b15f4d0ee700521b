"""reports/health: the flywheel health of a scope for a period."""

import datetime

import pytest

from reports import health
from reports.health import (
    MET,
    OFF,
    UNKNOWN,
    WATCH,
    ReportPeriod,
    flywheel_health,
    status_at_least,
    status_below,
    worst,
)
from reports.models import AnalysisRun
from reports.services import analysis_run
from tests.reports.health_world import (
    HIDDEN_ENGAGEMENT,
    PERIOD,
    TODAY,
    build_health_world,
)

D = datetime.date


@pytest.fixture
def world(org_world):
    return build_health_world(org_world)


# --- periods ------------------------------------------------------------------------


def test_month_and_quarter_periods():
    month = ReportPeriod.parse("2025-02")
    assert (month.first_day, month.last_day, month.label) == (
        D(2025, 2, 1),
        D(2025, 2, 28),
        "2025-02",
    )
    quarter = ReportPeriod.parse("2024-q4")
    assert (quarter.first_day, quarter.last_day, quarter.label) == (
        D(2024, 10, 1),
        D(2024, 12, 31),
        "2024-Q4",
    )
    assert quarter.months == [D(2024, 10, 1), D(2024, 11, 1), D(2024, 12, 1)]
    assert quarter.previous().label == "2024-Q3"
    assert ReportPeriod.parse("2025-01").previous().label == "2024-12"
    assert ReportPeriod.previous_month(D(2025, 1, 3)).label == "2024-12"


@pytest.mark.parametrize("text", ["2025", "2025-13", "2025-Q5", "March", "", "25-03"])
def test_bad_period_says_what_is_expected(text):
    with pytest.raises(ValueError, match="YYYY-MM|01 to 12"):
        ReportPeriod.parse(text)


def test_status_helpers():
    assert status_at_least(70, 70, 60) == MET
    assert status_at_least(65, 70, 60) == WATCH
    assert status_at_least(50, 70, 60) == OFF
    assert status_at_least(None, 70, 60) == UNKNOWN
    assert status_below(14.9, 15, 20) == MET
    assert status_below(15, 15, 20) == WATCH
    assert status_below(20, 15, 20) == OFF
    assert worst([MET, UNKNOWN, WATCH]) == WATCH
    assert worst([UNKNOWN, None]) == UNKNOWN


# --- the whole organization ---------------------------------------------------------


def test_stages_in_cycle_order_with_statuses_against_targets(world):
    result = flywheel_health(organization=world["org"], period=PERIOD, today=TODAY)
    assert [s.key for s in result.stages] == list(health.STAGE_KEYS)

    engaged = result.stage("engaged")
    engagement, burnout, enps = engaged.measurements
    # Organization total: the 15 answers (Hygiene's 2 count in the total).
    assert engagement.n == 15
    assert burnout.value == 40.0  # 4 at Front desk, 2 at Hygiene
    assert burnout.status == OFF
    assert engaged.status == OFF

    patients = result.stage("patients")
    # 23 answers: 10 + 10 + Hygiene's 3 zeros (they count in the total).
    (nps,) = patients.measurements
    assert nps.n == 23
    assert nps.value == pytest.approx(100 * (14 - 6) / 23, abs=0.1)
    assert patients.status == OFF
    assert "target above 70" in patients.headline

    retention = result.stage("retention")
    assert retention.measurements[0].n == 1
    assert retention.measurements[0].value > 0

    referrals = result.stage("referrals")
    # 55 referrals in March against 60 in February: down 8% -> watch.
    assert referrals.measurements[0].value == 55
    assert referrals.status == WATCH

    trained = result.stage("trained")
    compliance, coverage, spof = trained.measurements
    assert compliance.value == pytest.approx(100 * 3 / 11, abs=0.1)  # 11 employed
    assert compliance.status == OFF
    assert coverage.value == pytest.approx(100 * 1 / 3, abs=0.1)
    assert spof.value == 2


def test_heatmap_never_shows_a_group_below_k(world):
    result = flywheel_health(organization=world["org"], period=PERIOD, today=TODAY)
    heatmap = result.heatmap
    assert heatmap.round_label == "March pulse"
    rows = {row.label: row for row in heatmap.rows}
    assert rows["Brightsmile"].kind == "organization"
    hygiene = rows["Hygiene (Northside)"]
    assert hygiene.suppressed
    assert all(value is None for value in hygiene.scores.values())
    assert hygiene.respondents is None
    front = rows["Front desk (Northside)"]
    assert not front.suppressed
    assert front.respondents == 5
    assert front.scores["burnout"] == 80.0
    assert front.statuses["burnout"] == OFF
    other = rows["Other teams at Northside"]
    assert other.respondents == 5
    assert other.scores["engagement"] == (0 + 25 + 3 * 75) / 5
    # Hygiene's engagement (25.0) appears nowhere, not even in actions.
    assert all(
        row.scores.get("engagement") != HIDDEN_ENGAGEMENT
        for row in heatmap.rows
        if row.kind != "organization"
    )
    assert not any(
        "Hygiene" in a.title and a.stage == "engaged" for a in result.actions
    )


def test_patient_nps_below_the_minimum_is_not_a_score(world):
    result = flywheel_health(organization=world["org"], period=PERIOD, today=TODAY)
    cells = {(c.site, c.team): c for c in result.patient_nps}
    hygiene = cells[("Northside", "Hygiene")]
    assert hygiene.nps is None and hygiene.responses == 3
    assert hygiene.status == UNKNOWN
    assert cells[("Northside", "Front desk")].nps == 40.0
    assert cells[("Southside", "Front desk")].nps == 70.0
    # 70 is not above 70.
    assert cells[("Southside", "Front desk")].status == WATCH


def test_recommendations_name_skills_teams_and_evidence(world):
    result = flywheel_health(organization=world["org"], period=PERIOD, today=TODAY)
    titles = [a.title for a in result.actions]
    cross = next(a for a in result.actions if a.title.startswith("Cross-training"))
    assert cross.title == (
        "Cross-training plan for Impressions, Sterile setup in Hygiene (Northside)"
    )
    assert "single points of failure: Impressions, Sterile setup" in cross.evidence
    assert "voluntary turnover" in cross.evidence
    assert "Workload review in Front desk (Northside)" in titles
    workload = next(
        a
        for a in result.actions
        if a.title == "Workload review in Front desk (Northside)"
    )
    assert "80% report burnout" in workload.evidence
    assert "5 respondents" in workload.evidence
    patient = next(a for a in result.actions if a.stage == "patients")
    assert "Front desk (Northside)" in patient.title
    training = next(a for a in result.actions if a.title.startswith("Book"))
    assert "Infection control" in training.title
    assert [a.priority for a in result.actions] == sorted(
        a.priority for a in result.actions
    )


def test_coverage_turnover_recognition_and_freshness(world):
    result = flywheel_health(organization=world["org"], period=PERIOD, today=TODAY)
    coverage = {(r.site, r.team): r for r in result.coverage}
    hygiene = coverage[("Northside", "Hygiene")]
    assert hygiene.spof_skills == ["Impressions", "Sterile setup"]
    assert hygiene.coverage == 0.0
    assert coverage[("Southside", "Front desk")].coverage == 100.0
    assert coverage[("Southside", "Front desk")].spof_skills == []

    teams = {r.label: r for r in result.turnover_by("team")}
    assert teams["Hygiene (Northside)"].voluntary_leavers == 1
    assert teams["Front desk (Southside)"].voluntary_leavers == 0
    assert {r.label for r in result.turnover_by("site")} == {"Northside", "Southside"}
    assert result.turnover_by("job_role")
    assert sum(r.voluntary_leavers for r in result.turnover_by("tenure_band")) == 1

    # Teams of 2-3 people are below k = 5: no recognition numbers.
    assert result.recognition
    assert all(r.recognitions is None and r.hidden for r in result.recognition)

    assert result.freshness.latest_patient_feedback == D(2025, 3, 6)
    assert result.freshness.released_round == "March pulse (2025-03)"
    assert result.freshness.analysis_run_id is None
    assert len(result.top_findings()) == 3


def test_site_scope_leaves_other_sites_out(world):
    result = flywheel_health(
        organization=world["org"], site=world["site_b"], period=PERIOD, today=TODAY
    )
    assert result.scope.label == "Southside (Brightsmile)"
    labels = [row.label for row in result.heatmap.rows]
    assert labels[0] == "Southside"
    assert not any("Northside" in label or "Hygiene" in label for label in labels)
    assert {c.site for c in result.patient_nps} == {"Southside"}
    assert {(r.site, r.team) for r in result.coverage} == {("Southside", "Front desk")}
    assert {r.label for r in result.turnover_by("site")} == {"Southside"}
    assert result.turnover_by("total")[0].voluntary_leavers == 0
    assert {r.site for r in result.recognition} == {"Southside"}
    assert result.stage("patients").measurements[0].value == 70.0
    assert result.stage("referrals").measurements[0].value == 25
    assert result.stage("referrals").status == MET
    assert not any("Northside" in a.title for a in result.actions)
    assert result.freshness.latest_patient_feedback == D(2025, 3, 5)


def test_another_organizations_site_is_refused(world):
    with pytest.raises(ValueError, match="does not belong"):
        flywheel_health(
            organization=world["org"], site=world["other_site"], period=PERIOD
        )


def test_findings_carry_the_noise_fields(world):
    analysis_run(organization=world["org"], start="2025-01", end="2025-03")
    result = flywheel_health(organization=world["org"], period=PERIOD, today=TODAY)
    run = AnalysisRun.objects.get(status=AnalysisRun.Status.DONE)
    assert result.freshness.analysis_run_id == run.pk
    keys = [f.key for f in result.findings]
    assert keys[:4] == [
        "engagement_to_patient_nps",
        "engagement_to_turnover",
        "burnout_to_turnover",
        "coverage_to_turnover",
    ]
    first = result.findings[0]
    assert first.title == "Engagement and next-month patient NPS"
    assert first.status == "insufficient_data"
    assert first.status_label == "Not enough data yet"
    assert hasattr(first, "min_detectable_effect")
    assert hasattr(first, "attenuation_note")


def test_an_empty_organization_is_all_unknown(org_world):
    result = flywheel_health(
        organization=org_world["other_org"], period="2025-Q1", today=TODAY
    )
    statuses = {s.key: s.status for s in result.stages}
    assert statuses["engaged"] == UNKNOWN
    assert statuses["patients"] == UNKNOWN
    assert statuses["referrals"] == UNKNOWN
    assert result.heatmap.rows == []
    assert result.findings == []
