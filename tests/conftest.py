import os
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django_ratelimit import core as ratelimit_core

from tests.factories import (
    OrganizationFactory,
    SiteFactory,
    StaffMemberFactory,
    TeamFactory,
    UserFactory,
)
from workforce.models import Role


@pytest.fixture(autouse=True)
def _clear_cache(monkeypatch):
    """Rate limits and lockouts live in the cache; no test sees another's.

    django-ratelimit counts in fixed clock windows; a test that crossed a
    window edge would see its count restart, so each test runs in one window.
    """
    frozen = int(time.time())
    monkeypatch.setattr(ratelimit_core, "time", SimpleNamespace(time=lambda: frozen))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """``client.force_login(user)`` gives a session that has passed MFA too.

    Owner, HR, site manager and team lead accounts need a second factor on every
    page (workforce/mfa). Tests that are not about signing in use force_login,
    so it also confirms a TOTP device for the user and marks the session as
    verified with it, exactly as ``django_otp.login`` does after a right code.
    Browser tests that copy the session cookie get the same. Every user gets
    this, so a test that changes a user's role after signing in still works.
    tests/workforce/test_mfa.py signs in through the real forms instead.
    """
    original = Client.force_login

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        original(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name="test force_login", confirmed=True
            )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def org_world(db):
    """Two organizations; the first has two sites, each with two teams and staff.

    Returns a dict with the objects and one user per role scoped to site A /
    team A1 so tests can probe what each role may and may not reach.
    """
    org = OrganizationFactory(name="Brightsmile", slug="brightsmile")
    other_org = OrganizationFactory(name="Other Group", slug="other")
    site_a = SiteFactory(organization=org, name="Northside", slug="northside")
    site_b = SiteFactory(organization=org, name="Southside", slug="southside")
    team_a1 = TeamFactory(site=site_a, name="Front desk", slug="front-desk")
    team_a2 = TeamFactory(site=site_a, name="Hygiene", slug="hygiene")
    team_b1 = TeamFactory(site=site_b, name="Front desk", slug="front-desk")
    other_site = SiteFactory(organization=other_org, name="Elsewhere")
    other_team = TeamFactory(site=other_site, name="Front desk")
    people = {
        team: [StaffMemberFactory(team=team) for _ in range(3)]
        for team in (team_a1, team_a2, team_b1, other_team)
    }
    users = {
        Role.OWNER: UserFactory(organization=org, role=Role.OWNER),
        Role.HR: UserFactory(organization=org, role=Role.HR),
        Role.SITE_MANAGER: UserFactory(
            organization=org, role=Role.SITE_MANAGER, managed_sites=[site_a]
        ),
        Role.TEAM_LEAD: UserFactory(
            organization=org, role=Role.TEAM_LEAD, led_teams=[team_a1]
        ),
        Role.STAFF: UserFactory(
            organization=org, role=Role.STAFF, staff_member=people[team_a1][0]
        ),
    }
    return {
        "org": org,
        "other_org": other_org,
        "site_a": site_a,
        "site_b": site_b,
        "team_a1": team_a1,
        "team_a2": team_a2,
        "team_b1": team_b1,
        "other_site": other_site,
        "other_team": other_team,
        "people": people,
        "users": users,
    }


@pytest.fixture
def celery_live_worker(transactional_db):
    """A real Celery worker on the Redis broker; skipped when REDIS_URL is unset."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: no real broker to test against")
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, pool="solo") as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
