"""The Wagtail back office (workforce/wagtail_hooks.py) through the real admin views."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import JobRoleFactory, SiteFactory, UserFactory
from workforce.models import Organization, Role, Site, StaffMember, TeamMembership, User


@pytest.fixture
def hr_client(client, org_world):
    client.force_login(org_world["users"][Role.HR])
    return client


@pytest.fixture
def owner_client(client, org_world):
    client.force_login(org_world["users"][Role.OWNER])
    return client


def _options(response, field):
    """The (value, label) choices a rendered form offers for ``field``."""
    form = response.context["form"]
    return {str(label) for value, label in form.fields[field].choices if value}


def _staff_post(world, **overrides):
    data = {
        "employee_id": "N100",
        "full_name": "Nadia New",
        "email": "nadia@example.com",
        "phone": "",
        "site": world["site_a"].pk,
        "team": world["team_a1"].pk,
        "job_role": world["people"][world["team_a1"]][0].job_role_id,
        "employment_type": "full_time",
        "fte": "0.8",
        "hire_date": "2025-03-01",
        "termination_date": "",
        "termination_reason": "",
    }
    data.update(overrides)
    return data


# --- Menu and access ------------------------------------------------------------


def test_hr_gets_the_workforce_menu_and_the_roster_import_link(hr_client):
    response = hr_client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Workforce" in body
    assert reverse("workforce:roster_import") in body
    assert reverse("workforce_staffmember:index") in body
    assert reverse("workforce_user:index") in body


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF])
def test_other_roles_are_sent_away_from_the_admin(client, org_world, role):
    client.force_login(org_world["users"][role])

    response = client.get(reverse("workforce_site:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_wagtails_own_user_and_group_admin_is_for_superusers_only(hr_client):
    assert hr_client.get(reverse("wagtailusers_users:index")).status_code == 302
    assert hr_client.get(reverse("wagtailusers_groups:index")).status_code == 302
    body = hr_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtailusers_users:index") not in body
    assert reverse("wagtailusers_groups:index") not in body


def test_hr_cannot_create_a_superuser_through_wagtails_user_admin(hr_client):
    response = hr_client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "sneaky",
            "email": "sneaky@example.com",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
            "is_superuser": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not User.objects.filter(username="sneaky").exists()


def test_superusers_keep_wagtails_user_admin(client, db):
    client.force_login(UserFactory(is_superuser=True, organization=None))

    assert client.get(reverse("wagtailusers_users:index")).status_code == 200
    body = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtailusers_users:index") in body


def test_a_superuser_outside_any_organization_gets_no_workforce_screens(client, db):
    client.force_login(UserFactory(is_superuser=True, organization=None))

    response = client.get(reverse("workforce_site:add"))

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_site_history_report_is_closed_to_hr(hr_client, org_world, client):
    # An edit in the other organization leaves a log entry naming its site.
    other_owner = UserFactory(organization=org_world["other_org"], role=Role.OWNER)
    other = hr_client.__class__()
    other.force_login(other_owner)
    other.post(
        reverse("workforce_site:edit", args=[org_world["other_site"].pk]),
        {"name": "Secret Clinic", "slug": "secret"},
    )

    response = hr_client.get(reverse("wagtailadmin_reports:site_history"))
    results = hr_client.get(reverse("wagtailadmin_reports:site_history_results"))

    assert response.status_code == 404
    assert results.status_code == 404
    assert b"Secret Clinic" not in response.content + results.content


# --- Lists ------------------------------------------------------------------------


def test_site_list_shows_only_own_organization(hr_client, org_world):
    response = hr_client.get(reverse("workforce_site:index"))

    body = response.content.decode()
    assert "Northside" in body
    assert "Southside" in body
    assert "Elsewhere" not in body


def test_staff_list_search_and_filters(hr_client, org_world):
    person = org_world["people"][org_world["team_b1"]][1]
    url = reverse("workforce_staffmember:index")

    by_name = hr_client.get(url, {"q": person.full_name})
    by_site = hr_client.get(url, {"site": org_world["site_a"].pk})
    by_team = hr_client.get(url, {"team": org_world["team_a2"].pk})
    by_role = hr_client.get(url, {"job_role": person.job_role_id})

    assert [p.pk for p in by_name.context["object_list"]] == [person.pk]
    assert {p.team_id for p in by_site.context["object_list"]} == {
        org_world["team_a1"].pk,
        org_world["team_a2"].pk,
    }
    assert {p.team_id for p in by_team.context["object_list"]} == {
        org_world["team_a2"].pk
    }
    assert [p.pk for p in by_role.context["object_list"]] == [person.pk]


def test_staff_list_active_filter(hr_client, org_world):
    leaver = org_world["people"][org_world["team_a1"]][2]
    leaver.termination_date = datetime.date(2025, 6, 30)
    leaver.termination_reason = "voluntary"
    leaver.save()
    url = reverse("workforce_staffmember:index")

    active = hr_client.get(url, {"active": "true"}).context["object_list"]
    leavers = hr_client.get(url, {"active": "false"}).context["object_list"]

    assert leaver not in list(active)
    assert len(active) == 8
    assert list(leavers) == [leaver]


def test_filter_choices_come_from_own_organization_only(hr_client, org_world):
    response = hr_client.get(reverse("workforce_staffmember:index"))

    filters = response.context["filters"].form
    sites = {str(site) for site in filters.fields["site"].queryset}
    teams = set(filters.fields["team"].queryset)
    assert sites == {"Northside", "Southside"}
    assert org_world["other_team"] not in teams
    assert len(teams) == 3


def test_a_foreign_id_in_a_filter_shows_nothing_foreign(hr_client, org_world):
    response = hr_client.get(
        reverse("workforce_staffmember:index"), {"site": org_world["other_site"].pk}
    )

    organizations = {p.organization_id for p in response.context["object_list"]}
    assert organizations <= {org_world["org"].pk}


# --- Creating and editing ----------------------------------------------------------


def test_new_site_is_created_in_the_users_organization(hr_client, org_world):
    response = hr_client.post(
        reverse("workforce_site:add"), {"name": "Eastside", "slug": "eastside"}
    )

    assert response.status_code == 302
    assert Site.objects.get(name="Eastside").organization == org_world["org"]


def test_duplicate_site_name_is_a_form_error_not_a_crash(hr_client, org_world):
    response = hr_client.post(
        reverse("workforce_site:add"), {"name": "Northside", "slug": "north-2"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Site.objects.filter(organization=org_world["org"]).count() == 2


def test_a_name_used_by_another_organization_is_fine(hr_client, org_world):
    response = hr_client.post(
        reverse("workforce_site:add"), {"name": "Elsewhere", "slug": "elsewhere"}
    )

    assert response.status_code == 302
    assert Site.objects.filter(name="Elsewhere").count() == 2


def test_staff_form_offers_only_own_organization(hr_client, org_world):
    response = hr_client.get(reverse("workforce_staffmember:add"))

    assert _options(response, "site") == {"Northside", "Southside"}
    assert _options(response, "team") == {
        str(org_world[name]) for name in ("team_a1", "team_a2", "team_b1")
    }
    other_job_role = org_world["people"][org_world["other_team"]][0].job_role
    assert other_job_role.name not in _options(response, "job_role")


def test_a_foreign_team_is_refused(hr_client, org_world):
    response = hr_client.post(
        reverse("workforce_staffmember:add"),
        _staff_post(org_world, team=org_world["other_team"].pk),
    )

    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert not StaffMember.objects.filter(employee_id="N100").exists()


def test_new_staff_member_gets_a_first_team_spell(hr_client, org_world):
    response = hr_client.post(
        reverse("workforce_staffmember:add"), _staff_post(org_world)
    )

    assert response.status_code == 302
    person = StaffMember.objects.get(employee_id="N100")
    assert person.organization == org_world["org"]
    spell = person.memberships.get()
    assert spell.team == org_world["team_a1"]
    assert spell.start_date == datetime.date(2025, 3, 1)
    assert spell.end_date is None


def test_editing_staff_cannot_move_teams_behind_the_historys_back(hr_client, org_world):
    person = org_world["people"][org_world["team_a1"]][1]
    data = _staff_post(
        org_world,
        employee_id=person.employee_id,
        full_name="Renamed Person",
        team=org_world["team_a2"].pk,
        job_role=person.job_role_id,
    )

    response = hr_client.post(
        reverse("workforce_staffmember:edit", args=[person.pk]), data
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Renamed Person"
    assert person.team == org_world["team_a1"]
    assert person.memberships.get().team == org_world["team_a1"]


def test_organization_settings_are_editable(hr_client, org_world):
    org = org_world["org"]
    url = reverse("workforce_organization:edit", args=[org.pk])

    too_small = hr_client.post(
        url, {"name": "Brightsmile", "timezone": "Europe/London", "min_group_size": 2}
    )
    bad_zone = hr_client.post(
        url, {"name": "Brightsmile", "timezone": "Mars/Base", "min_group_size": 5}
    )
    good = hr_client.post(
        url,
        {
            "name": "Brightsmile Dental",
            "timezone": "Europe/London",
            "min_group_size": 3,
        },
    )

    assert "min_group_size" in too_small.context["form"].errors
    assert "timezone" in bad_zone.context["form"].errors
    assert good.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.timezone, org.min_group_size) == (
        "Brightsmile Dental",
        "Europe/London",
        3,
    )


def test_organizations_cannot_be_created_or_deleted_here(hr_client, org_world):
    add = hr_client.get(reverse("workforce_organization:add"))
    delete = hr_client.post(
        reverse("workforce_organization:delete", args=[org_world["org"].pk])
    )

    assert add.status_code == 302
    assert delete.status_code == 302
    assert delete["Location"] == reverse("wagtailadmin_home")
    assert Organization.objects.filter(pk=org_world["org"].pk).exists()


def test_team_history_is_read_only(hr_client, org_world):
    spell = org_world["people"][org_world["team_a1"]][0].memberships.get()

    inspect = hr_client.get(
        reverse("workforce_teammembership:inspect", args=[spell.pk])
    )
    edit = hr_client.post(
        reverse("workforce_teammembership:edit", args=[spell.pk]),
        {"start_date": "2020-01-01"},
    )

    assert inspect.status_code == 200
    assert edit.status_code == 302
    spell.refresh_from_db()
    assert spell.start_date == datetime.date(2024, 1, 15)


def test_deleting_a_site_in_use_is_refused(hr_client, org_world):
    site = org_world["site_a"]
    url = reverse("workforce_site:delete", args=[site.pk])
    # Wagtail fills its reference index after each commit; tests never commit.
    call_command("rebuild_references_index", stdout=io.StringIO())

    confirm = hr_client.get(url)
    response = hr_client.post(url)

    assert confirm.context["is_protected"]
    assert response.status_code == 302
    assert Site.objects.filter(pk=site.pk).exists()


def test_deleting_an_unused_job_role(hr_client, org_world):
    role = JobRoleFactory(organization=org_world["org"])

    response = hr_client.post(reverse("workforce_jobrole:delete", args=[role.pk]))

    assert response.status_code == 302
    assert not type(role).objects.filter(pk=role.pk).exists()


def test_a_site_whose_teams_hold_history_is_not_deleted(hr_client, org_world):
    # No one works at the site any more, but its team history remains.
    site = SiteFactory(organization=org_world["org"])
    team = org_world["team_a1"].__class__.objects.create(
        site=site, name="Old team", slug="old-team"
    )
    person = org_world["people"][org_world["team_a2"]][0]
    TeamMembership.objects.create(
        staff_member=person,
        team=team,
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2023, 12, 31),
    )

    response = hr_client.post(
        reverse("workforce_site:delete", args=[site.pk]), follow=True
    )

    assert response.status_code == 200
    assert Site.objects.filter(pk=site.pk).exists()
    assert b"still in use" in response.content


# --- Logins of the organization ------------------------------------------------------


def _user_post(**overrides):
    data = {
        "username": "newlead",
        "first_name": "New",
        "last_name": "Lead",
        "email": "newlead@example.com",
        "is_active": "on",
        "role": Role.TEAM_LEAD,
        "new_password": "a-long-enough-password",
        "new_password_again": "a-long-enough-password",
    }
    data.update(overrides)
    return data


def test_hr_creates_a_login_in_their_organization(hr_client, org_world):
    response = hr_client.post(
        reverse("workforce_user:add"),
        _user_post(
            led_teams=[org_world["team_a1"].pk], is_superuser="on", is_staff="on"
        ),
    )

    assert response.status_code == 302
    user = User.objects.get(username="newlead")
    assert user.organization == org_world["org"]
    assert user.role == Role.TEAM_LEAD
    assert list(user.led_teams.all()) == [org_world["team_a1"]]
    assert user.check_password("a-long-enough-password")
    assert not user.is_superuser
    assert not user.is_staff


def test_a_new_login_needs_a_matching_valid_password(hr_client, org_world):
    missing = hr_client.post(
        reverse("workforce_user:add"),
        _user_post(new_password="", new_password_again=""),
    )
    different = hr_client.post(
        reverse("workforce_user:add"), _user_post(new_password_again="another-one-x")
    )
    weak = hr_client.post(
        reverse("workforce_user:add"),
        _user_post(new_password="newlead", new_password_again="newlead"),
    )

    assert "new_password" in missing.context["form"].errors
    assert "new_password_again" in different.context["form"].errors
    assert "new_password" in weak.context["form"].errors
    assert not User.objects.filter(username="newlead").exists()


def test_login_form_offers_only_own_organization(hr_client, org_world):
    linked = org_world["users"][Role.STAFF].staff_member

    response = hr_client.get(reverse("workforce_user:add"))

    form = response.context["form"]
    assert set(form.fields["managed_sites"].queryset) == {
        org_world["site_a"],
        org_world["site_b"],
    }
    assert org_world["other_team"] not in set(form.fields["led_teams"].queryset)
    people = set(form.fields["staff_member"].queryset)
    assert linked not in people
    assert not {p for p in people if p.organization_id != org_world["org"].pk}


def test_a_foreign_site_cannot_be_managed(hr_client, org_world):
    response = hr_client.post(
        reverse("workforce_user:add"),
        _user_post(role=Role.SITE_MANAGER, managed_sites=[org_world["other_site"].pk]),
    )

    assert "managed_sites" in response.context["form"].errors


def test_hr_cannot_make_or_touch_an_owner(hr_client, org_world):
    owner = org_world["users"][Role.OWNER]

    add = hr_client.get(reverse("workforce_user:add"))
    promote = hr_client.post(reverse("workforce_user:add"), _user_post(role=Role.OWNER))
    edit_owner = hr_client.get(reverse("workforce_user:edit", args=[owner.pk]))

    assert Role.OWNER not in {
        value for value, _ in add.context["form"].fields["role"].choices
    }
    assert "role" in promote.context["form"].errors
    assert edit_owner.status_code == 404


def test_an_owner_may_make_an_owner(owner_client, org_world):
    response = owner_client.post(
        reverse("workforce_user:add"), _user_post(role=Role.OWNER)
    )

    assert response.status_code == 302
    assert User.objects.get(username="newlead").role == Role.OWNER


def test_editing_a_login_keeps_the_password_unless_given(hr_client, org_world):
    lead = org_world["users"][Role.TEAM_LEAD]
    data = _user_post(
        username=lead.username, new_password="", new_password_again="", is_active=""
    )

    response = hr_client.post(reverse("workforce_user:edit", args=[lead.pk]), data)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.check_password("correct-horse-battery")
    assert not lead.is_active


def test_nobody_deletes_their_own_login(hr_client, org_world):
    hr = org_world["users"][Role.HR]

    response = hr_client.post(reverse("workforce_user:delete", args=[hr.pk]))

    assert response.status_code == 302
    assert User.objects.filter(pk=hr.pk).exists()


def test_superusers_are_not_listed_among_the_organizations_logins(hr_client, org_world):
    root = UserFactory(organization=org_world["org"], is_superuser=True)

    listing = hr_client.get(reverse("workforce_user:index"))
    edit = hr_client.get(reverse("workforce_user:edit", args=[root.pk]))

    assert root not in list(listing.context["object_list"])
    assert edit.status_code == 404
