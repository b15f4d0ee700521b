import gzip
import logging
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.core import signing
from django.db import OperationalError

from surveys import drafts, tokens
from surveys.logging import MaskSurveyCodes, mask_codes
from surveys.models import Answer, Participation, Response
from surveys.services import round_close
from tests.surveys.pulse import open_pulse_round, questions_by_code


@pytest.fixture
def pulse(org_world):
    return open_pulse_round(org_world["org"])


@pytest.fixture
def single(settings):
    settings.SURVEY_LAYOUT = "single"


@pytest.fixture
def paged(settings):
    settings.SURVEY_LAYOUT = "paged"


def cookie_state(client):
    morsel = client.cookies.get(drafts.COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    return signing.loads(morsel.value, salt=drafts.SALT)


def full_post(round_):
    """A complete answer form as a browser would post it."""
    data = {}
    for question in questions_by_code(round_).values():
        name = f"q{question.pk}"
        if question.kind == "agreement_1_5":
            data[name] = "4"
        elif question.kind == "scale_0_10":
            data[name] = "9"
        elif question.kind == "single_choice":
            data[name] = "3"
        else:
            data[name] = "Más café, por favor."
    return data


def assert_survey_headers(response):
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


# --- code entry and the personal link -------------------------------------


def test_code_entry_page(client, db):
    response = client.get("/s/")
    assert response.status_code == 200
    assert_survey_headers(response)
    html = response.content.decode()
    assert '<label for="code">' in html
    assert 'aria-describedby="code-hint"' in html


def test_typed_code_starts_the_survey(client, pulse):
    _round, codes = pulse
    typed = tokens.format_code(codes[0]).lower().replace("-", " - ")
    response = client.post("/s/", {"code": typed})
    assert response.status_code == 303
    assert response["Location"] == "/s/answer/"
    assert cookie_state(client)["c"] == codes[0]


def test_wrong_code_shows_linked_error(client, pulse):
    response = client.post("/s/", {"code": "ABCDE-FGHJK"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="summary" role="alert"' in html
    assert '<a href="#code">' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="code-hint code-error"' in html
    assert cookie_state(client) is None


def test_code_guessing_is_rate_limited_but_real_codes_are_not_counted(client, pulse):
    _round, codes = pulse
    for _ in range(10):
        assert client.post("/s/", {"code": codes[1]}).status_code == 303
    for _ in range(20):
        assert client.post("/s/", {"code": "ZZZZZZZZZZ"}).status_code == 400
    response = client.post("/s/", {"code": "ZZZZZZZZZZ"})
    assert response.status_code == 400
    response = client.post("/s/", {"code": codes[0]})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert client.get(f"/s/t/{codes[0]}/").status_code == 429
    # Another address is not affected.
    other = client.post("/s/", {"code": codes[0]}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 303


def test_personal_link_moves_code_into_cookie(client, pulse):
    _round, codes = pulse
    response = client.get(f"/s/t/{codes[0]}/")
    assert response.status_code == 303
    assert response["Location"] == "/s/answer/"
    assert codes[0] not in response["Location"]
    assert_survey_headers(response)
    morsel = response.cookies[drafts.COOKIE_NAME]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/s/"
    assert morsel["max-age"] == 2 * 60 * 60
    assert not morsel["secure"]
    assert cookie_state(client)["c"] == codes[0]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert codes[0] not in page.content.decode()


def test_cookie_is_secure_in_production(client, pulse, settings):
    settings.SESSION_COOKIE_SECURE = True
    _round, codes = pulse
    response = client.get(f"/s/t/{codes[0]}/")
    assert response.cookies[drafts.COOKIE_NAME]["secure"]


def test_unknown_link_is_a_friendly_404(client, pulse):
    response = client.get("/s/t/NOTACODE12/")
    assert response.status_code == 404
    assert_survey_headers(response)
    assert "We could not find that code" in response.content.decode()
    assert drafts.COOKIE_NAME not in response.cookies


def test_respondents_get_no_server_session(client, pulse, single):
    round_, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    client.get("/s/answer/")
    client.post("/s/answer/", {**full_post(round_), "action": "save"})
    client.post("/s/answer/", {"action": "submit"})
    assert Response.objects.count() == 1
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies


# --- answering --------------------------------------------------------------


def test_single_page_flow_through_thanks(client, pulse, single):
    round_, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    page = client.get("/s/answer/")
    html = page.content.decode()
    assert_survey_headers(page)
    assert html.count("<fieldset") == 12
    assert html.count("<legend") == 12
    assert "<textarea" in html
    response = client.post("/s/answer/", {**full_post(round_), "action": "submit"})
    assert response.status_code == 303
    assert response["Location"] == "/s/thanks/"
    assert cookie_state(client) is None
    response = Response.objects.get()
    assert response.answers.count() == 13
    burnout = response.answers.get(question__code="burnout_single")
    assert burnout.value == 3
    thanks = client.get("/s/thanks/")
    assert thanks.status_code == 200
    assert_survey_headers(thanks)
    assert thanks["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert thanks.cookies[drafts.COOKIE_NAME]["max-age"] == 0
    assert "http-equiv" not in thanks.content.decode()


def test_paged_flow_keeps_progress_in_cookie(client, pulse, paged):
    round_, codes = pulse
    data = full_post(round_)
    names = [
        f"q{sq.question_id}"
        for sq in round_.survey.survey_questions.order_by("position")
    ]
    client.get(f"/s/t/{codes[0]}/")
    first = client.get("/s/answer/").content.decode()
    assert "Question 1 of 13" in first
    assert first.count("<fieldset") == 1
    assert 'value="back"' not in first
    for index, name in enumerate(names[:-1]):
        response = client.post(
            "/s/answer/", {name: data[name], "page": index, "action": "next"}
        )
        assert response.status_code == 303
        assert cookie_state(client)["p"] == index + 1
    # Back one page: the earlier answer is shown checked.
    client.post("/s/answer/", {"page": len(names) - 1, "action": "back"})
    previous = client.get("/s/answer/").content.decode()
    assert f"Question {len(names) - 1} of 13" in previous
    assert 'value="9" checked' in previous
    client.post(
        "/s/answer/", {names[-2]: data[names[-2]], "page": 11, "action": "next"}
    )
    last = client.get("/s/answer/").content.decode()
    assert 'value="submit"' in last
    response = client.post(
        "/s/answer/", {names[-1]: data[names[-1]], "page": 12, "action": "submit"}
    )
    assert response.status_code == 303
    assert Answer.objects.count() == 13
    assert Response.objects.get().answers.get(question__code="comment").text == (
        "Más café, por favor."
    )


def test_draft_save_and_continue(client, pulse, single):
    round_, codes = pulse
    enps = questions_by_code(round_)["enps"]
    comment = questions_by_code(round_)["comment"]
    client.get(f"/s/t/{codes[0]}/")
    response = client.post(
        "/s/answer/",
        {f"q{enps.pk}": "7", f"q{comment.pk}": "Half done", "action": "save"},
    )
    assert response.status_code == 303
    assert response["Location"] == "/s/answer/?saved=1"
    assert Response.objects.count() == 0
    assert Participation.objects.count() == 0
    saved = client.get(response["Location"]).content.decode()
    assert "saved on this device" in saved
    # Later, the personal link again: the draft is still there.
    client.get(f"/s/t/{codes[0]}/")
    html = client.get("/s/answer/").content.decode()
    assert f'id="q{enps.pk}-7" name="q{enps.pk}" value="7" checked' in html
    assert ">Half done</textarea>" in html
    # Another person's link on the same browser does not see it.
    client.get(f"/s/t/{codes[1]}/")
    html = client.get("/s/answer/").content.decode()
    assert "checked" not in html
    assert "Half done" not in html


def test_prefer_not_to_answer_clears_a_draft_answer(client, pulse, single):
    round_, codes = pulse
    enps = questions_by_code(round_)["enps"]
    client.get(f"/s/t/{codes[0]}/")
    client.post("/s/answer/", {f"q{enps.pk}": "7", "action": "save"})
    client.post("/s/answer/", {f"q{enps.pk}": "", "action": "submit"})
    assert Answer.objects.count() == 0
    assert Response.objects.count() == 1


def test_long_comment_is_left_out_of_the_cookie_not_lost(client, pulse, single):
    round_, codes = pulse
    comment = questions_by_code(round_)["comment"]
    enps = questions_by_code(round_)["enps"]
    long_text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2000))
    client.get(f"/s/t/{codes[0]}/")
    response = client.post(
        "/s/answer/",
        {f"q{comment.pk}": long_text, f"q{enps.pk}": "8", "action": "save"},
    )
    assert len(response.cookies[drafts.COOKIE_NAME].value) < 4000
    state = cookie_state(client)
    assert state["a"] == {str(enps.pk): 8}
    # Submitted from the page, the same comment is recorded in full.
    client.post(
        "/s/answer/",
        {f"q{comment.pk}": long_text, f"q{enps.pk}": "8", "action": "submit"},
    )
    assert Answer.objects.get(question=comment).text == long_text


def test_tampered_answer_shows_error_and_writes_nothing(client, pulse, single):
    round_, codes = pulse
    enps = questions_by_code(round_)["enps"]
    client.get(f"/s/t/{codes[0]}/")
    data = {**full_post(round_), f"q{enps.pk}": "11", "action": "submit"}
    response = client.post("/s/answer/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="#q{enps.pk}-0">Choose one of the options.</a>' in html
    assert f'aria-describedby="q{enps.pk}-hint q{enps.pk}-error"' in html
    assert html.startswith("<!doctype html>")
    assert "Error:" in html.split("</title>")[0]
    assert Response.objects.count() == 0
    assert Participation.objects.count() == 0


def test_already_answered(client, pulse, single):
    round_, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    client.post("/s/answer/", {**full_post(round_), "action": "submit"})
    client.get(f"/s/t/{codes[0]}/")
    response = client.get("/s/answer/")
    assert response.status_code == 409
    assert "You have already answered" in response.content.decode()
    assert cookie_state(client) is None


def test_double_post_from_two_tabs_is_already_answered(client, pulse, single):
    round_, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    cookie = client.cookies[drafts.COOKIE_NAME].value
    client.post("/s/answer/", {**full_post(round_), "action": "submit"})
    client.cookies[drafts.COOKIE_NAME] = cookie
    response = client.post("/s/answer/", {**full_post(round_), "action": "submit"})
    assert response.status_code == 409
    assert Response.objects.count() == 1


def test_closed_round(client, pulse):
    round_, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    cookie = client.cookies[drafts.COOKIE_NAME].value
    round_close(round_=round_)
    response = client.get("/s/answer/")
    assert response.status_code == 410
    assert "This survey is closed" in response.content.decode()
    assert cookie_state(client) is None
    client.cookies[drafts.COOKIE_NAME] = cookie
    response = client.post("/s/answer/", {**full_post(round_), "action": "submit"})
    assert response.status_code == 410
    assert Response.objects.count() == 0


def test_missing_tampered_or_expired_cookie(client, pulse, settings):
    _round, codes = pulse
    assert client.get("/s/answer/").status_code == 400
    client.cookies[drafts.COOKIE_NAME] = "forged:value"
    response = client.get("/s/answer/")
    assert response.status_code == 400
    assert "Your time on this device has ended" in response.content.decode()
    client.get(f"/s/t/{codes[0]}/")
    settings.SURVEY_COOKIE_AGE = -1
    assert client.get("/s/answer/").status_code == 400


def test_database_error_on_submit_keeps_answers_for_a_retry(
    client, pulse, single, monkeypatch
):
    round_, codes = pulse
    client.get(f"/s/t/{codes[0]}/")

    def database_down(**kwargs):
        raise OperationalError("connection to server was lost")

    monkeypatch.setattr("surveys.views.submission.response_submit", database_down)
    data = {**full_post(round_), "action": "submit"}
    response = client.post("/s/answer/", data)
    assert response.status_code == 503
    assert_survey_headers(response)
    html = response.content.decode()
    assert "please submit again" in html
    assert 'value="4" checked' in html
    assert len(cookie_state(client)["a"]) == 13
    assert Response.objects.count() == 0
    monkeypatch.undo()
    # The 503 page is the same form, filled in: submitting it again posts it all.
    retry = client.post("/s/answer/", data)
    assert retry.status_code == 303
    assert Response.objects.get().answers.count() == 13


def test_database_error_anywhere_is_a_friendly_503(client, pulse, monkeypatch):
    _round, codes = pulse

    def database_down(code):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr("surveys.views.submission.invitation_for_code", database_down)
    response = client.get(f"/s/t/{codes[0]}/")
    assert response.status_code == 503
    assert "Please try again in a moment" in response.content.decode()


def test_kiosk_returns_to_code_entry(client, pulse, single):
    round_, codes = pulse
    entry = client.get("/s/?kiosk=1")
    assert 'name="kiosk" value="1"' in entry.content.decode()
    client.post("/s/", {"code": codes[0], "kiosk": "1"})
    page = client.get("/s/answer/").content.decode()
    assert 'value="save"' not in page
    assert "/s/?kiosk=1" in page
    response = client.post("/s/answer/", {**full_post(round_), "action": "submit"})
    assert response["Location"] == "/s/thanks/?kiosk=1"
    thanks = client.get(response["Location"])
    html = thanks.content.decode()
    assert '<meta http-equiv="refresh" content="8;url=/s/?kiosk=1">' in html
    assert 'href="/s/?kiosk=1"' in html
    assert thanks["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    stay = client.get("/s/thanks/?kiosk=1&stay=1").content.decode()
    assert "http-equiv" not in stay


def test_kiosk_start_page_drops_an_abandoned_draft(client, pulse, single):
    round_, codes = pulse
    client.post("/s/", {"code": codes[0], "kiosk": "1"})
    client.post("/s/answer/", {**full_post(round_), "action": "save"})
    response = client.get("/s/?kiosk=1")
    assert response.cookies[drafts.COOKIE_NAME].value == ""
    assert client.get("/s/answer/").status_code == 400


# --- language ---------------------------------------------------------------


def test_spanish_on_request(client, pulse, single):
    _round, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    response = client.get("/s/answer/?lang=es")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Tengo claras mis responsabilidades en este trabajo." in html
    assert "Totalmente de acuerdo" in html
    assert "Enviar respuestas" in html
    assert "Prefiero no responder" in html
    assert "octubre 2026" in html
    assert 'href="?lang=en"' in html
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # The choice sticks for the next pages.
    assert "Enviar respuestas" in client.get("/s/answer/").content.decode()
    assert "Introduzca su código" in client.get("/s/").content.decode()


def test_spanish_from_browser_preference(client, db):
    html = client.get("/s/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()
    assert "Introduzca su código" in html


def test_language_link_keeps_kiosk_mode(client, db):
    html = client.get("/s/?kiosk=1").content.decode()
    assert 'href="?kiosk=1&amp;lang=es"' in html


# --- budget and logs --------------------------------------------------------


def test_answer_page_and_stylesheet_fit_in_20_kb_compressed(client, pulse, single):
    _round, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    html = client.get("/s/answer/?lang=es").content
    with open(finders.find("css/survey.css"), "rb") as stylesheet:
        css = stylesheet.read()
    compressed = len(gzip.compress(html)) + len(gzip.compress(css))
    assert compressed < 20 * 1024
    # Nothing from other hosts: every src/href is relative or same-site.
    for url in re.findall(rb'(?:src|href)="([^"]+)"', html):
        assert not re.match(rb"(https?:)?//", url), url


def test_mask_codes():
    assert mask_codes('"GET /s/t/ABCDE23456/ HTTP/1.1" 303') == (
        '"GET /s/t/[code]/ HTTP/1.1" 303'
    )
    assert mask_codes("/s/t/abc?x=1") == "/s/t/[code]?x=1"
    assert mask_codes("/s/answer/") == "/s/answer/"


def test_filter_masks_message_and_arguments():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /s/t/X7Y/", 303),
        None,
    )
    MaskSurveyCodes().filter(record)
    assert record.getMessage() == '"GET /s/t/[code]/" 303'
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(U)s',
        ({"h": "-", "r": "GET /s/t/SECRET123/ HTTP/1.1", "U": "/s/t/SECRET123/"},),
        None,
    )
    MaskSurveyCodes().filter(record)
    assert "SECRET123" not in record.getMessage()


def test_request_loggers_are_wired_to_the_filter():
    for name in (
        "django.request",
        "django.server",
        "gunicorn.access",
        "gunicorn.error",
    ):
        filters = logging.getLogger(name).filters
        assert any(isinstance(f, MaskSurveyCodes) for f in filters), name


def test_a_logged_404_does_not_contain_the_code(client, pulse, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/s/t/QQQQQWWWWW/")
    assert response.status_code == 404
    messages = [record.getMessage() for record in caplog.records]
    assert any("/s/t/[code]/" in message for message in messages)
    assert not any("QQQQQWWWWW" in message for message in messages)


# --- forged posts -------------------------------------------------------------


def test_posts_from_another_site_are_refused(client, pulse, single):
    round_, codes = pulse
    client.get(f"/s/t/{codes[0]}/")
    data = {**full_post(round_), "action": "submit"}
    forged = client.post("/s/answer/", data, HTTP_SEC_FETCH_SITE="cross-site")
    assert forged.status_code == 403
    assert_survey_headers(forged)
    forged = client.post("/s/answer/", data, HTTP_ORIGIN="https://evil.example")
    assert forged.status_code == 403
    entry = client.post("/s/", {"code": codes[1]}, HTTP_SEC_FETCH_SITE="same-site")
    assert entry.status_code == 403
    assert Response.objects.count() == 0
    # A browser's own post under no-referrer: Origin null, Sec-Fetch-Site same-origin.
    ok = client.post(
        "/s/answer/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert ok.status_code == 303
    assert Response.objects.count() == 1


def test_respondent_pages_set_no_csrf_cookie(client, pulse, single):
    _round, codes = pulse
    client.get("/s/")
    client.get(f"/s/t/{codes[0]}/")
    client.get("/s/answer/")
    assert settings.CSRF_COOKIE_NAME not in client.cookies


def test_browser_post_under_no_referrer_passes_csrf_middleware(pulse, single):
    from django.test import Client

    round_, codes = pulse
    browser = Client(enforce_csrf_checks=True)
    entry = browser.post(
        "/s/", {"code": codes[0]}, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert entry.status_code == 303
    submitted = browser.post(
        "/s/answer/",
        {**full_post(round_), "action": "submit"},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert submitted.status_code == 303
    assert Response.objects.count() == 1


def test_required_question_is_marked_and_enforced(client, pulse, paged):
    round_, codes = pulse
    row = round_.survey.survey_questions.order_by("position").first()
    row.required = True
    row.save()
    client.get(f"/s/t/{codes[0]}/")
    html = client.get("/s/answer/").content.decode()
    assert '<span class="req">(required)</span>' in html
    response = client.post("/s/answer/", {"page": 0, "action": "next"})
    assert response.status_code == 200
    assert "Answer this question." in response.content.decode()
    # Saving a draft does not insist.
    saved = client.post("/s/answer/", {"page": 0, "action": "save"})
    assert saved.status_code == 303
