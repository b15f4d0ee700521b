"""The skills pages through the real views: scoping, grid editing, what-if."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import StaffMemberFactory
from tests.workforce.skills.factories import (
    SkillAssessmentFactory,
    SkillFactory,
    TeamSkillRequirementFactory,
)
from workforce.models import Role
from workforce.skills.models import SkillAssessment

TEAM_PAGES = ["skills:team", "skills:grid", "skills:print"]

# (role, team key) -> expected status, for every team page.
EXPECTED = {
    Role.OWNER: {"team_a1": 200, "team_a2": 200, "team_b1": 200, "other_team": 404},
    Role.HR: {"team_a1": 200, "team_a2": 200, "team_b1": 200, "other_team": 404},
    Role.SITE_MANAGER: {
        "team_a1": 200,
        "team_a2": 200,
        "team_b1": 404,
        "other_team": 404,
    },
    Role.TEAM_LEAD: {
        "team_a1": 200,
        "team_a2": 404,
        "team_b1": 404,
        "other_team": 404,
    },
    Role.STAFF: {"team_a1": 403, "team_a2": 403, "team_b1": 403, "other_team": 403},
}


@pytest.fixture
def world(org_world):
    org = org_world["org"]
    team = org_world["team_a1"]
    ann, bob, cat = org_world["people"][team]
    billing = SkillFactory(organization=org, name="Billing")
    checkin = SkillFactory(organization=org, name="Check-in")
    TeamSkillRequirementFactory(team=team, skill=billing, min_competent=2)
    TeamSkillRequirementFactory(team=team, skill=checkin, min_competent=1)
    # Billing: ann trains (3), bob learns (1) -> 1 competent of 2 needed.
    # Check-in: bob competent (2) -> covered by one person.
    SkillAssessmentFactory(staff_member=ann, skill=billing, level=3)
    SkillAssessmentFactory(staff_member=bob, skill=billing, level=1)
    SkillAssessmentFactory(staff_member=bob, skill=checkin, level=2)
    return {
        **org_world,
        "ann": ann,
        "bob": bob,
        "cat": cat,
        "billing": billing,
        "checkin": checkin,
    }


@pytest.mark.parametrize("page", TEAM_PAGES)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_team_pages_are_scoped(world, client, page, role):
    client.force_login(world["users"][role])
    for key, status in EXPECTED[role].items():
        response = client.get(reverse(page, args=[world[key].pk]))
        assert response.status_code == status, (role, page, key)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_grid_post_is_scoped(world, client, role):
    client.force_login(world["users"][role])
    before = SkillAssessment.objects.count()
    for key, status in EXPECTED[role].items():
        team = world[key]
        person = team.staff.first()
        skill = SkillFactory(organization=team.site.organization)
        name = f"level_{person.pk}_{skill.pk}"
        response = client.post(
            reverse("skills:grid", args=[team.pk]) + f"?add={skill.pk}",
            {name: 3, f"initial-{name}": 0},
        )
        # Allowed: the form re-renders (other cells missing) and saves nothing.
        assert response.status_code == status, (role, key)
    assert SkillAssessment.objects.count() == before


@pytest.mark.parametrize("role", list(EXPECTED))
def test_add_skill_is_scoped(world, client, role):
    client.force_login(world["users"][role])
    for key, status in EXPECTED[role].items():
        response = client.post(
            reverse("skills:add_skill", args=[world[key].pk]), {"new_name": "X-ray"}
        )
        expected = 302 if status == 200 else status
        assert response.status_code == expected, (role, key)


@pytest.mark.parametrize("name", ["skills:overview", "skills:overview_csv"])
def test_overview_refuses_staff_and_anonymous(world, client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(world["users"][Role.STAFF])
    assert client.get(reverse(name)).status_code == 403


def csv_rows(response):
    text = b"".join(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("role", "teams"),
    [
        (
            Role.OWNER,
            {
                ("Northside", "Front desk"),
                ("Northside", "Hygiene"),
                ("Southside", "Front desk"),
            },
        ),
        (Role.SITE_MANAGER, {("Northside", "Front desk"), ("Northside", "Hygiene")}),
        (Role.TEAM_LEAD, {("Northside", "Front desk")}),
    ],
)
def test_coverage_export_holds_only_visible_teams(world, client, role, teams):
    client.force_login(world["users"][role])

    rows = csv_rows(client.get(reverse("skills:overview_csv"), {"months": 6}))

    assert {(row["site"], row["team"]) for row in rows} == teams
    assert len(rows) == 6 * len(teams)
    front_desk_now = [
        row for row in rows if (row["site"], row["team"]) == ("Northside", "Front desk")
    ][-1]
    assert front_desk_now["required_skills"] == "2"
    assert front_desk_now["covered_skills"] == "1"
    assert front_desk_now["coverage"] == "0.5"
    assert front_desk_now["spof_count"] == "2"
    assert front_desk_now["uncovered_count"] == "0"


def test_overview_lists_visible_teams(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])

    response = client.get(reverse("skills:overview"))

    assert response.status_code == 200
    assert len(response.context["month_list"]) == 12
    assert [team for team, _cells in response.context["table"]] == [world["team_a1"]]
    assert "50 %" in response.content.decode()


def test_team_page_shows_coverage_and_pairings(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])

    response = client.get(reverse("skills:team", args=[world["team_a1"].pk]))

    assert response.context["percent"] == 50
    pairings = {p["skill"].name: p for p in response.context["pairings"]}
    # Billing: bob is learning, ann can train. Check-in: nobody learning, so the
    # first of ann and cat (both at 0), and no trainer at level 3 on the site.
    assert pairings["Billing"]["learner"] == world["bob"]
    assert pairings["Billing"]["trainer"] == world["ann"]
    assert pairings["Check-in"]["learner"] in (world["ann"], world["cat"])
    assert pairings["Check-in"]["trainer_from"] is None


def test_pairing_trainer_from_another_team_is_named_only_to_who_may_see_them(
    world, client
):
    hygienist = world["people"][world["team_a2"]][0]
    SkillAssessmentFactory(staff_member=hygienist, skill=world["checkin"], level=3)
    url = reverse("skills:team", args=[world["team_a1"].pk])

    client.force_login(world["users"][Role.SITE_MANAGER])
    manager_view = client.get(url)
    client.force_login(world["users"][Role.TEAM_LEAD])
    lead_view = client.get(url)

    def checkin(response):
        return next(
            p for p in response.context["pairings"] if p["skill"].name == "Check-in"
        )

    assert checkin(manager_view)["trainer"] == hygienist
    assert hygienist.full_name in manager_view.content.decode()
    assert checkin(lead_view)["trainer"] is None
    assert checkin(lead_view)["trainer_from"] == "site"
    assert hygienist.full_name not in lead_view.content.decode()
    assert "ask the site manager" in lead_view.content.decode()


def test_what_if_someone_leaves(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])
    url = reverse("skills:team", args=[world["team_a1"].pk])

    response = client.get(url, {"leaves": world["bob"].pk})

    lists = dict(response.context["what_if_lists"])
    assert lists["Would fall below the minimum"] == [world["checkin"]]
    assert lists["Nobody left who can do it"] == [world["checkin"]]
    assert lists["Would depend on one person"] == []
    assert "Without " + world["bob"].full_name in response.content.decode()


@pytest.mark.parametrize("key", ["team_a2", "other_team"])
def test_what_if_refuses_people_outside_the_team(world, client, key):
    client.force_login(world["users"][Role.OWNER])
    outsider = world["people"][world[key]][0]

    response = client.get(
        reverse("skills:team", args=[world["team_a1"].pk]), {"leaves": outsider.pk}
    )

    assert response.status_code == 404


def grid_post_data(response):
    """What the browser would send back untouched: every select and its initial."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        data[name] = field.initial
        data[f"initial-{name}"] = field.initial
    return data


