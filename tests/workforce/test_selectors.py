"""The scoping rule in workforce/selectors.py, role by role."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import UserFactory
from workforce import selectors
from workforce.models import Role


def _names(world, *keys):
    return {world[key] for key in keys}


def _people(world, *teams):
    return {person for team in teams for person in world["people"][world[team]]}


def test_owner_and_hr_see_their_whole_organization(org_world):
    for role in (Role.OWNER, Role.HR):
        user = org_world["users"][role]

        assert list(selectors.visible_organizations(user)) == [org_world["org"]]
        assert set(selectors.visible_sites(user)) == _names(
            org_world, "site_a", "site_b"
        )
        assert set(selectors.visible_teams(user)) == _names(
            org_world, "team_a1", "team_a2", "team_b1"
        )
        assert set(selectors.visible_staff(user)) == _people(
            org_world, "team_a1", "team_a2", "team_b1"
        )
        job_roles = set(selectors.visible_job_roles(user))
        assert {p.job_role for p in _people(org_world, "team_a1")} <= job_roles
        assert all(r.organization_id == org_world["org"].pk for r in job_roles)
        assert selectors.can_manage_organization(user)


def test_site_manager_sees_the_sites_they_manage(org_world):
    user = org_world["users"][Role.SITE_MANAGER]

    assert set(selectors.visible_sites(user)) == _names(org_world, "site_a")
    assert set(selectors.visible_teams(user)) == _names(org_world, "team_a1", "team_a2")
    assert set(selectors.visible_staff(user)) == _people(
        org_world, "team_a1", "team_a2"
    )
    assert not selectors.can_manage_organization(user)


def test_team_lead_sees_the_teams_they_lead(org_world):
    user = org_world["users"][Role.TEAM_LEAD]

    assert set(selectors.visible_sites(user)) == _names(org_world, "site_a")
    assert set(selectors.visible_teams(user)) == _names(org_world, "team_a1")
    assert set(selectors.visible_staff(user)) == _people(org_world, "team_a1")
    assert not selectors.can_manage_organization(user)


def test_team_lead_of_two_teams_at_one_site_sees_that_site_once(org_world):
    user = org_world["users"][Role.TEAM_LEAD]
    user.led_teams.add(org_world["team_a2"])

    assert list(selectors.visible_sites(user)) == [org_world["site_a"]]


def test_staff_see_no_one_elses_records(org_world):
    user = org_world["users"][Role.STAFF]

    assert list(selectors.visible_organizations(user)) == [org_world["org"]]
    assert not selectors.visible_sites(user).exists()
    assert not selectors.visible_teams(user).exists()
    assert not selectors.visible_staff(user).exists()
    assert not selectors.visible_job_roles(user).exists()
    assert not selectors.can_manage_organization(user)


def test_a_site_in_another_organization_does_not_leak_through_managed_sites(
    org_world,
):
    # Data that should never exist, but must not widen anyone's view if it does.
    user = org_world["users"][Role.SITE_MANAGER]
    user.managed_sites.add(org_world["other_site"])
    lead = org_world["users"][Role.TEAM_LEAD]
    lead.led_teams.add(org_world["other_team"])

    assert org_world["other_site"] not in set(selectors.visible_sites(user))
    assert org_world["other_team"] not in set(selectors.visible_teams(lead))
    assert not (set(selectors.visible_staff(lead)) & _people(org_world, "other_team"))


@pytest.mark.parametrize("role", list(Role))
def test_inactive_users_see_nothing(org_world, role):
    user = org_world["users"][role]
    user.is_active = False
    user.save()

    assert not selectors.visible_organizations(user).exists()
    assert not selectors.visible_sites(user).exists()
    assert not selectors.visible_teams(user).exists()
    assert not selectors.visible_staff(user).exists()
    assert not selectors.visible_job_roles(user).exists()
    assert not selectors.can_manage_organization(user)


@pytest.mark.parametrize("role", list(Role))
def test_users_without_an_organization_see_nothing(org_world, role):
    user = UserFactory(organization=None, role=role)

    assert not selectors.visible_organizations(user).exists()
    assert not selectors.visible_sites(user).exists()
    assert not selectors.visible_teams(user).exists()
    assert not selectors.visible_staff(user).exists()
    assert not selectors.visible_job_roles(user).exists()
    assert not selectors.can_manage_organization(user)


def test_superuser_without_an_organization_sees_nothing(org_world):
    user = UserFactory(organization=None, role=Role.OWNER, is_superuser=True)

    assert not selectors.visible_staff(user).exists()
    assert not selectors.can_manage_organization(user)


def test_anonymous_and_missing_users_see_nothing(org_world):
    for user in (AnonymousUser(), None):
        assert not selectors.visible_organizations(user).exists()
        assert not selectors.visible_sites(user).exists()
        assert not selectors.visible_teams(user).exists()
        assert not selectors.visible_staff(user).exists()
        assert not selectors.visible_job_roles(user).exists()
        assert not selectors.can_manage_organization(user)


def test_the_other_organizations_owner_sees_only_their_own(org_world):
    user = UserFactory(organization=org_world["other_org"], role=Role.OWNER)

    assert set(selectors.visible_sites(user)) == _names(org_world, "other_site")
    assert set(selectors.visible_staff(user)) == _people(org_world, "other_team")
