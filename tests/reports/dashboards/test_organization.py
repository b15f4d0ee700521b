"""Owner, HR and site manager dashboards: scoping, suppression and exports."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from workforce.models import AuditEvent, Role

PERIOD = "?period=2026-01"


def page_text(response):
    """The page without its SVG drawings (their coordinates are numbers too)."""
    return re.sub(r"<svg.*?</svg>", "", response.content.decode(), flags=re.S)


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.OWNER, "dashboards:owner"),
        (Role.HR, "dashboards:hr"),
        (Role.SITE_MANAGER, "dashboards:site"),
    ],
)
def test_home_sends_each_role_to_its_dashboard(client, dash_world, role, expected):
    response = get(client, dash_world["users"][role], reverse("dashboards:home"))
    args = [dash_world["site_a"].pk] if role == Role.SITE_MANAGER else []
    assert response["Location"] == reverse(expected, args=args)


@pytest.mark.parametrize(
    ("role", "owner", "hr", "site_a", "site_b"),
    [
        (Role.OWNER, 200, 200, 200, 200),
        (Role.HR, 403, 200, 200, 200),
        (Role.SITE_MANAGER, 403, 403, 200, 404),
        (Role.TEAM_LEAD, 403, 403, 403, 403),
        (Role.STAFF, 403, 403, 403, 403),
    ],
)
def test_who_reaches_which_dashboard(
    client, dash_world, role, owner, hr, site_a, site_b
):
    client.force_login(dash_world["users"][role])
    for status, name, args in (
        (owner, "owner", []),
        (hr, "hr", []),
        (site_a, "site", [dash_world["site_a"].pk]),
        (site_b, "site", [dash_world["site_b"].pk]),
    ):
        assert (
            client.get(reverse(f"dashboards:{name}", args=args) + PERIOD).status_code
            == status
        )
        export = reverse(f"dashboards:{name}_export", args=[*args, "all", "xlsx"])
        assert client.get(export + PERIOD).status_code == status


def test_another_organizations_site_is_404(client, dash_world):
    url = reverse("dashboards:site", args=[dash_world["other_site"].pk])
    assert get(client, dash_world["users"][Role.OWNER], url).status_code == 404


@pytest.mark.parametrize(
    ("role", "name"),
    [(Role.OWNER, "owner"), (Role.HR, "hr"), (Role.SITE_MANAGER, "site")],
)
def test_every_dashboard_keeps_suppressed_groups_hidden(client, dash_world, role, name):
    args = [dash_world["site_a"].pk] if name == "site" else []
    user = dash_world["users"][role]
    html = page_text(
        get(client, user, reverse(f"dashboards:{name}", args=args) + PERIOD)
    )
    assert "<h1>" in html
    # Hygiene alone would score 25.0 and the Northside front desk 75.0.
    assert "25.0" not in html and "75.0" not in html
    book = client.get(
        reverse(f"dashboards:{name}_export", args=[*args, "all", "xlsx"]) + PERIOD
    )
    workbook = load_workbook(io.BytesIO(book.content), read_only=True)
    values = {
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }
    assert "25.0" not in values and "75.0" not in values
    assert 25.0 not in values and 75.0 not in values


def test_hr_survey_table_shows_why_a_team_is_hidden(client, dash_world):
    client.force_login(dash_world["users"][Role.HR])
    response = client.get(
        reverse("dashboards:hr_export", args=["survey", "csv"]) + PERIOD
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_group = {row[0]: row for row in rows[1:]}
    hygiene = next(row for label, row in by_group.items() if "Hygiene" in label)
    assert all(not re.fullmatch(r"-?[\d.]+", cell) for cell in hygiene[1:])
    assert float(by_group["Brightsmile"][2]) == pytest.approx(
        (6 * 75 + 3 * 25 + 6 * 50) / 15, abs=0.05
    )


def test_hr_sees_leavers_by_name_and_site_manager_only_their_sites(client, dash_world):
    import datetime

    for team, name in (
        (dash_world["team_a2"], "Ana Left"),
        (dash_world["team_b1"], "Bo Left"),
    ):
        person = dash_world["people"][team][0]
        person.full_name = name
        person.termination_date = datetime.date(2025, 11, 30)
        person.termination_reason = "voluntary"
        person.save()
    hr = page_text(
        get(client, dash_world["users"][Role.HR], reverse("dashboards:hr") + PERIOD)
    )
    assert "Ana Left" in hr and "Bo Left" in hr
    site = page_text(
        get(
            client,
            dash_world["users"][Role.SITE_MANAGER],
            reverse("dashboards:site", args=[dash_world["site_a"].pk]) + PERIOD,
        )
    )
    assert "Ana Left" in site and "Bo Left" not in site


def test_owner_dashboard_shows_stages_charts_and_links_the_analysis(client, dash_world):
    html = get(
        client, dash_world["users"][Role.OWNER], reverse("dashboards:owner") + PERIOD
    ).content.decode()
    for text in (
        "Engaged staff",
        "Retention",
        "Patient experience",
        "Patient NPS by site and month",
    ):
        assert text in html
    assert reverse("reports:analysis") in html
    assert html.count('class="chart"') >= 3


def test_bad_period_says_what_was_expected(client, dash_world):
    response = get(
        client,
        dash_world["users"][Role.OWNER],
        reverse("dashboards:owner") + "?period=2026-13",
    )
    assert response.status_code == 200
    assert "the month must be 01 to 12" in response.content.decode()


def test_org_exports_are_audited_with_the_period(client, dash_world):
    user = dash_world["users"][Role.HR]
    client.force_login(user)
    client.get(reverse("dashboards:hr_export", args=["leavers", "csv"]) + PERIOD)
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_EXPORTED)
    assert event.actor == user and "2026-01" in event.target
    assert event.detail["tables"] == ["leavers"]
