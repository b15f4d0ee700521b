"""The staff survey in real headless Chromium at phone size (360 × 740).

Respondents go from their personal link to the thank-you page in English (all
questions on one page) and in Spanish (picked in the header; one question per
screen); the code entry form and the shared-tablet kiosk are driven too. Every
page is checked with axe-core, screenshotted into test-artifacts/, and watched
for requests to other hosts.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from surveys import drafts, tokens
from surveys.models import Answer, Response
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.surveys.pulse import open_pulse_round

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed"),
]


@pytest.fixture
def browser_page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own
    # ORM calls are plain synchronous ones, so Django's guard can stand down.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
        )
        page = context.new_page()
        page.requested_urls = []
        page.on("request", lambda request: page.requested_urls.append(request.url))
        yield page
        context.close()
        browser.close()


def check_page(page, name, *, disable_rules=()):
    """axe with zero violations, no sideways scroll, big targets, a screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    page.screenshot(path=str(ARTIFACTS / f"survey-{name}.png"), full_page=True)
    options = {"resultTypes": ["violations"]}
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    results = Axe().run(page, options=options)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    for target in page.locator("label.opt, button, .button, .langs a").all():
        box = target.bounding_box()
        assert box["height"] >= 44, (name, target.inner_text())
        assert box["width"] >= 44, (name, target.inner_text())


def answer_question(fieldset, choice, *, exact=True):
    fieldset.get_by_text(choice, exact=exact).click()


def test_english_single_page_from_personal_link(
    org_world, live_server, browser_page, settings
):
    settings.SURVEY_LAYOUT = "single"
    round_, codes = open_pulse_round(org_world["org"])
    page = browser_page

    page.goto(f"{live_server.url}/s/t/{codes[0]}/")
    assert page.url == f"{live_server.url}/s/answer/"
    assert codes[0] not in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    check_page(page, "en-answer-empty")

    fieldsets = page.locator("fieldset.q")
    assert fieldsets.count() == 12
    for index in range(10):
        answer_question(fieldsets.nth(index), "Agree")
    answer_question(fieldsets.nth(10), "I am definitely burning out", exact=False)
    fieldsets.nth(11).get_by_label("9", exact=True).check()
    page.get_by_label("Is there anything else").fill("More hands at the front desk.")
    check_page(page, "en-answer-filled")

    # Save, then come back through the link: the draft is still there.
    page.get_by_role("button", name="Save and finish later").click()
    assert page.get_by_role("status").inner_text().startswith("Your answers are saved")
    page.goto(f"{live_server.url}/s/t/{codes[0]}/")
    assert page.locator("input[type=radio]:checked").count() == 12

    page.get_by_role("button", name="Submit answers").click()
    assert page.url == f"{live_server.url}/s/thanks/"
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you"
    check_page(page, "en-thanks")
    cookie_names = {cookie["name"] for cookie in page.context.cookies()}
    assert drafts.COOKIE_NAME not in cookie_names
    assert all(url.startswith(live_server.url) for url in page.requested_urls)

    page.goto(f"{live_server.url}/s/t/{codes[0]}/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "You have already answered"
    )
    check_page(page, "en-already")

    response = Response.objects.get(round=round_)
    assert response.answers.count() == 13
    assert Answer.objects.get(question__code="burnout_single").value == 3
    assert Answer.objects.get(question__code="enps").value == 9


def test_code_entry_in_spanish_with_a_typing_mistake(
    org_world, live_server, browser_page, settings
):
    settings.SURVEY_LAYOUT = "single"
    _round, codes = open_pulse_round(org_world["org"])
    page = browser_page

    page.goto(f"{live_server.url}/s/?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    check_page(page, "es-entry")
    page.get_by_label("Su código").fill("ZZZZZ-ZZZZZ")
    page.get_by_role("button", name="Empezar").click()
    assert page.get_by_role("alert").is_visible()
    check_page(page, "es-entry-error")
    page.get_by_role("link", name="No encontramos ese código").click()
    assert page.evaluate("document.activeElement.id") == "code"

    page.get_by_label("Su código").fill(tokens.format_code(codes[1]).lower())
    page.get_by_role("button", name="Empezar").click()
    assert page.url == f"{live_server.url}/s/answer/"
    assert page.get_by_role("heading", level=1).inner_text() == "¿Cómo va el trabajo?"


def test_spanish_one_question_per_screen_from_personal_link(
    org_world, live_server, browser_page, settings
):
    settings.SURVEY_LAYOUT = "paged"
    round_, codes = open_pulse_round(org_world["org"])
    page = browser_page

    page.goto(f"{live_server.url}/s/t/{codes[1]}/")
    assert page.url == f"{live_server.url}/s/answer/"
    # The respondent picks their language in the header.
    page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert codes[1] not in page.url

    total = 13
    for number in range(1, total + 1):
        assert page.get_by_text(f"Pregunta {number} de {total}").first.is_visible()
        fieldset = page.locator("fieldset.q")
        if number <= 10:
            answer_question(fieldset, "De acuerdo")
        elif number == 11:
            answer_question(fieldset, page_burnout_option(page))
        elif number == 12:
            fieldset.get_by_label("7", exact=True).check()
        else:
            page.locator("textarea").fill("Más tiempo entre pacientes.")
        if number in (1, 11, 12, 13):
            check_page(page, f"es-question-{number}")
        if number == 2:
            page.get_by_role("button", name="Atrás").click()
            assert page.get_by_text("Pregunta 1 de 13").first.is_visible()
            assert page.locator("input[type=radio]:checked").count() == 1
            page.get_by_role("button", name="Siguiente").click()
            assert page.get_by_text("Pregunta 2 de 13").first.is_visible()
            answer_question(page.locator("fieldset.q"), "De acuerdo")
        if number < total:
            page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("button", name="Enviar respuestas").click()
    assert page.url == f"{live_server.url}/s/thanks/"
    assert page.get_by_role("heading", level=1).inner_text() == "Gracias"
    check_page(page, "es-thanks")
    assert all(url.startswith(live_server.url) for url in page.requested_urls)

    response = Response.objects.get(round=round_)
    assert response.answers.count() == 13
    assert Answer.objects.get(question__code="comment").text == (
        "Más tiempo entre pacientes."
    )


def page_burnout_option(page):
    return page.locator("fieldset.q label.opt span").nth(1).inner_text()


def test_kiosk_returns_to_a_clean_code_entry(
    org_world, live_server, browser_page, settings
):
    settings.SURVEY_LAYOUT = "single"
    _round, codes = open_pulse_round(org_world["org"])
    page = browser_page

    page.goto(f"{live_server.url}/s/?kiosk=1")
    check_page(page, "kiosk-entry")
    page.get_by_label("Your code").fill(codes[2])
    page.get_by_role("button", name="Start").click()
    page.locator("fieldset.q").first.get_by_text("Agree", exact=True).click()
    page.get_by_role("button", name="Submit answers").click()
    assert page.url == f"{live_server.url}/s/thanks/?kiosk=1"
    # The 8-second return is the kiosk's purpose; axe flags any delayed refresh
    # (WCAG 2.2.1), so the page offers "Stay on this page" to turn it off.
    check_page(page, "kiosk-thanks", disable_rules=["meta-refresh"])
    assert page.get_by_role("link", name="Stay on this page").is_visible()
    page.get_by_role("link", name="Next person").click()
    assert page.url == f"{live_server.url}/s/?kiosk=1"
    assert page.get_by_label("Your code").input_value() == ""
    assert page.context.cookies() == [] or drafts.COOKIE_NAME not in {
        cookie["name"] for cookie in page.context.cookies()
    }
