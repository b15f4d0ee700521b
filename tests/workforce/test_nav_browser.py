"""The main menu in real headless Chromium: folded on a phone, open on a desk."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import CHROMIUM, CHROMIUM_ARGS, session_cookie, signed_in_context

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


def test_menu_folds_on_a_phone_and_stays_open_on_a_desk(org_world, live_server):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    session = session_cookie(org_world["users"]["owner"])
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        for width, folded in ((360, True), (1280, False)):
            context = signed_in_context(browser, live_server, session, width=width)
            page = context.new_page()
            page.goto(live_server.url + "/")
            people = page.get_by_role("link", name="People", exact=True)
            menu = page.locator(".menu > summary")
            assert people.is_visible() is not folded
            assert menu.is_visible() is folded
            if folded:
                menu.click()
                assert people.is_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(ARTIFACTS / "menu-open-360.png"))
                violations = Axe().run(page)
                assert violations.violations_count == 0, violations.generate_report()
            people.click()
            page.wait_for_url("**/workforce/people/")
            context.close()
        browser.close()
