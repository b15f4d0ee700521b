"""The skills grid in real headless Chromium at phone width (360 × 740)."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import CHROMIUM, CHROMIUM_ARGS, session_cookie, signed_in_context
from tests.workforce.skills.factories import SkillFactory, TeamSkillRequirementFactory
from workforce.models import Role
from workforce.skills.models import SkillAssessment

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]

SKILLS = [
    "Check-in",
    "Insurance verification",
    "Scheduling",
    "Billing",
    "Sterilisation",
    "Radiographs",
]


def test_grid_at_phone_width(org_world, live_server):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    team = org_world["team_a1"]
    for name in SKILLS:
        skill = SkillFactory(organization=org_world["org"], name=name)
        TeamSkillRequirementFactory(team=team, skill=skill, min_competent=2)
    lead = org_world["users"][Role.TEAM_LEAD]
    session = session_cookie(lead)
    person = org_world["people"][team][0]
    billing = next(s for s in person.organization.skills.all() if s.name == "Billing")
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        context = signed_in_context(browser, live_server, session)
        page = context.new_page()
        page.goto(f"{live_server.url}/skills/teams/{team.pk}/grid/")

        # The page itself does not scroll sideways; the grid does.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        wrap = page.locator(".table-wrap")
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
        name_cell = page.locator("tbody th").first
        left_before = name_cell.bounding_box()["x"]
        wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        # Sticky first column: the names stay where they were.
        assert name_cell.bounding_box()["x"] == pytest.approx(left_before, abs=1)
        page.screenshot(path=str(ARTIFACTS / "skills-grid-360.png"), full_page=True)

        violations = Axe().run(page)
        assert violations.violations_count == 0, violations.generate_report()

        page.get_by_label(f"{person.full_name} – Billing").select_option("2")
        page.get_by_role("button", name="Save changes").first.click()
        page.wait_for_url(f"**/skills/teams/{team.pk}/grid/")
        assert "Saved 1 change" in page.locator(".messages").inner_text()

        for path, artifact in [
            (f"/skills/teams/{team.pk}/?leaves={person.pk}", "skills-team-360.png"),
            ("/skills/", "skills-overview-360.png"),
        ]:
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(ARTIFACTS / artifact), full_page=True)
            violations = Axe().run(page)
            assert violations.violations_count == 0, violations.generate_report()

        page.goto(f"{live_server.url}/skills/teams/{team.pk}/print/")
        page.emulate_media(media="print")
        assert not page.locator("header.top").is_visible()
        page.pdf(path=str(ARTIFACTS / "skills-print.pdf"), landscape=True)
        browser.close()

    saved = SkillAssessment.objects.get()
    assert (saved.staff_member, saved.skill, saved.level) == (person, billing, 2)
    assert saved.assessed_by == lead
