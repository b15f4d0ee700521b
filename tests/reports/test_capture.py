"""The patient page behind a poster's QR code: /p/<token>/."""

import datetime
import logging
import re

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from reports.models import PatientComment, PatientFeedback
from reports.patients.capture import (
    capture_point_create,
    capture_point_revoke,
    feedback_settings_update,
)
from workforce.models import Role
from workforce.roster import organization_today

ADDRESS = "203.0.113.77"
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def point(org_world):
    return capture_point_create(site=org_world["site_a"], team=org_world["team_a1"])


def url(point, name="capture", query=""):
    return reverse(f"patient:{name}", kwargs={"token": point.token}) + query


def patient(address=ADDRESS):
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def csrf_token(response):
    return re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()
    )[1]


def answer(client, point, score, comment=None, query=""):
    page = client.get(url(point, query=query))
    data = {"csrfmiddlewaretoken": csrf_token(page), "score": score}
    if comment is not None:
        data["comment"] = comment
    return client.post(url(point, query=query), data)


def test_page_asks_one_question_with_eleven_labelled_buttons(point):
    response = patient().get(url(point))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "How likely are you to recommend us" in html
    for score in range(11):
        assert (
            f'<label class="opt" for="score-{score}"><input type="radio" '
            f'id="score-{score}" name="score" value="{score}"'
        ) in html
    assert "<legend" in html
    assert "Northside · Front desk" in html
    assert "<script" not in html
    assert "<textarea" not in html  # comments are off by default
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_cookie_but_csrf_and_no_session(point):
    client = patient()

    page = client.get(url(point, query="?lang=es"))
    assert set(page.cookies) == {"csrftoken"}

    response = client.post(
        url(point, query="?lang=es"),
        {"csrfmiddlewaretoken": csrf_token(page), "score": "9"},
    )
    assert response.status_code == 303
    assert set(response.cookies) <= {"csrftoken"}
    thanks = client.get(response["Location"])
    assert set(thanks.cookies) <= {"csrftoken"}
    assert set(client.cookies) == {"csrftoken"}


def test_posting_without_the_csrf_token_is_refused(point):
    response = patient().post(url(point), {"score": "9"})

    assert response.status_code == 403
    assert not PatientFeedback.objects.exists()


def test_an_answer_is_stored_for_the_team_today_and_thanked(point, org_world):
    client = patient()

    response = answer(client, point, "10")

    assert response.status_code == 303
    assert response["Location"] == url(point, "thanks", "?lang=en")
    feedback = PatientFeedback.objects.get()
    assert feedback.site == org_world["site_a"]
    assert feedback.team == org_world["team_a1"]
    assert feedback.score == 10
    assert feedback.channel == "qr"
    assert feedback.batch is None
    assert feedback.date == organization_today(org_world["org"])
    thanks = client.get(response["Location"])
    assert "Thank you!" in thanks.content.decode()


def test_a_site_level_point_stores_no_team(org_world):
    site_point = capture_point_create(site=org_world["site_b"])

    answer(patient(), site_point, "3")

    feedback = PatientFeedback.objects.get()
    assert (feedback.site, feedback.team) == (org_world["site_b"], None)


def test_spanish_by_query_or_by_browser_language(point):
    spanish = patient().get(url(point, query="?lang=es")).content.decode()
    assert '<html lang="es">' in spanish
    assert "¿Qué tan probable es que nos recomiende" in spanish
    assert 'action="?lang=es"' in spanish

    browser = patient().get(url(point), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert "¿Qué tan probable" in browser.content.decode()

    response = answer(patient(), point, "7", query="?lang=es")
    assert response["Location"].endswith("?lang=es")


@pytest.mark.parametrize("score", ["", "11", "-1", "seven", "7.0"])
def test_a_missing_or_bad_score_is_asked_again(point, score):
    client = patient()

    response = answer(client, point, score, query="?lang=es")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Elija un número del 0 al 10." in html
    assert not PatientFeedback.objects.exists()


def test_no_address_is_stored_or_logged(point, org_world, caplog):
    feedback_settings_update(organization=org_world["org"], collect_comments=True)
    caplog.set_level(logging.DEBUG)

    answer(patient(), point, "2", comment="Long wait")
    patient().post(url(point), {"score": "2"})  # refused (CSRF), logged by Django

    assert PatientFeedback.objects.count() == 1
    assert PatientComment.objects.count() == 1
    for model in apps.get_models():
        text_fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
            and not field.is_relation
        ]
        for row in model.objects.values_list(*text_fields) if text_fields else []:
            assert ADDRESS not in str(row), model
    assert "Forbidden" in caplog.text  # the request logs were captured
    assert ADDRESS not in caplog.text


