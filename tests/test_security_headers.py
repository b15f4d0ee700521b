"""Security headers on every kind of page, and HSTS in production settings."""

import hashlib
import importlib
import re
from base64 import b64encode

import pytest
from django.conf import settings
from django.urls import reverse

from reports import charts
from reports.patients.capture import capture_point_create
from workforce.models import Role


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def _assert_strict(response):
    csp = _directives(response)
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["style-src-elem"]
    assert response["X-Content-Type-Options"] == "nosniff"
    # Survey pages send none at all (their paths carry codes); the rest same-origin.
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_staff_page(client, org_world):
    client.force_login(org_world["users"][Role.STAFF])
    response = client.get(reverse("training:mine"))
    assert response.status_code == 200
    _assert_strict(response)


def test_manager_page(client, org_world):
    client.force_login(org_world["users"][Role.SITE_MANAGER])
    response = client.get(reverse("workforce:site_list"))
    assert response.status_code == 200
    _assert_strict(response)


def test_patient_page(client, org_world):
    point = capture_point_create(site=org_world["site_a"], team=org_world["team_a1"])
    response = client.get(reverse("patient:capture", kwargs={"token": point.token}))
    assert response.status_code == 200
    _assert_strict(response)


@pytest.mark.parametrize("name", ["login", "surveys:code_entry"])
def test_sign_in_and_survey_code_pages(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_strict(response)


def test_the_mfa_pages(client, org_world):
    owner = org_world["users"][Role.OWNER]
    client.post(
        reverse("login"),
        {"username": owner.username, "password": "correct-horse-battery"},
    )
    response = client.get(reverse("workforce:mfa_setup"))
    assert response.status_code == 200
    _assert_strict(response)


def test_the_wagtail_admin_is_relaxed_only_where_it_must_be(client, org_world):
    client.force_login(org_world["users"][Role.OWNER])
    response = client.get(reverse("wagtailadmin_home"))
    csp = _directives(response)
    assert response.status_code == 200
    assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
    # Still no plugins, no <base> rewriting, no framing by other sites.
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]


def test_the_chart_style_hash_matches_what_matplotlib_writes():
    chart = charts.bar_chart(title="t", alt="a", categories=["a", "b"], values=[1, 2])
    styles = re.findall(r"<style[^>]*>(.*?)</style>", chart.svg, re.S)
    hashes = {
        f"'sha256-{b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in styles
    }
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-elem"]
    assert styles, "matplotlib no longer writes a <style>: drop the hash"
    assert hashes <= set(allowed), "update _MATPLOTLIB_SVG_STYLE in settings"


def test_production_settings_set_hsts_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 60)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "flywheel.example.com")
    production = importlib.import_module("config.settings.production")
    production = importlib.reload(production)

    assert production.SECURE_HSTS_SECONDS >= 60 * 60 * 24 * 365
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert production.SECURE_HSTS_PRELOAD is True
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    csp = production.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