def test_grid_saves_only_changed_cells(world, client, monkeypatch):
    org = world["org"]
    org.timezone = "Pacific/Kiritimati"  # UTC+14: already tomorrow there
    org.save()
    monkeypatch.setattr(
        timezone,
        "now",
        lambda: datetime.datetime(2025, 6, 1, 11, 0, tzinfo=datetime.UTC),
    )
    lead = world["users"][Role.TEAM_LEAD]
    client.force_login(lead)
    url = reverse("skills:grid", args=[world["team_a1"].pk])
    data = grid_post_data(client.get(url))
    before = SkillAssessment.objects.count()
    cat, billing = world["cat"], world["billing"]
    data[f"level_{cat.pk}_{billing.pk}"] = 1

    response = client.post(url, data)

    assert response.status_code == 302
    assert SkillAssessment.objects.count() == before + 1
    new = SkillAssessment.objects.latest("pk")
    assert (new.staff_member, new.skill, new.level) == (cat, billing, 1)
    assert new.assessed_by == lead
    assert new.assessed_on == datetime.date(2025, 6, 2)
    # History kept: the earlier assessments are still there and unchanged.
    assert SkillAssessment.objects.filter(
        staff_member=world["ann"], level=3, assessed_on=datetime.date(2024, 2, 1)
    ).exists()


