import pytest

from tests.factories import UserFactory
from workforce.auth_backends import RolePermissionBackend
from workforce.models import Role

ACCESS_ADMIN = "wagtailadmin.access_admin"


@pytest.mark.parametrize("role", [Role.OWNER, Role.HR])
def test_owner_and_hr_get_the_back_office(org_world, role):
    user = org_world["users"][role]

    assert user.has_perm(ACCESS_ADMIN)
    for action in ("add", "change", "delete", "view"):
        assert user.has_perm(f"workforce.{action}_staffmember")
        assert user.has_perm(f"workforce.{action}_site")
    assert user.has_perm("workforce.change_organization")
    assert user.has_module_perms("workforce")


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF])
def test_other_roles_get_no_admin_access(org_world, role):
    user = org_world["users"][role]

    assert not user.has_perm(ACCESS_ADMIN)
    assert not user.has_perm("workforce.view_staffmember")
    assert user.get_all_permissions() == set()
    assert not user.has_module_perms("workforce")


def test_hr_cannot_create_or_delete_organizations(org_world):
    hr = org_world["users"][Role.HR]

    assert not hr.has_perm("workforce.add_organization")
    assert not hr.has_perm("workforce.delete_organization")


def test_membership_history_is_read_only(org_world):
    hr = org_world["users"][Role.HR]

    assert hr.has_perm("workforce.view_teammembership")
    assert not hr.has_perm("workforce.change_teammembership")


def test_no_permission_opens_wagtails_own_user_or_group_admin(org_world):
    hr = org_world["users"][Role.HR]

    for perm in (
        "workforce.add_user",
        "workforce.change_user",
        "auth.add_group",
        "auth.change_group",
        "wagtailcore.add_page",
        "wagtailimages.add_image",
    ):
        assert not hr.has_perm(perm), perm


def test_object_permissions_stop_at_the_organization(org_world):
    hr = org_world["users"][Role.HR]
    backend = RolePermissionBackend()

    assert backend.has_perm(hr, "workforce.change_site", org_world["site_a"])
    assert backend.has_perm(hr, "workforce.change_team", org_world["team_b1"])
    assert backend.has_perm(hr, "workforce.change_organization", org_world["org"])
    assert not backend.has_perm(hr, "workforce.change_site", org_world["other_site"])
    assert not backend.has_perm(hr, "workforce.change_team", org_world["other_team"])
    assert not backend.has_perm(
        hr, "workforce.change_organization", org_world["other_org"]
    )
    membership = org_world["people"][org_world["other_team"]][0].memberships.get()
    assert not backend.has_perm(hr, "workforce.view_teammembership", membership)


def test_inactive_or_unattached_owners_get_nothing(db):
    inactive = UserFactory(role=Role.OWNER, is_active=False)
    unattached = UserFactory(role=Role.OWNER, organization=None)
    backend = RolePermissionBackend()

    assert backend.get_all_permissions(inactive) == set()
    assert backend.get_all_permissions(unattached) == set()
    assert not unattached.has_perm(ACCESS_ADMIN)


def test_the_backend_authenticates_no_one(org_world):
    backend = RolePermissionBackend()

    assert backend.authenticate(None, username="x", password="y") is None
