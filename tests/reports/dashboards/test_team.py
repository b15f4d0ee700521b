"""The team lead's dashboard: scoping, suppression, content and exports."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from workforce.models import AuditEvent, Role


def team_url(team):
    return reverse("dashboards:team", args=[team.pk])


def export_url(team, table, file_format):
    return reverse("dashboards:team_export", args=[team.pk, table, file_format])


def page_text(response):
    """The page without its SVG drawings (their coordinates are numbers too)."""
    return re.sub(r"<svg.*?</svg>", "", response.content.decode(), flags=re.S)


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response):
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def test_team_lead_is_sent_to_their_team(client, dash_world):
    client.force_login(dash_world["users"][Role.TEAM_LEAD])
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 302
    assert response["Location"] == team_url(dash_world["team_a1"])


def test_team_lead_sees_their_team_only(client, dash_world):
    client.force_login(dash_world["users"][Role.TEAM_LEAD])
    assert client.get(team_url(dash_world["team_a1"])).status_code == 200
    for other in ("team_a2", "team_b1", "other_team"):
        assert client.get(team_url(dash_world[other])).status_code == 404
        for file_format in ("csv", "xlsx"):
            url = export_url(dash_world[other], "survey", file_format)
            assert client.get(url).status_code == 404


def test_staff_get_no_dashboard(client, dash_world):
    client.force_login(dash_world["users"][Role.STAFF])
    assert client.get(reverse("dashboards:home")).status_code == 403
    assert client.get(team_url(dash_world["team_a1"])).status_code == 403
    url = export_url(dash_world["team_a1"], "survey", "csv")
    assert client.get(url).status_code == 403


def test_site_manager_reaches_teams_of_their_site_only(client, dash_world):
    client.force_login(dash_world["users"][Role.SITE_MANAGER])
    assert client.get(team_url(dash_world["team_a2"])).status_code == 200
    assert client.get(team_url(dash_world["team_b1"])).status_code == 404


def test_page_shows_site_total_but_hides_the_team_that_would_expose_a_small_one(
    client, dash_world
):
    client.force_login(dash_world["users"][Role.TEAM_LEAD])
    html = page_text(client.get(team_url(dash_world["team_a1"])))
    # Northside: (6 × 75 + 3 × 25) / 9 = 58.3; the front desk alone (75.0) would
    # give the hygiene team's 25.0 away, so neither appears.
    assert "58.3" in html
    assert "75.0" not in html
    assert "25.0" not in html
    assert "hidden so that a smaller group cannot be worked out" in html
    assert "This team&#x27;s own figures are hidden in this round" in html
    # Southside is another site: a team lead sees only their own site's total.
    assert "Southside" not in html.split('id="skills"')[0]


def test_page_shows_skills_training_and_recognitions(client, dash_world):
    client.force_login(dash_world["users"][Role.TEAM_LEAD])
    html = client.get(team_url(dash_world["team_a1"])).content.decode()
    holder = dash_world["holder"].full_name
    assert f"Single point of failure: only {holder}" in html
    assert "Insurance claims" in html
    # Three front-desk people need CPR; one holds it.
    assert "33%" in html
    assert html.count(">Missing<") == 2
    assert "Covered the Northside desk all week." in html
    assert "Covered the Southside desk all week." not in html
    assert 'class="chart"' in html


def test_exports_carry_the_page_numbers_with_the_same_suppression(client, dash_world):
    client.force_login(dash_world["users"][Role.TEAM_LEAD])
    team = dash_world["team_a1"]
    as_csv = csv_rows(client.get(export_url(team, "survey", "csv")))
    book = xlsx_rows(client.get(export_url(team, "survey", "xlsx")))
    (sheet,) = book.values()
    for rows in (as_csv, [["" if c is None else str(c) for c in r] for r in sheet]):
        header, body = rows[0], rows[1:]
        assert header[:4] == ["round", "period", "group_type", "group"]
        groups = {row[3] for row in body}
        assert groups == {"Brightsmile", "Northside", "Front desk"}
        front_desk = [row for row in body if row[3] == "Front desk"]
        assert len(front_desk) == 1
        assert front_desk[0][4:16] == [""] * 12
        engagement = [
            row
            for row in body
            if row[3] == "Northside" and row[7] == "Engagement index"
        ]
        assert float(engagement[0][9]) == pytest.approx(58.3)
        flat = " ".join(" ".join(row) for row in body)
        assert "75.0" not in flat and "25.0" not in flat


def test_every_export_is_audited(client, dash_world):
    user = dash_world["users"][Role.TEAM_LEAD]
    client.force_login(user)
    team = dash_world["team_a1"]
    for table, file_format in (("skills", "csv"), ("all", "xlsx")):
        assert client.get(export_url(team, table, file_format)).status_code == 200
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.REPORT_EXPORTED, actor=user
    ).order_by("pk")
    assert [e.detail["tables"] for e in events] == [
        ["skills"],
        ["survey", "skills", "training"],
    ]
    assert [e.detail["format"] for e in events] == ["csv", "xlsx"]


def test_unknown_table_or_format_is_404_and_not_audited(client, dash_world):
    client.force_login(dash_world["users"][Role.TEAM_LEAD])
    team = dash_world["team_a1"]
    for table, file_format in (("nope", "csv"), ("skills", "pdf"), ("all", "csv")):
        assert client.get(export_url(team, table, file_format)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_formula_names_are_escaped_in_both_formats(client, dash_world):
    person = dash_world["people"][dash_world["team_a1"]][2]
    person.full_name = '=HYPERLINK("http://example.com")'
    person.save()
    client.force_login(dash_world["users"][Role.TEAM_LEAD])
    team = dash_world["team_a1"]
    as_csv = csv_rows(client.get(export_url(team, "training", "csv")))
    (sheet,) = xlsx_rows(client.get(export_url(team, "training", "xlsx"))).values()
    for rows in (as_csv, sheet):
        names = [row[0] for row in rows[1:]]
        assert '\'=HYPERLINK("http://example.com")' in names
        assert '=HYPERLINK("http://example.com")' not in names