def test_grid_does_not_revert_a_cell_changed_meanwhile(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])
    url = reverse("skills:grid", args=[world["team_a1"].pk])
    data = grid_post_data(client.get(url))
    # Somebody else records cat as competent after the page was opened.
    SkillAssessmentFactory(
        staff_member=world["cat"],
        skill=world["billing"],
        level=2,
        assessed_on=datetime.date(2025, 1, 1),
    )

    client.post(url, data)

    assert SkillAssessment.objects.filter(staff_member=world["cat"]).count() == 1


def test_grid_is_labelled_for_screen_readers(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])

    response = client.get(reverse("skills:grid", args=[world["team_a1"].pk]))
    html = response.content.decode()

    name = f"level_{world['ann'].pk}_{world['billing'].pk}"
    assert (
        f'<label for="id_{name}" class="visually-hidden">'
        f"{world['ann'].full_name} – Billing</label>"
    ) in html
    assert '<th scope="row">' in html and '<th scope="col">Billing' in html
    assert '<option value="3" selected>3 – Can train others</option>' in html


def test_grid_rejects_a_level_outside_0_to_3(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])
    url = reverse("skills:grid", args=[world["team_a1"].pk])
    data = grid_post_data(client.get(url))
    data[f"level_{world['cat'].pk}_{world['billing'].pk}"] = 7
    before = SkillAssessment.objects.count()

    response = client.post(url, data)

    assert response.status_code == 200
    assert SkillAssessment.objects.count() == before


def test_add_skill_shows_a_new_column(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])
    team = world["team_a1"]

    response = client.post(
        reverse("skills:add_skill", args=[team.pk]), {"new_name": " Radiographs "}
    )
    grid = client.get(response.url)

    assert "?add=" in response.url
    assert [skill.name for skill in grid.context["matrix"].skills] == [
        "Billing",
        "Check-in",
        "Radiographs",
    ]


def test_add_skill_ignores_another_organizations_skill(world, client):
    client.force_login(world["users"][Role.OWNER])
    foreign = SkillFactory(organization=world["other_org"])
    team = world["team_a1"]

    response = client.post(
        reverse("skills:add_skill", args=[team.pk]), {"skill": foreign.pk}
    )
    grid = client.get(reverse("skills:grid", args=[team.pk]), {"add": foreign.pk})

    assert "add=" not in response.url
    assert foreign not in grid.context["matrix"].skills


def test_grid_members_are_todays_team(world, client):
    leaver = StaffMemberFactory(
        team=world["team_a1"],
        termination_date=datetime.date(2024, 12, 31),
        termination_reason="voluntary",
    )
    client.force_login(world["users"][Role.TEAM_LEAD])

    response = client.get(reverse("skills:grid", args=[world["team_a1"].pk]))

    members = response.context["matrix"].members
    assert leaver not in members
    assert set(members) == {world["ann"], world["bob"], world["cat"]}


def test_print_page_lists_levels(world, client):
    client.force_login(world["users"][Role.SITE_MANAGER])

    response = client.get(reverse("skills:print", args=[world["team_a1"].pk]))

    rows = {person: dict(cells) for person, cells in response.context["rows"]}
    assert rows[world["ann"]][world["billing"]] == 3
    assert rows[world["cat"]][world["checkin"]] == 0
    assert "css/skills.css" in response.content.decode()
