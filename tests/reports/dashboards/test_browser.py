"""The dashboards in real headless Chromium at phone width (360 × 740), with axe."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser import CHROMIUM, CHROMIUM_ARGS, session_cookie, signed_in_context
from workforce.models import Role

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


def test_dashboards_at_phone_width(transactional_db, live_server, dash_world):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    users = dash_world["users"]
    pages = [
        (
            users[Role.TEAM_LEAD],
            reverse("dashboards:team", args=[dash_world["team_a1"].pk]),
            "team",
        ),
        (users[Role.OWNER], reverse("dashboards:owner") + "?period=2026-01", "owner"),
        (users[Role.HR], reverse("dashboards:hr") + "?period=2026-01", "hr"),
        (
            users[Role.SITE_MANAGER],
            reverse("dashboards:site", args=[dash_world["site_a"].pk])
            + "?period=2026-01",
            "site",
        ),
    ]
    # Sessions are made before Playwright starts its event loop (no ORM in it).
    pages = [(session_cookie(user), path, name) for user, path, name in pages]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        for session, path, name in pages:
            context = signed_in_context(browser, live_server, session)
            page = context.new_page()
            page.goto(live_server.url + path)
            assert page.locator("h1").count() == 1
            # The page never scrolls sideways; wide tables scroll in their box.
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(
                path=str(ARTIFACTS / f"dashboard-{name}-360.png"), full_page=True
            )
            violations = Axe().run(page)
            assert violations.violations_count == 0, violations.generate_report()
            context.close()
        browser.close()
