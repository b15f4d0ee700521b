"""The second sign-in factor, through the real login form (never force_login).

Owner, HR, site manager and team lead need a TOTP code before any page, the
Wagtail admin included; staff do not. Codes are computed from the device key
with django-otp's own TOTP, the way an authenticator app does.
"""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from workforce.mfa.services import BACKUP_CODE_COUNT
from workforce.models import Role

PASSWORD = "correct-horse-battery"
MFA_ROLES = [Role.OWNER, Role.HR, Role.SITE_MANAGER, Role.TEAM_LEAD]


def _sign_in(client, user, next_url=None):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("login"), data)
    assert response.status_code == 302, "the password step failed"
    return response


def _code(device, steps_ahead=0):
    """The code an authenticator app shows now (or ``steps_ahead`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _device_for(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _protected_urls(world, role):
    urls = [
        reverse("home"),
        reverse("workforce:site_list"),
        reverse("wagtailadmin_home"),
    ]
    urls.append(reverse("workforce:team_detail", args=[world["team_a1"].pk]))
    if role in (Role.OWNER, Role.HR):
        urls.append(reverse("workforce:roster_import"))
    return urls


@pytest.mark.parametrize("role", MFA_ROLES)
def test_without_the_second_factor_every_page_sends_to_the_code_step(
    client, org_world, role
):
    user = org_world["users"][role]
    _device_for(user)
    _sign_in(client, user)

    for url in _protected_urls(org_world, role):
        response = client.get(url)
        assert response.status_code == 302, url
        location = urlsplit(response["Location"])
        assert location.path == reverse("workforce:mfa_verify"), url
        assert parse_qs(location.query)["next"] == [url]
    # POSTs are stopped the same way, before the view runs.
    response = client.post(reverse("workforce:roster_import"), {})
    assert urlsplit(response["Location"]).path == reverse("workforce:mfa_verify")


@pytest.mark.parametrize("role", MFA_ROLES)
def test_without_a_device_every_page_sends_to_enrolment(client, org_world, role):
    user = org_world["users"][role]
    _sign_in(client, user)

    for url in _protected_urls(org_world, role):
        response = client.get(url)
        assert urlsplit(response["Location"]).path == reverse("workforce:mfa_setup")


def test_the_wagtail_admin_login_also_needs_the_second_factor(client, org_world):
    owner = org_world["users"][Role.OWNER]
    _device_for(owner)

    client.post(
        reverse("wagtailadmin_login"),
        {"username": owner.username, "password": PASSWORD},
    )
    response = client.get(reverse("wagtailadmin_home"))

    assert "_auth_user_id" in client.session
    assert urlsplit(response["Location"]).path == reverse("workforce:mfa_verify")


def test_a_wrong_code_is_refused_and_the_right_one_lets_in(client, org_world):
    hr = org_world["users"][Role.HR]
    device = _device_for(hr)
    _sign_in(client, hr, next_url=reverse("workforce:site_list"))
    verify = reverse("workforce:mfa_verify")
    right = _code(device)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    refused = client.post(verify, {"code": wrong})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert client.get(reverse("workforce:site_list")).status_code == 302

    # django-otp throttles after a wrong code (1 s here); wait it out.
    device.refresh_from_db()
    device.throttle_reset()
    accepted = client.post(
        verify, {"code": right, "next": reverse("workforce:site_list")}
    )

    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("workforce:site_list")
    assert client.get(reverse("workforce:site_list")).status_code == 200
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_repeated_wrong_codes_lock_even_the_right_code_out(client, org_world):
    owner = org_world["users"][Role.OWNER]
    device = _device_for(owner)
    _sign_in(client, owner)
    verify = reverse("workforce:mfa_verify")

    client.post(verify, {"code": "000000" if _code(device) != "000000" else "111111"})
    locked = client.post(verify, {"code": _code(device)})

    assert "Too many wrong codes" in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_code_cannot_be_replayed(client, org_world):
    lead = org_world["users"][Role.TEAM_LEAD]
    device = _device_for(lead)
    code = _code(device)
    _sign_in(client, lead)
    assert (
        client.post(reverse("workforce:mfa_verify"), {"code": code}).status_code == 302
    )
    client.post(reverse("logout"))

    _sign_in(client, lead)
    replay = client.post(reverse("workforce:mfa_verify"), {"code": code})

    assert replay.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_enrolment_end_to_end(client, org_world):
    manager = org_world["users"][Role.SITE_MANAGER]
    target = reverse("workforce:site_detail", args=[org_world["site_a"].pk])
    _sign_in(client, manager, next_url=target)
    to_setup = client.get(target)
    setup_url = to_setup["Location"]

    page = client.get(setup_url)
    body = page.content.decode()
    device = TOTPDevice.objects.get(user=manager)
    assert not device.confirmed
    assert "<svg" in body and 'role="img"' in body
    secret = re.search(r'<p class="secret"[^>]*>([A-Z2-7 ]+)</p>', body).group(1)
    assert secret.replace(" ", "") in device.config_url
    # A reload keeps the same secret (the app may already have scanned it).
    assert client.get(setup_url).content.decode().count(secret) == 1
    assert TOTPDevice.objects.filter(user=manager).count() == 1

    wrong = client.post(setup_url, {"code": "12345", "next": target})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    confirmed = client.post(setup_url, {"code": _code(device), "next": target})

    assert urlsplit(confirmed["Location"]).path == reverse("workforce:mfa_backup_codes")
    codes_page = client.get(confirmed["Location"]).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page)
    assert len(codes) == BACKUP_CODE_COUNT
    assert f'href="{target}"' in codes_page
    stored = StaticDevice.objects.get(user=manager).token_set.values_list(
        "token", flat=True
    )
    assert sorted(stored) == sorted(codes)
    # Shown once: a second visit does not show them again.
    assert not set(codes) & set(
        re.findall(
            r"<li>([a-z2-7]{8})</li>",
            client.get(confirmed["Location"]).content.decode(),
        )
    )
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(target).status_code == 200
    # Once confirmed, the enrolment page cannot swap in another phone.
    assert urlsplit(client.get(reverse("workforce:mfa_setup"))["Location"]).path in (
        "/",
        reverse("home"),
    )


def test_a_confirmed_user_cannot_enrol_again_before_the_code_step(client, org_world):
    owner = org_world["users"][Role.OWNER]
    device = _device_for(owner)
    _sign_in(client, owner)

    response = client.get(reverse("workforce:mfa_setup"))

    assert urlsplit(response["Location"]).path == reverse("workforce:mfa_verify")
    assert list(TOTPDevice.objects.filter(user=owner)) == [device]


def test_a_backup_code_works_once(client, org_world):
    owner = org_world["users"][Role.OWNER]
    _device_for(owner)
    from workforce.mfa.services import backup_codes_issue

    codes = backup_codes_issue(user=owner)
    _sign_in(client, owner)

    first = client.post(reverse("workforce:mfa_verify"), {"code": codes[0].upper()})
    assert first.status_code == 302
    assert client.get(reverse("workforce:site_list")).status_code == 200
    client.post(reverse("logout"))

    _sign_in(client, owner)
    again = client.post(reverse("workforce:mfa_verify"), {"code": codes[0]})

    assert again.status_code == 200
    assert "That code is not right" in again.content.decode()
    assert client.get(reverse("workforce:site_list")).status_code == 302
    assert (
        StaticDevice.objects.get(user=owner).token_set.count() == BACKUP_CODE_COUNT - 1
    )


def test_staff_need_no_second_factor(client, org_world):
    staff = org_world["users"][Role.STAFF]
    _sign_in(client, staff)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("training:mine")).status_code == 200
    assert not TOTPDevice.objects.filter(user=staff).exists()


@pytest.mark.parametrize("role", MFA_ROLES)
def test_anonymous_survey_and_patient_pages_stay_open_mid_sign_in(
    client, org_world, role
):
    _sign_in(client, org_world["users"][role])

    assert client.get(reverse("surveys:code_entry")).status_code == 200
    assert client.get(reverse("workforce:mfa_setup")).status_code == 200
    logout = client.post(reverse("logout"))
    assert logout.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_superuser_also_needs_the_second_factor(client, db):
    admin = UserFactory(is_superuser=True, is_staff=True)
    _sign_in(client, admin)

    response = client.get(reverse("wagtailadmin_home"))

    assert urlsplit(response["Location"]).path == reverse("workforce:mfa_setup")


def test_next_never_leaves_the_site(client, org_world):
    owner = org_world["users"][Role.OWNER]
    device = _device_for(owner)
    _sign_in(client, owner)

    response = client.post(
        reverse("workforce:mfa_verify"),
        {"code": _code(device), "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("home")
