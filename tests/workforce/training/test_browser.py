"""Training pages in real headless Chromium at phone width (360 × 740)."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import CHROMIUM, CHROMIUM_ARGS, session_cookie, signed_in_context
from tests.workforce.training.factories import CourseFactory, RequirementFactory
from workforce.models import Role

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


def test_training_pages_at_phone_width(world, live_server):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    # Enough courses that the matrix must scroll sideways on a phone.
    for name in ("Infection control", "OSHA", "Fire safety", "Radiation safety"):
        RequirementFactory(course=CourseFactory(organization=world["org"], name=name))
    manager = session_cookie(world["users"][Role.SITE_MANAGER])
    staff = session_cookie(world["users"][Role.STAFF])
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        for session, pages in (
            (
                manager,
                [
                    ("/training/", "training-matrix-360.png"),
                    (f"/training/people/{world['ann'].pk}/", "training-person-360.png"),
                ],
            ),
            (staff, [("/training/me/", "training-mine-360.png")]),
        ):
            context = signed_in_context(browser, live_server, session)
            page = context.new_page()
            for path, artifact in pages:
                page.goto(live_server.url + path)
                # The page never scrolls sideways; a wide table scrolls in its box.
                assert page.evaluate("document.documentElement.scrollWidth") <= 360
                page.screenshot(path=str(ARTIFACTS / artifact), full_page=True)
                violations = Axe().run(page)
                assert violations.violations_count == 0, violations.generate_report()
                if path == "/training/":
                    wrap = page.locator(".table-wrap")
                    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
                    name_cell = page.locator("tbody th").first
                    left_before = name_cell.bounding_box()["x"]
                    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
                    assert name_cell.bounding_box()["x"] == pytest.approx(
                        left_before, abs=1
                    )
            context.close()
        browser.close()
