"""The analysis pages in real headless Chromium at phone width (360 × 740)."""

from pathlib import Path

import pytest
from django.conf import settings

from reports.services import analysis_run
from tests.browser import CHROMIUM, CHROMIUM_ARGS, session_cookie, signed_in_context
from tests.factories import UserFactory
from tests.reports.analysis_world import simulated_group
from workforce.models import Role

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


def test_analysis_pages_at_phone_width(transactional_db, live_server):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    world = simulated_group(slug="browser-group")
    run = analysis_run(organization=world["org"], start="2025-01", end="2025-08")
    owner = UserFactory(organization=world["org"], role=Role.OWNER)
    session = session_cookie(owner)
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        context = signed_in_context(browser, live_server, session)
        page = context.new_page()
        for path, artifact in (
            ("/reports/analysis/", "analysis-home-360.png"),
            (f"/reports/analysis/runs/{run.pk}/", "analysis-run-360.png"),
        ):
            page.goto(live_server.url + path)
            assert page.locator("h1").count() == 1
            # The page never scrolls sideways; the wide tables scroll in their box.
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(ARTIFACTS / artifact), full_page=True)
            violations = Axe().run(page)
            assert violations.violations_count == 0, violations.generate_report()
        teams = page.locator('.table-wrap[aria-labelledby="teams"]')
        assert teams.evaluate("el => el.scrollWidth > el.clientWidth")
        browser.close()
