"""The finding card shows the noise-corrected estimate and the attenuation note."""

from django.template.loader import render_to_string

BASE = {
    "title": "Engagement and next-month patient NPS",
    "status": "ok",
    "status_label": "Clear link",
    "sentence": "Teams whose engagement was 10 points higher …",
    "estimate": 1.0,
    "ci_low": 0.5,
    "ci_high": 1.5,
    "p_value": 0.01,
    "q_value": 0.02,
    "n_teams": 40,
    "n_obs": 1200,
    "method": "within-team",
    "unit": "NPS points per 10 engagement points",
}


def test_corrected_estimate_and_note_are_shown():
    html = render_to_string(
        "reports/analysis/_finding.html",
        {
            "finding": {
                **BASE,
                "estimate_corrected": 2.93,
                "ci_low_corrected": 1.2,
                "ci_high_corrected": 4.8,
                "reliability": 0.34,
                "attenuation_flag": True,
                "attenuation_note": "Team scores are noisy; the raw link is shrunk.",
            }
        },
    )
    assert "Corrected for survey noise (reliability 0.34): 2.93" in html
    assert "1.20 to 4.80" in html
    assert "Team scores are noisy; the raw link is shrunk." in html


def test_no_correction_line_without_a_corrected_estimate():
    html = render_to_string(
        "reports/analysis/_finding.html",
        {"finding": {**BASE, "estimate_corrected": None, "attenuation_flag": False}},
    )
    assert "Corrected for survey noise" not in html


def test_owner_and_hr_reach_the_analysis_from_the_nav(client, org_world):
    from django.urls import reverse

    from workforce.models import Role

    url = reverse("reports:analysis")
    for role in (Role.OWNER, Role.HR):
        client.force_login(org_world["users"][role])
        assert f'href="{url}"' in client.get(reverse("home")).content.decode()
    client.force_login(org_world["users"][Role.TEAM_LEAD])
    assert f'href="{url}"' not in client.get(reverse("home")).content.decode()
