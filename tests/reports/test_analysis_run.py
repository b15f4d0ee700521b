"""Analysis runs: fingerprints and reuse, the teams table's suppression, the task
and the pages."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.analysis_output import PAYLOAD_KEYS, analysis_payload
from reports.models import AnalysisRun, PatientFeedback
from reports.services import analysis_run, analysis_run_queue
from reports.tasks import analysis_run_task
from surveys.models import PulseHistory, RoundStatus
from tests.factories import RoundFactory, StaffMemberFactory, SurveyFactory, TeamFactory
from tests.reports.analysis_world import simulated_group
from tests.surveys.results_data import (
    ENGAGEMENT_CODES,
    add_response,
    standard_questions,
)
from workforce.models import Role

D = datetime.date
PERIOD = {"start": "2025-01", "end": "2025-03"}


def run_for(org, **period):
    return analysis_run(organization=org, **(period or PERIOD))


# --- tiny data ------------------------------------------------------------------


def test_tiny_data_gives_insufficient_data_with_reasons(org_world):
    run = run_for(org_world["org"])

    assert run.status == AnalysisRun.Status.DONE
    payload = analysis_payload(run)
    assert tuple(payload) == PAYLOAD_KEYS
    for key in (
        "engagement_to_nps",
        "engagement_to_turnover",
        "burnout_to_turnover",
        "coverage_to_turnover",
    ):
        finding = payload[key]
        assert finding["status"] == "insufficient_data"
        assert finding["estimate"] is None
        assert "needs at least" in finding["reason"]
        assert finding["sentence"].startswith("Not enough data yet")
    assert payload["run"] == {
        "id": run.pk,
        "fingerprint": run.fingerprint,
        "period": {"from": "2025-01", "to": "2025-03"},
        "created_at": run.created_at.isoformat(),
    }
    json.dumps(payload, allow_nan=False)


# --- fingerprints ---------------------------------------------------------------


def test_same_inputs_reuse_the_run_and_new_data_makes_a_new_one(org_world):
    org = org_world["org"]
    first = run_for(org)
    again = run_for(org)

    assert again.pk == first.pk
    assert AnalysisRun.objects.filter(organization=org).count() == 1
    assert len(first.fingerprint) == 64

    PatientFeedback.objects.create(
        site=org_world["site_a"], team=org_world["team_a1"], date=D(2025, 2, 3), score=9
    )
    changed = run_for(org)

    assert changed.pk != first.pk
    assert changed.fingerprint != first.fingerprint
    # Same inputs as the new data, again: the new run is found.
    assert run_for(org).pk == changed.pk


def test_fingerprint_depends_on_period_and_code(org_world, monkeypatch):
    org = org_world["org"]
    base = run_for(org)
    longer = run_for(org, start="2024-12", end="2025-03")

    assert longer.fingerprint != base.fingerprint

    monkeypatch.setattr(services, "code_version", lambda: "another version")
    assert run_for(org).fingerprint != base.fingerprint


def test_fingerprint_ignores_row_order_and_float_noise(org_world):
    org = org_world["org"]
    panel = services.team_month_panel(
        organization=org, start=D(2025, 1, 1), end=D(2025, 3, 1)
    )
    people = services.people_frame(
        organization=org, start=D(2025, 1, 1), end=D(2025, 3, 1)
    )

    def fingerprint(panel, people):
        return services.inputs_fingerprint(
            panel=panel,
            people=people,
            start=D(2025, 1, 1),
            end=D(2025, 3, 1),
            version="v",
        )

    noisy = panel.iloc[::-1].copy()
    noisy["headcount"] = noisy["headcount"] * (1 + 1e-13)
    noisy.attrs = panel.attrs
    assert fingerprint(noisy, people.iloc[::-1]) == fingerprint(panel, people)
    changed = panel.copy()
    changed.loc[0, "headcount"] += 0.5
    assert fingerprint(changed, people) != fingerprint(panel, people)


def test_period_defaults_to_the_last_36_complete_months(org_world, monkeypatch):
    monkeypatch.setattr(
        services, "organization_today", lambda organization: D(2026, 3, 14)
    )

    assert services.analysis_period(org_world["org"]) == (D(2023, 3, 1), D(2026, 2, 1))
    assert services.analysis_period(org_world["org"], "2025-07") == (
        D(2025, 7, 1),
        D(2026, 2, 1),
    )
    with pytest.raises(services.ValidationError):
        services.analysis_period(org_world["org"], "2025-07", "2025-06")
    with pytest.raises(services.ValidationError):
        services.analysis_period(org_world["org"], "2025-13")


# --- the planted link, end to end ---------------------------------------------------


@pytest.mark.django_db
def test_planted_engagement_to_nps_link_comes_out_positive():
    world = simulated_group()

    run = analysis_run(organization=world["org"], start="2025-01", end="2025-08")
    payload = analysis_payload(run)

    finding = payload["engagement_to_nps"]
    assert finding["status"] == "ok"
    assert finding["estimate"] > 0
    assert finding["ci_low"] > 0
    assert finding["n_teams"] == 12
    assert finding["n_obs"] == 12 * 7
    assert finding["unit"] == "patient NPS points per 10 engagement points"
    # Nobody left: the turnover models say why they have nothing to say.
    assert payload["engagement_to_turnover"]["status"] == "insufficient_data"
    assert payload["engagement_to_turnover"]["reason"]
    # Every team is in the table, with raw and shrunk engagement.
    assert len(payload["teams"]) == 12
    shown = [t for t in payload["teams"] if not t["suppressed"]]
    assert shown
    assert all(t["engagement_shrunk"] is not None for t in shown)
    assert all(t["survey_month"] == "2025-08" for t in payload["teams"])
    # KPIs per site and month: three sites, eight months.
    assert len(payload["kpis"]) == 3 * 8
    assert {k["patient_nps"]["target"] for k in payload["kpis"]} == {"above 70"}


# --- suppression in the teams table ------------------------------------------------


@pytest.fixture
def small_teams(org_world):
    """A round where A2 (2 answers) and A3 (3) fall below k = 5 and are rolled
    into "Other teams at Northside" (5); A1 and B1 have 5 each."""
    w = org_world
    team_a3 = TeamFactory(site=w["site_a"], name="Sterilisation", slug="sterilisation")
    for _ in range(3):
        StaffMemberFactory(team=team_a3)
    survey = SurveyFactory(organization=w["org"], name="Monthly pulse")
    q = standard_questions(survey)
    round_ = RoundFactory(
        survey=survey,
        status=RoundStatus.RELEASED,
        period=D(2025, 3, 1),
        min_group_size=5,
        released_at=timezone.now(),
    )
    for team, count in [
        (w["team_a1"], 5),
        (w["team_a2"], 2),
        (team_a3, 3),
        (w["team_b1"], 5),
    ]:
        for level in [5, 4, 3, 4, 2][:count]:
            values = {q[code]: level for code in ENGAGEMENT_CODES}
            values[q["enps"]] = 9
            values[q["burnout"]] = 2
            add_response(round_, team=team, answers=values)
    return {**w, "team_a3": team_a3}


def test_small_teams_survey_numbers_are_suppressed(small_teams):
    run = run_for(small_teams["org"])
    teams = {(t["site"], t["team"]): t for t in analysis_payload(run)["teams"]}

    a1 = teams[("Northside", "Front desk")]
    assert a1["suppressed"] is False
    assert a1["respondents"] == 5
    assert a1["engagement"] == pytest.approx((100 + 75 + 50 + 75 + 25) / 5)
    assert a1["burnout_rate"] == 0.0
    assert a1["enps"] == 100.0
    for name in ("Hygiene", "Sterilisation"):
        team = teams[("Northside", name)]
        assert team["suppressed"] is True
        assert team["survey_month"] == "2025-03"
        for field in (
            "respondents",
            "engagement",
            "engagement_shrunk",
            "burnout_rate",
            "burnout_rate_shrunk",
            "enps",
        ):
            assert team[field] is None
        # What is not from the survey still shows.
        assert team["headcount"] == 3.0
    assert teams[("Southside", "Front desk")]["suppressed"] is False
    # Nothing of a hidden team's answers is stored anywhere on the run.
    # Hygiene's two answers (engagement 100 and 75) are stored nowhere on the run.
    assert "87.5" not in json.dumps(run.result)


def test_imported_history_below_k_is_suppressed(org_world):
    org = org_world["org"]
    PulseHistory.objects.create(
        organization=org,
        team=org_world["team_a1"],
        month=D(2025, 3, 1),
        measure="engagement",
        respondents=4,
        value=61.0,
    )
    PulseHistory.objects.create(
        organization=org,
        team=org_world["team_b1"],
        month=D(2025, 3, 1),
        measure="engagement",
        respondents=6,
        value=72.0,
    )

    teams = {(t["site"], t["team"]): t for t in analysis_payload(run_for(org))["teams"]}

    assert teams[("Northside", "Front desk")]["suppressed"] is True
    assert teams[("Northside", "Front desk")]["engagement"] is None
    assert teams[("Southside", "Front desk")]["suppressed"] is False
    assert teams[("Southside", "Front desk")]["engagement"] == 72.0


# --- KPIs -----------------------------------------------------------------------


def test_kpis_against_targets(org_world):
    from reports.models import KPI, PracticeKPI

    w = org_world
    PracticeKPI.objects.create(
        site=w["site_a"], month=D(2025, 3, 1), kpi=KPI.DAYS_IN_AR, value=38
    )
    PracticeKPI.objects.create(
        site=w["site_b"], month=D(2025, 3, 1), kpi=KPI.DAYS_IN_AR, value=52
    )
    # Northside in March: 8 promoters (two for the whole site), 1 detractor.
    for team, score in [(w["team_a1"], 10)] * 6 + [(None, 9)] * 2 + [(w["team_a2"], 2)]:
        PatientFeedback.objects.create(
            site=w["site_a"], team=team, date=D(2025, 3, 5), score=score
        )
    leaver = w["people"][w["team_b1"]][0]
    leaver.termination_date = D(2025, 2, 10)
    leaver.termination_reason = "voluntary"
    leaver.save()

    kpis = {
        (k["site"], k["month"]): k for k in analysis_payload(run_for(w["org"]))["kpis"]
    }

    north = kpis[("Northside", "2025-03")]
    assert north["patient_nps"]["value"] == pytest.approx(100 * 7 / 9, abs=0.05)
    assert north["patient_nps"]["met"] is True
    assert north["days_in_ar"] == {"value": 38.0, "met": True, "target": "30-45 days"}
    assert north["voluntary_turnover"]["value"] == 0.0
    assert north["voluntary_turnover"]["met"] is True
    south = kpis[("Southside", "2025-03")]
    assert south["days_in_ar"]["met"] is False
    assert south["patient_nps"] == {
        "value": None,
        "met": None,
        "responses": 0,
        "target": "above 70",
    }
    # One voluntary leaver in three months at a site of about 2.6 people,
    # annualised: 1 / mean headcount x 12 / 3.
    feb = 2 + 9 / 28
    mar = 2.0
    assert south["voluntary_turnover"]["leavers"] == 1
    assert south["voluntary_turnover"]["months"] == 3
    assert south["voluntary_turnover"]["value"] == pytest.approx(
        100 / ((3 + feb + mar) / 3) * 12 / 3, abs=0.05
    )
    assert south["voluntary_turnover"]["met"] is False


# --- queue, task, failure -----------------------------------------------------------


def test_queued_run_reports_steps_and_finishes(
    org_world, django_capture_on_commit_callbacks
):
    org = org_world["org"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run, created = analysis_run_queue(organization=org, **PERIOD)

    assert created
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.DONE
    assert run.step == AnalysisRun.Step.FINISHED
    assert run.started_at is not None
    assert run.finished_at >= run.started_at


def test_queue_returns_the_run_already_waiting(org_world):
    org = org_world["org"]
    first, created = analysis_run_queue(organization=org, **PERIOD)
    second, created_again = analysis_run_queue(organization=org, **PERIOD)

    assert created and not created_again
    assert second.pk == first.pk
    # A run stuck for longer than an hour is given up and a new one queued.
    AnalysisRun.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2)
    )
    third, created_third = analysis_run_queue(organization=org, **PERIOD)
    assert created_third and third.pk != first.pk
    first.refresh_from_db()
    assert first.status == AnalysisRun.Status.FAILED


def test_task_runs_a_queued_run_once(org_world):
    org = org_world["org"]
    run, _ = analysis_run_queue(organization=org, **PERIOD)

    assert analysis_run_task(org.pk, "2025-01", "2025-03", run_id=run.pk) == run.pk
    assert analysis_run_task(org.pk, "2025-01", "2025-03", run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.DONE


def test_queued_run_with_unchanged_inputs_points_at_the_earlier_one(org_world):
    org = org_world["org"]
    earlier = run_for(org)
    run, _ = analysis_run_queue(organization=org, **PERIOD)

    assert analysis_run_task(org.pk, "2025-01", "2025-03", run_id=run.pk) == earlier.pk
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.UNCHANGED
    assert run.same_as_id == earlier.pk
    assert run.fingerprint == earlier.fingerprint


def test_a_failed_run_says_so(org_world, monkeypatch):
    org = org_world["org"]
    run, _ = analysis_run_queue(organization=org, **PERIOD)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "team_month_panel", broken)

    assert analysis_run_task(org.pk, "2025-01", "2025-03", run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.FAILED
    assert "Start it again" in run.error
    assert "database went away" not in run.error


# --- pages ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.HR])
def test_owner_and_hr_see_the_page_and_start_a_run(
    org_world, client, role, django_capture_on_commit_callbacks
):
    client.force_login(org_world["users"][role])

    page = client.get(reverse("reports:analysis"))
    assert page.status_code == 200
    assert "Run analysis now" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("reports:analysis_start"), PERIOD)
    run = AnalysisRun.objects.get(organization=org_world["org"])
    assert started.status_code == 302
    assert started.url == reverse("reports:analysis_run", args=[run.pk])

    detail = client.get(started.url)
    assert detail.status_code == 200
    assert "Not enough data yet" in detail.text
    data = client.get(reverse("reports:analysis_run_json", args=[run.pk])).json()
    assert data == json.loads(json.dumps(analysis_payload(run)))
    home = client.get(reverse("reports:analysis"))
    assert f"run #{run.pk}" in home.text


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF])
def test_other_roles_are_refused(org_world, client, role):
    run = run_for(org_world["org"])
    client.force_login(org_world["users"][role])

    for url in (
        reverse("reports:analysis"),
        reverse("reports:analysis_run", args=[run.pk]),
        reverse("reports:analysis_run_json", args=[run.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("reports:analysis_start"), PERIOD).status_code == 403
    assert not AnalysisRun.objects.filter(status="queued").exists()


def test_signed_out_goes_to_login(org_world, client):
    response = client.get(reverse("reports:analysis"))

    assert response.status_code == 302
    assert reverse("login") in response.url


def test_another_organizations_run_is_not_found(org_world, client):
    theirs = run_for(org_world["other_org"])
    client.force_login(org_world["users"][Role.OWNER])

    assert (
        client.get(reverse("reports:analysis_run", args=[theirs.pk])).status_code == 404
    )
    assert (
        client.get(reverse("reports:analysis_run_json", args=[theirs.pk])).status_code
        == 404
    )
    home = client.get(reverse("reports:analysis")).text
    assert "No runs yet." in home
    assert theirs.fingerprint[:12] not in home


def test_bad_period_is_refused_with_a_message(org_world, client):
    client.force_login(org_world["users"][Role.OWNER])

    response = client.post(
        reverse("reports:analysis_start"), {"start": "2025-06", "end": "2025-01"}
    )

    assert response.status_code == 400
    assert "is after the last" in response.text
    assert not AnalysisRun.objects.exists()


def test_unchanged_run_page_leads_to_the_earlier_run(org_world, client):
    org = org_world["org"]
    earlier = run_for(org)
    run, _ = analysis_run_queue(organization=org, **PERIOD)
    analysis_run_task(org.pk, "2025-01", "2025-03", run_id=run.pk)
    client.force_login(org_world["users"][Role.HR])

    response = client.get(reverse("reports:analysis_run", args=[run.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "reports:analysis_run", args=[earlier.pk]
    )
    assert "Nothing the analysis uses had changed" in response.text


def test_running_run_page_shows_progress(org_world, client):
    run, _ = analysis_run_queue(organization=org_world["org"], **PERIOD)
    AnalysisRun.objects.filter(pk=run.pk).update(
        status=AnalysisRun.Status.RUNNING, step=AnalysisRun.Step.FITTING_MODELS
    )
    client.force_login(org_world["users"][Role.OWNER])

    response = client.get(reverse("reports:analysis_run", args=[run.pk]))

    assert '<meta http-equiv="refresh" content="2">' in response.text
    assert "1 of 3 steps done" in response.text
    assert "Fitting the models — <strong>now</strong>" in response.text
    assert (
        client.get(reverse("reports:analysis_run_json", args=[run.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_an_organization_with_nothing_yet():
    from tests.factories import OrganizationFactory

    run = analysis_run(organization=OrganizationFactory(), **PERIOD)
    payload = analysis_payload(run)

    assert payload["teams"] == []
    assert payload["kpis"] == []
    assert payload["engagement_to_nps"]["status"] == "insufficient_data"


def test_task_runs_on_a_real_worker(celery_live_worker, org_world):
    org = org_world["org"]
    run = AnalysisRun.objects.create(
        organization=org, period_start=D(2025, 1, 1), period_end=D(2025, 3, 1)
    )

    result = analysis_run_task.delay(org.pk, "2025-01", "2025-03", run_id=run.pk)
    assert result.get(timeout=120) == run.pk
    # A second delivery finds the run already claimed and does nothing.
    again = analysis_run_task.delay(org.pk, "2025-01", "2025-03", run_id=run.pk)
    assert again.get(timeout=120) is None

    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.DONE
    assert run.result["findings"]["engagement_to_patient_nps"]["reason"]
