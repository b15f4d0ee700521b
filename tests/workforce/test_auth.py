"""Sign-in through the real login view: per-username lockout and password hashing."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from config.settings import base
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


def _sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def _fail(client, username, times):
    for _ in range(times):
        response = _sign_in(client, username, "wrong-password")
    return response


def _is_locked_out(response):
    return response.status_code == 429 and b"Too many failed sign-ins" in (
        response.content
    )


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def test_a_wrong_password_shows_the_form_again(client, alice):
    response = _sign_in(client, "alice", "wrong-password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in(client, alice):
    response = _sign_in(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_failures_up_to_the_limit_lock_that_username(client, alice):
    assert settings.AXES_FAILURE_LIMIT == 5
    _fail(client, "alice", settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in(client, "alice", "wrong-password").status_code == 429

    # Even the right password shows the locked-out page now.
    response = _sign_in(client, "alice", PASSWORD)

    assert _is_locked_out(response)
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, alice):
    _fail(client, "alice", settings.AXES_FAILURE_LIMIT - 1)

    response = _sign_in(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_another_username_from_the_same_address_still_signs_in(client, alice, bob):
    # The test client sends every request from 127.0.0.1: one clinic, one IP.
    _fail(client, "alice", settings.AXES_FAILURE_LIMIT)
    assert _is_locked_out(_sign_in(client, "alice", PASSWORD))

    response = _sign_in(client, "bob", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_a_success_resets_the_failure_count(client, alice):
    _fail(client, "alice", settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in(client, "alice", PASSWORD).status_code == 302
    client.logout()

    _fail(client, "alice", settings.AXES_FAILURE_LIMIT - 1)
    response = _sign_in(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_lockout_page_renders_with_the_site_layout(client, alice):
    response = _fail(client, "alice", settings.AXES_FAILURE_LIMIT)

    assert _is_locked_out(response)
    templates = [t.name for t in response.templates]
    assert settings.AXES_LOCKOUT_TEMPLATE in templates
    assert "base.html" in templates
    assert b'role="alert"' in response.content


def test_the_back_office_sign_in_is_locked_too(client, alice):
    _fail(client, "alice", settings.AXES_FAILURE_LIMIT)

    response = client.post(
        reverse("wagtailadmin_login"), {"username": "alice", "password": PASSWORD}
    )

    assert _is_locked_out(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_passwords_are_stored_as_argon2_with_the_production_hashers():
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        user = UserFactory(password="a-long-enough-password")

        assert user.password.startswith("argon2$")
        assert user.check_password("a-long-enough-password")
        assert not user.check_password("another-password")
