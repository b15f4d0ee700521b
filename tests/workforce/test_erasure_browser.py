"""Erasing a leaver's data in real headless Chromium at phone width (360 × 740)."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import CHROMIUM, CHROMIUM_ARGS, session_cookie, signed_in_context
from workforce.erasure import is_erased
from workforce.models import Role, TerminationReason

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


def _check(page, artifact):
    from axe_playwright_python.sync_playwright import Axe

    assert page.locator("h1").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / artifact), full_page=True)
    violations = Axe().run(page)
    assert violations.violations_count == 0, violations.generate_report()


def test_hr_erases_a_leaver_at_phone_width(transactional_db, org_world, live_server):
    from playwright.sync_api import sync_playwright

    leaver = org_world["people"][org_world["team_a1"]][1]
    leaver.termination_date = datetime.date(2025, 9, 30)
    leaver.termination_reason = TerminationReason.VOLUNTARY
    leaver.save()
    session = session_cookie(org_world["users"][Role.HR])
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = signed_in_context(browser, live_server, session)
        page = context.new_page()
        page.goto(f"{live_server.url}/workforce/people/{leaver.pk}/")
        page.get_by_role("link", name="Erase personal data").click()
        _check(page, "staff-erase-360.png")

        field = page.get_by_label("Type their employee id or full name to confirm")
        field.fill("not them")
        page.get_by_role("button", name="Erase personal data").click()
        assert "not this person's employee id" in page.locator("main form").inner_text()
        _check(page, "staff-erase-error-360.png")

        field = page.get_by_label("Type their employee id or full name to confirm")
        field.fill(leaver.employee_id)
        page.get_by_role("button", name="Erase personal data").click()
        assert "Personal data erased" in page.locator(".messages").inner_text()
        _check(page, "staff-erased-360.png")
        browser.close()

    leaver.refresh_from_db()
    assert is_erased(leaver)
