"""Resetting someone's second factor after a lost phone (workforce/mfa).

Owners reset their organization's logins, superusers anyone's; the reset
removes the authenticator and backup codes, is written to the audit log, and
the person enrols again at their next sign-in.
"""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from workforce.mfa.services import backup_codes_issue
from workforce.models import AuditEvent, Role

PASSWORD = "correct-horse-battery"


def _enrol(user):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    backup_codes_issue(user=user)


def _confirm_url(user):
    return reverse("workforce:mfa_reset_confirm", args=[user.pk])


@pytest.fixture
def enrolled_hr(org_world):
    hr = org_world["users"][Role.HR]
    _enrol(hr)
    return hr


def test_an_owner_resets_a_login_of_their_organization(client, org_world, enrolled_hr):
    owner = org_world["users"][Role.OWNER]
    _enrol(owner)
    client.force_login(owner)

    listing = client.get(reverse("workforce:mfa_reset_list"))
    confirm = client.get(_confirm_url(enrolled_hr))
    # Looking at the confirmation page changes nothing.
    assert TOTPDevice.objects.filter(user=enrolled_hr).exists()
    done = client.post(_confirm_url(enrolled_hr), follow=True)

    assert listing.status_code == 200
    assert _confirm_url(enrolled_hr) in listing.content.decode()
    # Not their own: that would let a stolen session swap the phone.
    assert _confirm_url(owner) not in listing.content.decode()
    assert confirm.status_code == 200
    assert enrolled_hr.username in confirm.content.decode()
    assert done.redirect_chain[-1][0] == reverse("workforce:mfa_reset_list")
    assert "Two-step sign-in reset" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=enrolled_hr).exists()
    assert not StaticDevice.objects.filter(user=enrolled_hr).exists()
    assert not StaticToken.objects.filter(device__user=enrolled_hr).exists()
    # Nobody else's devices are touched.
    assert TOTPDevice.objects.filter(user=owner).count() == 1
    assert StaticToken.objects.filter(device__user=owner).count() == 10
    event = AuditEvent.objects.get()
    assert (event.organization, event.actor, event.action, event.target) == (
        org_world["org"],
        owner,
        AuditEvent.Action.MFA_RESET,
        f"User {enrolled_hr.username}",
    )
    assert event.detail == {
        "authenticators_removed": 1,
        "unused_backup_codes_removed": 10,
    }


def test_after_a_reset_the_person_enrols_again_at_sign_in(
    client, org_world, enrolled_hr
):
    enrolled_hr.set_password(PASSWORD)
    enrolled_hr.save()
    owner_client = client.__class__()
    owner_client.force_login(org_world["users"][Role.OWNER])
    owner_client.post(_confirm_url(enrolled_hr))

    signed_in = client.post(
        reverse("login"), {"username": enrolled_hr.username, "password": PASSWORD}
    )
    page = client.get(reverse("home"))

    assert signed_in.status_code == 302
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("workforce:mfa_setup"))


def test_an_open_session_of_the_person_stops_counting_as_verified(
    client, org_world, enrolled_hr
):
    client.force_login(enrolled_hr)
    assert client.get(reverse("home")).status_code == 200
    owner_client = client.__class__()
    owner_client.force_login(org_world["users"][Role.OWNER])

    owner_client.post(_confirm_url(enrolled_hr))

    page = client.get(reverse("home"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("workforce:mfa_setup"))


def test_an_owner_cannot_reach_another_organizations_logins(client, org_world):
    other = UserFactory(organization=org_world["other_org"], role=Role.HR)
    _enrol(other)
    client.force_login(org_world["users"][Role.OWNER])

    assert client.get(_confirm_url(other)).status_code == 404
    assert client.post(_confirm_url(other)).status_code == 404
    assert (
        other.username
        not in client.get(reverse("workforce:mfa_reset_list")).content.decode()
    )
    assert TOTPDevice.objects.filter(user=other).exists()
    assert not AuditEvent.objects.exists()


def test_an_owner_cannot_reset_their_own_or_a_superusers(client, org_world):
    owner = org_world["users"][Role.OWNER]
    superuser = UserFactory(
        organization=org_world["org"], is_superuser=True, role=Role.STAFF
    )
    client.force_login(owner)

    assert client.post(_confirm_url(owner)).status_code == 404
    assert client.post(_confirm_url(superuser)).status_code == 404


@pytest.mark.parametrize(
    "role", [Role.HR, Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF]
)
def test_other_roles_cannot_reset_at_all(client, org_world, role):
    # Someone else in their own organization, with a second factor set up.
    target = org_world["users"][Role.TEAM_LEAD if role != Role.TEAM_LEAD else Role.HR]
    _enrol(target)
    client.force_login(org_world["users"][role])

    assert client.get(reverse("workforce:mfa_reset_list")).status_code == 403
    assert client.get(_confirm_url(target)).status_code == 403
    assert client.post(_confirm_url(target)).status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()
    assert not AuditEvent.objects.exists()


def test_visitors_are_sent_to_sign_in(client, enrolled_hr):
    response = client.post(_confirm_url(enrolled_hr))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert TOTPDevice.objects.filter(user=enrolled_hr).exists()


def test_a_superuser_resets_any_organizations_login(client, org_world):
    other = UserFactory(organization=org_world["other_org"], role=Role.OWNER)
    _enrol(other)
    client.force_login(UserFactory(is_superuser=True, organization=None))

    listing = client.get(reverse("workforce:mfa_reset_list"))
    response = client.post(_confirm_url(other))

    assert _confirm_url(other) in listing.content.decode()
    assert org_world["other_org"].name in listing.content.decode()
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=other).exists()
    event = AuditEvent.objects.get()
    assert (event.organization, event.action) == (
        org_world["other_org"],
        AuditEvent.Action.MFA_RESET,
    )


def test_the_back_office_user_screen_links_the_reset_for_owners_only(
    client, org_world, enrolled_hr
):
    edit_url = reverse("workforce_user:edit", args=[enrolled_hr.pk])
    site_manager = org_world["users"][Role.SITE_MANAGER]
    client.force_login(org_world["users"][Role.OWNER])
    as_owner = client.get(edit_url).content.decode()
    client.force_login(org_world["users"][Role.HR])
    as_hr = client.get(
        reverse("workforce_user:edit", args=[site_manager.pk])
    ).content.decode()

    assert _confirm_url(enrolled_hr) in as_owner
    assert _confirm_url(site_manager) not in as_hr


def test_the_audit_log_links_the_reset_page(client, org_world):
    client.force_login(org_world["users"][Role.OWNER])

    page = client.get(reverse("workforce:audit_log")).content.decode()

    assert reverse("workforce:mfa_reset_list") in page
