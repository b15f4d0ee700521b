"""``manage.py flywheel_analysis``: the JSON it writes and what it prints."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports.models import AnalysisRun
from workforce.models import Role

FINDING_KEYS = {
    "status",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "n_teams",
    "n_obs",
    "method",
    "unit",
    "sentence",
    "estimate_corrected",
    "ci_low_corrected",
    "ci_high_corrected",
    "reliability",
    "min_detectable_effect",
    "uses_correction",
    "attenuation_flag",
    "attenuation_note",
}
TEAM_KEYS = {
    "site",
    "team",
    "month",
    "headcount",
    "voluntary_leavers_12m",
    "voluntary_turnover_rate",
    "recognitions_per_head",
    "training_compliance",
    "cpd_hours_per_head",
    "coverage",
    "spof_count",
    "patient_nps",
    "patient_responses",
    "survey_month",
    "respondents",
    "engagement",
    "engagement_shrunk",
    "burnout_rate",
    "burnout_rate_shrunk",
    "enps",
    "suppressed",
}


def run_command(*args):
    out, err = [], []

    class Writer:
        def __init__(self, sink):
            self.sink = sink

        def write(self, text):
            self.sink.append(text)

        def flush(self):
            pass

    call_command("flywheel_analysis", *args, stdout=Writer(out), stderr=Writer(err))
    return "".join(out), "".join(err)


def test_writes_exactly_the_agreed_keys(org_world, tmp_path):
    path = tmp_path / "flywheel.json"

    out, _ = run_command(
        "--org", "brightsmile", "--from", "2025-01", "--to", "2025-03", "--json", path
    )

    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == [
        "engagement_to_nps",
        "engagement_to_turnover",
        "burnout_to_turnover",
        "coverage_to_turnover",
        "teams",
        "kpis",
        "run",
    ]
    for key in list(data)[:4]:
        assert FINDING_KEYS <= set(data[key])
        assert data[key]["min_detectable_effect"] is None or isinstance(
            data[key]["min_detectable_effect"], float
        )
    assert {(t["site"], t["team"]) for t in data["teams"]} == {
        ("Northside", "Front desk"),
        ("Northside", "Hygiene"),
        ("Southside", "Front desk"),
    }
    for team in data["teams"]:
        assert set(team) == TEAM_KEYS
    for row in data["kpis"]:
        assert set(row) == {
            "site",
            "month",
            "patient_nps",
            "voluntary_turnover",
            "days_in_ar",
        }
    run = AnalysisRun.objects.get()
    assert data["run"]["id"] == run.pk
    assert data["run"]["fingerprint"] == run.fingerprint
    assert data["run"]["period"] == {"from": "2025-01", "to": "2025-03"}
    # Progress, then the run and each finding in a line.
    assert out.index("Building the team-month panel") < out.index("Fitting the models")
    assert out.index("Fitting the models") < out.index("Writing the results")
    assert f"Run #{run.pk}" in out
    assert "- engagement_to_nps: insufficient_data. Not enough data yet" in out


def test_same_payload_as_the_json_view(org_world, tmp_path, client):
    path = tmp_path / "flywheel.json"
    run_command(
        "--org", "brightsmile", "--from", "2025-01", "--to", "2025-03", "--json", path
    )
    run = AnalysisRun.objects.get()
    client.force_login(org_world["users"][Role.OWNER])

    view = client.get(reverse("reports:analysis_run_json", args=[run.pk])).json()

    assert view == json.loads(path.read_text(encoding="utf-8"))


def test_second_run_on_the_same_data_reuses_the_run(org_world, tmp_path):
    for name in ("one.json", "two.json"):
        run_command(
            "--org",
            "brightsmile",
            "--from",
            "2025-01",
            "--to",
            "2025-03",
            "--json",
            tmp_path / name,
        )

    one = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    two = json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))
    assert one == two
    assert AnalysisRun.objects.count() == 1


def test_json_to_standard_output_keeps_progress_apart(org_world):
    out, err = run_command(
        "--org", "brightsmile", "--from", "2025-02", "--to", "2025-02", "--json", "-"
    )

    assert json.loads(out)["run"]["period"] == {"from": "2025-02", "to": "2025-02"}
    assert "Building the team-month panel" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nobody"], "No organization with slug 'nobody'"),
        (["--org", "brightsmile", "--from", "2025-1"], "Expected a month as YYYY-MM"),
        (
            ["--org", "brightsmile", "--from", "2025-05", "--to", "2025-04"],
            "is after the last",
        ),
    ],
)
def test_bad_arguments_are_explained(org_world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args, "--json", tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()
    assert not AnalysisRun.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_group_planted_engagement_to_nps_link_comes_out_positive(tmp_path):
    """seed_demo plants 3 patient NPS points per 10 points of a team's latent
    engagement the month before. The platform sees engagement only through a
    handful of answers a month, so the naive estimate is attenuated (ANALYSIS.md)
    and its interval may still include 0, but its sign must come out right: with
    36 months it was positive for each of seeds 1-6 and the default seed."""
    call_command("seed_demo", "--months", "36", "--today", "2026-10-15", verbosity=0)
    path = tmp_path / "demo.json"

    run_command("--org", "brightsmile-dental", "--to", "2026-09", "--json", path)

    data = json.loads(path.read_text(encoding="utf-8"))
    finding = data["engagement_to_nps"]
    assert finding["status"] in {"ok", "no_clear_link"}
    assert finding["estimate"] > 0
    assert finding["n_teams"] >= 20
    assert finding["n_obs"] >= 500
    assert data["run"]["period"] == {"from": "2023-10", "to": "2026-09"}
    # Forty teams; many are below the survey's k and show no survey numbers.
    assert len(data["teams"]) == 40
    suppressed = [t for t in data["teams"] if t["suppressed"]]
    assert suppressed
    assert all(t["engagement"] is None for t in suppressed)
    assert {k["site"] for k in data["kpis"]} == {t["site"] for t in data["teams"]}
