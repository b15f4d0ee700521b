"""The audit log and the second-factor reset pages in headless Chromium at 360 px.

Signed in as an owner by copying a ``client.force_login`` session (verified for
the second factor) into the browser. Each page is checked with axe, must not
scroll sideways, and leaves a screenshot in test-artifacts/.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from workforce.audit import audit_record
from workforce.models import AuditEvent, Role

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


def _check(page, artifact):
    assert page.locator("h1").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(ARTIFACTS / artifact), full_page=True)
    assert width <= 360, f"{artifact}: the page is {width} px wide"
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page)
    assert violations.violations_count == 0, violations.generate_report()


def _events(world):
    org, owner = world["org"], world["users"][Role.OWNER]
    hr = world["users"][Role.HR]
    audit_record(
        organization=org,
        actor=owner,
        action=AuditEvent.Action.THRESHOLD_CHANGED,
        target=f"Minimum group size of {org.name}",
        detail={"from": 5, "to": 7},
    )
    audit_record(
        organization=org,
        actor=hr,
        action=AuditEvent.Action.ROLE_CHANGED,
        target="User a-rather-long-username-without-spaces@example-practice.com",
        detail={
            "before": {"role": "staff", "managed_sites": [], "led_teams": []},
            "after": {
                "role": "site_manager",
                "managed_sites": ["North Clinic", "South Clinic"],
                "led_teams": [],
            },
        },
    )
    audit_record(
        organization=org,
        actor=owner,
        action=AuditEvent.Action.REPORT_EXPORTED,
        target="Flywheel report 2025-06 (Brightsmile, every site)",
        detail={"report_id": 12, "period": "2025-06"},
    )


def test_audit_log_and_reset_pages_at_phone_width(
    transactional_db, live_server, org_world
):
    from playwright.sync_api import sync_playwright

    _events(org_world)
    ARTIFACTS.mkdir(exist_ok=True)
    client = Client()
    client.force_login(org_world["users"][Role.OWNER])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    hr = org_world["users"][Role.HR]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 360, "height": 740})
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()

        page.goto(live_server.url + reverse("workforce:audit_log"))
        assert "Anonymity threshold changed" in page.content()
        _check(page, "audit-log-360.png")

        page.click("text=Reset someone's two-step sign-in")
        page.wait_for_url(f"**{reverse('workforce:mfa_reset_list')}")
        _check(page, "mfa-reset-list-360.png")

        page.click(f"text=Reset {hr.username}")
        page.wait_for_url(f"**{reverse('workforce:mfa_reset_confirm', args=[hr.pk])}")
        _check(page, "mfa-reset-confirm-360.png")

        page.click("button[type=submit] >> text=Reset two-step sign-in")
        page.wait_for_url(f"**{reverse('workforce:mfa_reset_list')}")
        assert "Two-step sign-in reset for" in page.content()

        page.goto(live_server.url + reverse("workforce:audit_log"))
        assert "Two-step sign-in reset" in page.content()
        _check(page, "audit-log-after-reset-360.png")
        browser.close()
