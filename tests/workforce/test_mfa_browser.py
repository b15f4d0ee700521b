"""Two-step sign-in in real headless Chromium at phone width, and the CSP in use.

Signs in through the real forms, enrols from the page (reading the secret the
page shows, as a person typing it into an app would), checks each page with
axe, and fails on any Content-Security-Policy violation the browser reports on
our pages and in the Wagtail admin.
"""

import re
import time
from base64 import b32decode
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from reports.patients.capture import capture_point_create
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from workforce.models import Role

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


def _code_for(secret):
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def _check(page, artifact):
    assert page.locator("h1").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / artifact), full_page=True)
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page)
    assert violations.violations_count == 0, violations.generate_report()


def test_enrolment_at_phone_width_without_csp_violations(
    transactional_db, live_server, org_world
):
    from playwright.sync_api import sync_playwright

    owner = org_world["users"][Role.OWNER]
    point = capture_point_create(site=org_world["site_a"], team=org_world["team_a1"])
    ARTIFACTS.mkdir(exist_ok=True)
    csp_errors = []
    client = Client()
    client.force_login(org_world["users"][Role.HR])
    hr_session = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_errors.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", owner.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit] >> text=Sign in")
        page.wait_for_url(re.compile(r"/workforce/account/two-factor/setup/"))
        _check(page, "mfa-setup-360.png")
        assert page.locator(".qr svg").count() == 1

        secret = page.locator("p.secret").inner_text()
        page.fill("input[name=code]", _code_for(secret))
        page.click("text=Confirm and continue")
        page.wait_for_url(re.compile(r"/backup-codes/"))
        _check(page, "mfa-backup-codes-360.png")
        assert page.locator("ul.codes li").count() == 10

        page.click("text=I have saved them")
        page.wait_for_url(live_server.url + "/")
        _check(page, "mfa-home-after-enrolment-360.png")

        # Signed out and in again: the code step.
        page.click("button >> text=Sign out")
        page.goto(live_server.url + "/accounts/login/?next=/workforce/sites/")
        page.fill("#id_username", owner.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit] >> text=Sign in")
        page.wait_for_url(re.compile(r"/workforce/account/two-factor/\?next="))
        page.fill("input[name=code]", "000000")
        page.click("text=Continue")
        assert page.locator("[role=alert]").count() == 1
        _check(page, "mfa-verify-error-360.png")

        # The patient page (no account) under the site-wide policy.
        page.goto(f"{live_server.url}/p/{point.token}/")
        assert page.locator("h1").count() == 1

        # A verified session: our pages and the Wagtail admin (its own, relaxed
        # policy: inline scripts in date widgets) report no violation.
        context.clear_cookies()
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": hr_session,
                    "url": live_server.url,
                }
            ]
        )
        person = org_world["people"][org_world["team_a1"]][0]
        for path in (
            "/workforce/sites/",
            "/admin/",
            reverse("workforce_staffmember:edit", args=[person.pk]),
            reverse("workforce_staffmember:add"),
        ):
            page.goto(live_server.url + path)
            assert page.url == live_server.url + path
            page.wait_for_load_state("networkidle")
        browser.close()

    assert csp_errors == []
