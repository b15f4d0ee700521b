"""Skills and team requirements in the Wagtail back office (skills/wagtail_hooks.py).

Requirements are dated spells: every change through these screens must close
the spell in force and open a new one today, in the organization's time zone.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workforce.skills.factories import (
    SkillAssessmentFactory,
    SkillFactory,
    TeamSkillRequirementFactory,
)
from workforce.auth_backends import RolePermissionBackend
from workforce.models import Role
from workforce.skills.models import Skill, TeamSkillRequirement

SCREENS = ["skills_skill", "skills_requirement"]

# 23:30 on 9 June in UTC is already 10 June in Sydney: "today" is the
# organization's date, not the server's.
NOW = datetime.datetime(2025, 6, 9, 23, 30, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 6, 10)
SPELL_START = datetime.date(2024, 1, 1)


@pytest.fixture
def world(org_world):
    org, other_org = org_world["org"], org_world["other_org"]
    org.timezone = "Australia/Sydney"
    org.save(update_fields=["timezone"])
    billing = SkillFactory(organization=org, name="Billing")
    checkin = SkillFactory(organization=org, name="Check-in")
    other_skill = SkillFactory(organization=other_org, name="Foreign skill")
    requirement = TeamSkillRequirementFactory(
        team=org_world["team_a1"], skill=billing, min_competent=2
    )
    other_requirement = TeamSkillRequirementFactory(
        team=org_world["other_team"], skill=other_skill, min_competent=1
    )
    return {
        **org_world,
        "billing": billing,
        "checkin": checkin,
        "other_skill": other_skill,
        "requirement": requirement,
        "other_requirement": other_requirement,
    }


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture(params=[Role.OWNER, Role.HR])
def admin_client(request, client, world):
    client.force_login(world["users"][request.param])
    return client


def _spells(team, skill):
    return list(
        TeamSkillRequirement.objects.filter(team=team, skill=skill)
        .order_by("start_date")
        .values_list("min_competent", "start_date", "end_date")
    )


def _options(response, field):
    form = response.context["form"]
    return {str(label) for value, label in form.fields[field].choices if value}


def test_owner_and_hr_have_the_skills_permissions(world):
    backend = RolePermissionBackend()
    for role in (Role.OWNER, Role.HR):
        user = world["users"][role]
        for perm in ("skills.add_skill", "skills.change_teamskillrequirement"):
            assert backend.has_perm(user, perm)
        assert backend.has_perm(
            user, "skills.change_teamskillrequirement", obj=world["requirement"]
        )
        assert not backend.has_perm(
            user, "skills.view_teamskillrequirement", obj=world["other_requirement"]
        )
        assert not backend.has_perm(user, "skills.view_skill", obj=world["other_skill"])
    for role in (Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF):
        assert not backend.has_perm(world["users"][role], "skills.view_skill")


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF])
def test_other_roles_have_no_back_office(client, world, role, screen):
    client.force_login(world["users"][role])
    urls = [
        reverse(f"{screen}:index"),
        reverse(f"{screen}:add"),
        reverse(f"{screen}:edit", args=[world["requirement"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_team_lead_cannot_change_a_requirement_by_posting(client, world):
    client.force_login(world["users"][Role.TEAM_LEAD])
    requirement = world["requirement"]

    client.post(
        reverse("skills_requirement:edit", args=[requirement.pk]),
        {"min_competent": "5"},
    )
    client.post(reverse("skills_requirement:delete", args=[requirement.pk]))

    assert _spells(requirement.team, requirement.skill) == [(2, SPELL_START, None)]


def test_team_page_shows_requirements_to_leads_and_managers(client, world):
    # Seeing requirements stays on the team's skills page, for everyone who
    # may see the team; the back office is only for changing them.
    for role in (Role.TEAM_LEAD, Role.SITE_MANAGER):
        client.force_login(world["users"][role])
        response = client.get(reverse("skills:team", args=[world["team_a1"].pk]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Billing" in body
        assert "People needed" in body


def test_menu_and_lists_show_only_our_organization(admin_client, world):
    home = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("skills_skill:index") in home
    assert reverse("skills_requirement:index") in home

    skills = admin_client.get(reverse("skills_skill:index"))
    requirements = admin_client.get(reverse("skills_requirement:index"))

    assert {s.name for s in skills.context["object_list"]} == {"Billing", "Check-in"}
    assert list(requirements.context["object_list"]) == [world["requirement"]]
    for response in (skills, requirements):
        body = response.content.decode()
        assert "Foreign skill" not in body
        assert "Elsewhere" not in body


@pytest.mark.parametrize(
    ("screen", "key"),
    [("skills_skill", "other_skill"), ("skills_requirement", "other_requirement")],
)
def test_another_organizations_ids_are_404_on_every_url(
    admin_client, world, screen, key
):
    obj = world[key]
    for action in ("edit", "delete", "inspect", "history", "usage"):
        response = admin_client.get(reverse(f"{screen}:{action}", args=[obj.pk]))
        assert response.status_code == 404, action

    edit = admin_client.post(
        reverse(f"{screen}:edit", args=[obj.pk]),
        {"name": "Taken", "min_competent": "9"},
    )
    delete = admin_client.post(reverse(f"{screen}:delete", args=[obj.pk]))

    assert (edit.status_code, delete.status_code) == (404, 404)
    obj.refresh_from_db()
    assert getattr(obj, "name", "Foreign skill") == "Foreign skill"
    assert getattr(obj, "end_date", None) is None


def test_new_skill_is_ours_and_names_are_unique_without_case(admin_client, world):
    response = admin_client.post(
        reverse("skills_skill:add"), {"name": "  Radiographs   (bitewing) "}
    )

    assert response.status_code == 302
    created = Skill.objects.get(name="Radiographs (bitewing)")
    assert created.organization == world["org"]

    duplicate = admin_client.post(reverse("skills_skill:add"), {"name": "billing"})
    assert duplicate.status_code == 200
    assert "already a skill of that name" in duplicate.content.decode()
    # Another organization's skill of the same name is no clash.
    admin_client.post(reverse("skills_skill:add"), {"name": "foreign SKILL"})
    assert Skill.objects.filter(organization=world["org"], name="foreign SKILL")


def test_a_skill_is_renamed_in_place(admin_client, world):
    billing = world["billing"]

    response = admin_client.post(
        reverse("skills_skill:edit", args=[billing.pk]), {"name": "Billing & claims"}
    )

    assert response.status_code == 302
    billing.refresh_from_db()
    assert billing.name == "Billing & claims"
    assert _spells(world["team_a1"], billing) == [(2, SPELL_START, None)]


def test_a_skill_with_history_is_not_deleted(admin_client, world):
    billing, checkin = world["billing"], world["checkin"]
    SkillAssessmentFactory(
        staff_member=world["people"][world["team_a1"]][0], skill=checkin
    )
    unused = SkillFactory(organization=world["org"], name="Unused")

    page = admin_client.get(reverse("skills_skill:delete", args=[billing.pk]))
    for skill in (billing, checkin):
        admin_client.post(reverse("skills_skill:delete", args=[skill.pk]))
    admin_client.post(reverse("skills_skill:delete", args=[unused.pk]))

    assert "cannot be deleted" in page.content.decode()
    assert set(Skill.objects.filter(organization=world["org"])) == {billing, checkin}


def test_requirement_form_offers_only_our_teams_and_skills(admin_client, world):
    response = admin_client.get(reverse("skills_requirement:add"))

    assert _options(response, "skill") == {"Billing", "Check-in"}
    assert _options(response, "team") == {
        str(world[key]) for key in ("team_a1", "team_a2", "team_b1")
    }

    foreign = admin_client.post(
        reverse("skills_requirement:add"),
        {
            "team": world["other_team"].pk,
            "skill": world["other_skill"].pk,
            "min_competent": "1",
        },
    )
    assert set(foreign.context["form"].errors) == {"team", "skill"}
    assert _spells(world["other_team"], world["other_skill"]) == [
        (1, SPELL_START, None)
    ]


def test_adding_a_requirement_opens_a_spell_today(admin_client, world, frozen_now):
    team, checkin = world["team_a2"], world["checkin"]

    response = admin_client.post(
        reverse("skills_requirement:add"),
        {"team": team.pk, "skill": checkin.pk, "min_competent": "2"},
    )

    assert response.status_code == 302
    assert _spells(team, checkin) == [(2, TODAY, None)]


def test_adding_a_requirement_already_in_force_is_refused(
    admin_client, world, frozen_now
):
    requirement = world["requirement"]

    response = admin_client.post(
        reverse("skills_requirement:add"),
        {
            "team": requirement.team.pk,
            "skill": requirement.skill.pk,
            "min_competent": "3",
        },
    )

    assert response.status_code == 200
    assert "change that requirement instead" in response.content.decode()
    assert _spells(requirement.team, requirement.skill) == [(2, SPELL_START, None)]


def test_changing_a_requirement_closes_the_spell_and_opens_one_today(
    admin_client, world, frozen_now
):
    requirement = world["requirement"]
    url = reverse("skills_requirement:edit", args=[requirement.pk])

    form = admin_client.get(url)
    # Team and skill cannot be swapped under an existing spell, even by a
    # crafted post.
    response = admin_client.post(
        url,
        {
            "team": world["team_b1"].pk,
            "skill": world["checkin"].pk,
            "min_competent": "3",
        },
    )

    assert form.status_code == 200
    assert response.status_code == 302
    assert _spells(requirement.team, requirement.skill) == [
        (2, SPELL_START, TODAY),
        (3, TODAY, None),
    ]
    assert not TeamSkillRequirement.objects.filter(team=world["team_b1"]).exists()

    # A second change the same day corrects today's spell: no one-day spells.
    new_spell = TeamSkillRequirement.objects.get(
        team=requirement.team, skill=requirement.skill, end_date__isnull=True
    )
    admin_client.post(
        reverse("skills_requirement:edit", args=[new_spell.pk]), {"min_competent": "1"}
    )
    assert _spells(requirement.team, requirement.skill) == [
        (2, SPELL_START, TODAY),
        (1, TODAY, None),
    ]


def test_changes_are_in_the_history(admin_client, world, frozen_now):
    requirement = world["requirement"]
    admin_client.post(
        reverse("skills_requirement:edit", args=[requirement.pk]),
        {"min_competent": "3"},
    )
    new_spell = TeamSkillRequirement.objects.get(
        team=requirement.team, skill=requirement.skill, end_date__isnull=True
    )

    old = admin_client.get(reverse("skills_requirement:history", args=[requirement.pk]))
    new = admin_client.get(reverse("skills_requirement:history", args=[new_spell.pk]))

    assert [entry.action for entry in old.context["object_list"]] == ["wagtail.edit"]
    assert [entry.action for entry in new.context["object_list"]] == ["wagtail.create"]


def test_a_minimum_below_one_is_refused(admin_client, world, frozen_now):
    requirement = world["requirement"]

    response = admin_client.post(
        reverse("skills_requirement:edit", args=[requirement.pk]),
        {"min_competent": "0"},
    )

    assert response.status_code == 200
    assert "min_competent" in response.context["form"].errors
    assert _spells(requirement.team, requirement.skill) == [(2, SPELL_START, None)]


def test_ending_a_requirement_closes_the_spell_today(admin_client, world, frozen_now):
    requirement = world["requirement"]
    url = reverse("skills_requirement:delete", args=[requirement.pk])

    inspect_url = reverse("skills_requirement:inspect", args=[requirement.pk])
    edit_url = reverse("skills_requirement:edit", args=[requirement.pk])
    before = admin_client.get(inspect_url)
    page = admin_client.get(url)
    response = admin_client.post(url)

    assert edit_url in before.content.decode()
    assert "end it today" in page.content.decode()
    assert response.status_code == 302
    assert _spells(requirement.team, requirement.skill) == [(2, SPELL_START, TODAY)]
    # An ended spell is history: it can be inspected but not changed or ended.
    for action in ("edit", "delete"):
        closed = admin_client.get(
            reverse(f"skills_requirement:{action}", args=[requirement.pk])
        )
        assert closed.status_code == 404, action
    inspect = admin_client.get(inspect_url)
    assert inspect.status_code == 200
    for action in ("edit", "delete"):
        link = reverse(f"skills_requirement:{action}", args=[requirement.pk])
        assert link not in inspect.content.decode(), action
    listing = admin_client.get(reverse("skills_requirement:index"))
    assert reverse("skills_requirement:edit", args=[requirement.pk]) not in (
        listing.content.decode()
    )


def test_ending_a_requirement_that_started_today_removes_it(
    admin_client, world, frozen_now
):
    team, checkin = world["team_a1"], world["checkin"]
    admin_client.post(
        reverse("skills_requirement:add"),
        {"team": team.pk, "skill": checkin.pk, "min_competent": "1"},
    )
    spell = TeamSkillRequirement.objects.get(team=team, skill=checkin)

    admin_client.post(reverse("skills_requirement:delete", args=[spell.pk]))

    assert _spells(team, checkin) == []


def test_a_change_before_a_future_spell_is_refused(admin_client, world, frozen_now):
    # An import may have set a minimum that starts after today.
    team, checkin = world["team_a2"], world["checkin"]
    future = TeamSkillRequirementFactory(
        team=team, skill=checkin, min_competent=1, start_date=TODAY.replace(month=9)
    )

    edit = admin_client.post(
        reverse("skills_requirement:edit", args=[future.pk]), {"min_competent": "4"}
    )
    admin_client.post(reverse("skills_requirement:delete", args=[future.pk]))

    assert edit.status_code == 200
    assert "already changes on 2025-09-10" in edit.content.decode()
    assert _spells(team, checkin) == [(1, datetime.date(2025, 9, 10), None)]
