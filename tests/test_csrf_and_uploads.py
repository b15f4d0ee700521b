"""Every POST form carries a CSRF token; every upload is limited in size and type.

The one deliberate exception: the anonymous staff survey (/s/) posts are
csrf_exempt and guarded by Sec-Fetch-Site/Origin instead (surveys/views.py),
because a kiosk tablet shares one browser between respondents.
"""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from reports import forms as report_forms
from reports.patients.capture import capture_point_create
from tests.test_access_matrix import _app_urls, _kwargs_of
from workforce import forms as workforce_forms
from workforce.models import Role
from workforce.training import evidence

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def _post_forms_without_token(html):
    missing = []
    for attributes, body in FORM.findall(html):
        if re.search(r'method\s*=\s*"?post', attributes, re.I) and (
            'name="csrfmiddlewaretoken"' not in body
        ):
            missing.append(attributes.strip())
    return missing


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.TEAM_LEAD, Role.SITE_MANAGER, Role.HR, Role.OWNER]
)
def test_every_post_form_on_the_main_pages_has_a_csrf_token(client, org_world, role):
    client.force_login(org_world["users"][role])
    pages = [route for route, _ in _app_urls() if not _kwargs_of(route)]
    pages += [
        f"/workforce/sites/{org_world['site_a'].pk}/",
        f"/workforce/teams/{org_world['team_a1'].pk}/",
        f"/skills/teams/{org_world['team_a1'].pk}/grid/",
        f"/recognition/sites/{org_world['site_a'].pk}/wall/",
    ]
    problems, forms_seen = [], 0
    for route in pages:
        response = client.get("/" + route.lstrip("/"))
        if response.status_code != 200 or "html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        forms_seen += len(FORM.findall(html))
        problems += [f"{route}: {form}" for form in _post_forms_without_token(html)]
    assert forms_seen > 0
    assert not problems, "\n".join(problems)


def test_sign_in_patient_and_second_factor_forms_have_a_csrf_token(client, org_world):
    point = capture_point_create(site=org_world["site_a"], team=org_world["team_a1"])
    pages = [reverse("login"), reverse("patient:capture", args=[point.token])]
    for url in pages:
        html = client.get(url).content.decode()
        assert FORM.findall(html), url
        assert _post_forms_without_token(html) == [], url


def test_posts_without_the_token_are_refused(org_world):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org_world["users"][Role.OWNER])

    assert strict.post(reverse("workforce:roster_import"), {}).status_code == 403
    assert strict.post(reverse("logout")).status_code == 403
    anonymous = Client(enforce_csrf_checks=True)
    login = anonymous.post(reverse("login"), {"username": "x", "password": "y"})
    assert login.status_code == 403


def test_the_survey_posts_are_the_documented_exception():
    from surveys import views

    # Still exempt, and still guarded: a post from another site is refused.
    assert getattr(views.answer, "csrf_exempt", False)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("surveys:answer"), {}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403


# --- Uploads -----------------------------------------------------------------------


def test_request_bodies_are_capped():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024


def _csv(size, name="data.csv"):
    return SimpleUploadedFile(name, b"a" * size, content_type="text/csv")


def test_roster_upload_limits(monkeypatch):
    monkeypatch.setattr(workforce_forms, "ROSTER_MAX_BYTES", 100)
    too_big = workforce_forms.RosterUploadForm({}, {"file": _csv(101)})
    wrong_type = workforce_forms.RosterUploadForm({}, {"file": _csv(10, "x.xlsx")})
    fine = workforce_forms.RosterUploadForm({}, {"file": _csv(100)})

    assert "the limit is 100\xa0bytes" in " ".join(too_big.errors["file"])
    assert "Upload a .csv file" in " ".join(wrong_type.errors["file"])
    assert fine.is_valid(), fine.errors


def test_patient_feedback_upload_limits(monkeypatch):
    monkeypatch.setattr(report_forms, "FEEDBACK_MAX_BYTES", 100)
    too_big = report_forms.FeedbackUploadForm({}, {"file": _csv(101)})
    wrong_type = report_forms.FeedbackUploadForm({}, {"file": _csv(10, "x.pdf")})

    assert "the limit is 100\xa0bytes" in " ".join(too_big.errors["file"])
    assert "Upload a .csv file" in " ".join(wrong_type.errors["file"])


def test_training_evidence_limits(monkeypatch):
    from django.core.exceptions import ValidationError

    monkeypatch.setattr(evidence, "MAX_EVIDENCE_BYTES", 100)
    pdf = b"%PDF-1.7\n" + b"x" * 200
    with pytest.raises(ValidationError, match="over the"):
        evidence.check_evidence(SimpleUploadedFile("c.pdf", pdf))
    with pytest.raises(ValidationError):
        evidence.check_evidence(SimpleUploadedFile("c.pdf", b"MZ not a pdf"))
