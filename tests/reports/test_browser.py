"""The patient page in real headless Chromium at phone size (360 × 740).

A patient answers with JavaScript switched off (the page needs none); the
pages are then checked with axe-core, for sideways scrolling and for target
sizes, and screenshotted into test-artifacts/.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from reports.models import PatientComment, PatientFeedback
from reports.patients.capture import capture_point_create, feedback_settings_update
from tests.browser import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


@pytest.fixture
def browser(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def phone(browser, *, javascript: bool):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    return context, context.new_page()


def check_page(page, name):
    from axe_playwright_python.sync_playwright import Axe

    page.screenshot(path=str(ARTIFACTS / f"patient-{name}.png"), full_page=True)
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    for target in page.locator("label.opt, button, .button, .langs a").all():
        box = target.bounding_box()
        assert box["height"] >= 44, (name, target.inner_text())
        assert box["width"] >= 44, (name, target.inner_text())


def test_a_patient_answers_in_spanish_without_javascript(
    org_world, live_server, browser
):
    point = capture_point_create(site=org_world["site_a"], team=org_world["team_a1"])
    feedback_settings_update(organization=org_world["org"], collect_comments=True)
    address = f"{live_server.url}/p/{point.token}/"

    context, page = phone(browser, javascript=False)
    page.goto(address)
    page.get_by_role("link", name="Español").click()
    page.get_by_text("Enviar").click()
    assert page.get_by_role("alert").is_visible()
    page.locator("label[for=score-9]").click()
    page.get_by_label("¿Hay algo que quiera decirnos? (opcional)").fill("Muy amables")
    page.get_by_text("Enviar").click()
    assert page.get_by_role("heading", name="¡Gracias!").is_visible()
    cookies = {cookie["name"] for cookie in context.cookies()}
    context.close()

    assert cookies == {"csrftoken"}
    feedback = PatientFeedback.objects.get()
    assert (feedback.team, feedback.score) == (org_world["team_a1"], 9)
    assert PatientComment.objects.get().text == "Muy amables"


def test_patient_pages_are_accessible_at_phone_size(org_world, live_server, browser):
    point = capture_point_create(site=org_world["site_b"])
    feedback_settings_update(organization=org_world["org"], collect_comments=True)
    address = f"{live_server.url}/p/{point.token}/"

    context, page = phone(browser, javascript=True)
    page.goto(address)
    check_page(page, "question-en")
    page.goto(address + "?lang=es")
    page.locator("form button[type=submit]").click()
    check_page(page, "question-es-error")
    page.locator("label[for=score-10]").click()
    page.locator("form button[type=submit]").click()
    check_page(page, "thanks-es")
    page.goto(f"{live_server.url}/p/retired-or-mistyped/")
    check_page(page, "gone")
    context.close()


def test_poster_fits_a_phone_and_prints_one_page(
    org_world, live_server, browser, client
):
    from django.conf import settings

    from workforce.models import Role

    point = capture_point_create(site=org_world["site_a"], team=org_world["team_a2"])
    client.force_login(
        org_world["users"][Role.SITE_MANAGER],
        backend="django.contrib.auth.backends.ModelBackend",
    )
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    context, page = phone(browser, javascript=True)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/reports/patient-feedback/posters/")
    check_page(page, "posters")
    page.goto(f"{live_server.url}/reports/patient-feedback/posters/{point.pk}/")
    check_page(page, "poster")
    assert page.locator("svg.qr").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    page.pdf(path=str(ARTIFACTS / "patient-poster.pdf"), format="A4")
    context.close()