def test_comment_box_only_when_the_organization_collects_comments(point, org_world):
    answer(patient(), point, "4", comment="The chairs are uncomfortable")
    assert PatientFeedback.objects.count() == 1
    assert not PatientComment.objects.exists()

    feedback_settings_update(organization=org_world["org"], collect_comments=True)
    page = patient().get(url(point)).content.decode()
    assert '<textarea id="comment" name="comment"' in page
    assert "Please do not write your name" in page

    answer(patient(), point, "4", comment="  The chairs are uncomfortable  ")
    comment = PatientComment.objects.get()
    assert comment.text == "The chairs are uncomfortable"
    assert comment.score == 4
    assert comment.site == org_world["site_a"]
    assert comment.team == org_world["team_a1"]
    assert comment.organization == org_world["org"]

    answer(patient(), point, "9", comment="")
    assert PatientComment.objects.count() == 1


def test_comments_are_shown_only_to_owner_and_hr(point, org_world, client):
    feedback_settings_update(organization=org_world["org"], collect_comments=True)
    answer(patient(), point, "1", comment="Rude on the phone")
    comments = reverse("reports:comments")

    for role in (Role.OWNER, Role.HR):
        client.force_login(org_world["users"][role], backend=BACKEND)
        assert "Rude on the phone" in client.get(comments).content.decode()
    for role in (Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF):
        client.force_login(org_world["users"][role], backend=BACKEND)
        response = client.get(comments)
        assert response.status_code == 403
        assert b"Rude on the phone" not in response.content
    from tests.factories import UserFactory

    other_owner = UserFactory(organization=org_world["other_org"], role=Role.OWNER)
    client.force_login(other_owner, backend=BACKEND)
    assert b"Rude on the phone" not in client.get(comments).content


def test_a_too_long_comment_is_refused_with_a_message(point, org_world):
    feedback_settings_update(organization=org_world["org"], collect_comments=True)

    response = answer(patient(), point, "5", comment="x" * 1001)

    assert response.status_code == 400
    assert "under 1,000 characters" in response.content.decode()
    assert not PatientFeedback.objects.exists()


def test_rate_limit_per_point_and_address_allows_a_shared_tablet(point, org_world):
    tablet = patient()
    page = tablet.get(url(point))
    token = csrf_token(page)
    for _ in range(30):
        response = tablet.post(url(point), {"csrfmiddlewaretoken": token, "score": "8"})
        assert response.status_code == 303

    limited = tablet.post(url(point), {"csrfmiddlewaretoken": token, "score": "8"})

    assert limited.status_code == 429
    assert "Please wait a few minutes" in limited.content.decode()
    assert PatientFeedback.objects.count() == 30
    # Another device, or the same one at another poster, is not held up.
    assert answer(patient("198.51.100.4"), point, "8").status_code == 303
    other_point = capture_point_create(site=org_world["site_b"])
    assert answer(tablet, other_point, "8").status_code == 303


def test_a_revoked_or_unknown_code_is_gone(point):
    capture_point_revoke(point=point)
    client = patient()

    page = client.get(url(point))
    assert page.status_code == 404
    assert "This code is no longer in use" in page.content.decode()
    assert client.get("/p/not-a-real-token/").status_code == 404
    response = client.post(url(point), {"score": "9"})
    assert response.status_code in (403, 404)
    assert not PatientFeedback.objects.exists()


def test_kiosk_mode_returns_to_the_question(point):
    client = patient()

    response = answer(client, point, "9", query="?kiosk=1")

    assert response["Location"] == url(point, "thanks", "?lang=en&kiosk=1")
    thanks = client.get(response["Location"]).content.decode()
    assert (
        f'<meta http-equiv="refresh" content="8;url={url(point)}?lang=en&amp;kiosk=1">'
        in thanks
    )
    assert "Next person" in thanks


def test_answers_are_dated_in_the_organizations_time_zone(point, org_world):
    org = org_world["org"]
    org.timezone = "Pacific/Kiritimati"
    org.save()

    answer(patient(), point, "6")

    assert PatientFeedback.objects.get().date == organization_today(org)
    assert isinstance(organization_today(org), datetime.date)
