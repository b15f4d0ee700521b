"""The training pages through the real views: scoping, matrix, CSV, evidence."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import UserFactory
from tests.workforce.training.conftest import (
    DOCX_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
)
from tests.workforce.training.factories import CompletionFactory
from workforce.models import Role
from workforce.training.models import Completion
from workforce.training.services import completion_attach_evidence

ROLES = [Role.OWNER, Role.HR, Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF]

# role -> {site key: status} for /training/?site=<id>
SITE_FILTER = {
    Role.OWNER: {"site_a": 200, "site_b": 200, "other_site": 404},
    Role.HR: {"site_a": 200, "site_b": 200, "other_site": 404},
    Role.SITE_MANAGER: {"site_a": 200, "site_b": 404, "other_site": 404},
    Role.TEAM_LEAD: {"site_a": 200, "site_b": 404, "other_site": 404},
    Role.STAFF: {"site_a": 403, "site_b": 403, "other_site": 403},
}
TEAM_FILTER = {
    Role.OWNER: {"team_a1": 200, "team_a2": 200, "team_b1": 200, "other_team": 404},
    Role.HR: {"team_a1": 200, "team_a2": 200, "team_b1": 200, "other_team": 404},
    Role.SITE_MANAGER: {
        "team_a1": 200,
        "team_a2": 200,
        "team_b1": 404,
        "other_team": 404,
    },
    Role.TEAM_LEAD: {
        "team_a1": 200,
        "team_a2": 404,
        "team_b1": 404,
        "other_team": 404,
    },
    Role.STAFF: {"team_a1": 403, "team_a2": 403, "team_b1": 403, "other_team": 403},
}
# role -> {person key: status} for the person page
PERSON_PAGE = {
    Role.OWNER: {"ann": 200, "a2": 200, "dan": 200, "outsider": 404},
    Role.HR: {"ann": 200, "a2": 200, "dan": 200, "outsider": 404},
    Role.SITE_MANAGER: {"ann": 200, "a2": 200, "dan": 404, "outsider": 404},
    Role.TEAM_LEAD: {"ann": 200, "a2": 404, "dan": 404, "outsider": 404},
    Role.STAFF: {"ann": 403, "a2": 403, "dan": 403, "outsider": 403},
}
# role -> {completion owner: status} for evidence download and upload.
# The staff user is ann herself.
EVIDENCE = {
    Role.OWNER: {"ann": 200, "a2": 200, "dan": 200, "outsider": 404},
    Role.HR: {"ann": 200, "a2": 200, "dan": 200, "outsider": 404},
    Role.SITE_MANAGER: {"ann": 200, "a2": 200, "dan": 404, "outsider": 404},
    Role.TEAM_LEAD: {"ann": 200, "a2": 404, "dan": 404, "outsider": 404},
    Role.STAFF: {"ann": 200, "a2": 404, "dan": 404, "outsider": 404},
}


def pdf(name="certificate.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def people(world):
    return {
        "ann": world["ann"],
        "a2": world["people"][world["team_a2"]][0],
        "dan": world["dan"],
        "outsider": world["outsider"],
    }


@pytest.fixture
def with_evidence(world, people):
    """One completion with evidence for each person key."""
    completions = {
        "ann": world["completions"]["ann_bls"],
        "dan": world["completions"]["dan_bls"],
        "outsider": world["completions"]["outsider"],
        "a2": CompletionFactory(
            staff_member=people["a2"],
            course=world["bls"],
            completed_on=datetime.date(2025, 2, 1),
        ),
    }
    for key, completion in completions.items():
        completions[key] = completion_attach_evidence(
            completion=completion, file=pdf(f"{key}.pdf")
        )
    return completions


# --- Scoping ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_matrix_site_filter_is_scoped(world, client, role):
    client.force_login(world["users"][role])
    assert client.get(reverse("training:matrix")).status_code == (
        403 if role == Role.STAFF else 200
    )
    for key, status in SITE_FILTER[role].items():
        for page in ("training:matrix", "training:matrix_csv"):
            response = client.get(reverse(page), {"site": world[key].pk})
            assert response.status_code == status, (role, page, key)


@pytest.mark.parametrize("role", ROLES)
def test_matrix_team_filter_is_scoped(world, client, role):
    client.force_login(world["users"][role])
    for key, status in TEAM_FILTER[role].items():
        for page in ("training:matrix", "training:matrix_csv"):
            response = client.get(reverse(page), {"team": world[key].pk})
            assert response.status_code == status, (role, page, key)


@pytest.mark.parametrize("role", ROLES)
def test_person_page_is_scoped(world, people, client, role):
    client.force_login(world["users"][role])
    for key, status in PERSON_PAGE[role].items():
        url = reverse("training:person", args=[people[key].pk])
        assert client.get(url).status_code == status, (role, key)
        before = Completion.objects.count()
        response = client.post(
            url,
            {
                "course": world["hipaa"].pk,
                "completed_on": "2025-05-01",
                "cpd_hours": "1",
            },
        )
        expected = {200: 302}.get(status, status)
        assert response.status_code == expected, (role, key)
        assert Completion.objects.count() == before + (expected == 302)


@pytest.mark.parametrize("role", ROLES)
def test_evidence_download_is_scoped(world, with_evidence, client, role):
    client.force_login(world["users"][role])
    for key, status in EVIDENCE[role].items():
        url = reverse("training:evidence", args=[with_evidence[key].pk])
        assert client.get(url).status_code == status, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_evidence_upload_is_scoped(world, with_evidence, client, role):
    client.force_login(world["users"][role])
    for key, status in EVIDENCE[role].items():
        completion = with_evidence[key]
        url = reverse("training:evidence_upload", args=[completion.pk])
        response = client.post(url, {"evidence": pdf("new.pdf")})
        assert response.status_code == (302 if status == 200 else 404), (role, key)
        completion.refresh_from_db()
        assert completion.evidence_name == (
            "new.pdf" if status == 200 else f"{key}.pdf"
        )


def test_other_organizations_hr_sees_nothing_of_ours(world, with_evidence, client):
    client.force_login(UserFactory(organization=world["other_org"], role=Role.HR))
    assert (
        client.get(
            reverse("training:evidence", args=[with_evidence["ann"].pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("training:person", args=[world["ann"].pk])).status_code
        == 404
    )
    body = client.get(reverse("training:matrix")).content.decode()
    assert "Ann Archer" not in body


def test_signed_out_visitors_go_to_the_login(world, with_evidence, client):
    for url in (
        reverse("training:matrix"),
        reverse("training:mine"),
        reverse("training:evidence", args=[with_evidence["ann"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- The matrix ---------------------------------------------------------------


def test_matrix_page_shows_statuses_as_text_with_scoped_headers(world, client):
    client.force_login(world["users"][Role.TEAM_LEAD])
    response = client.get(reverse("training:matrix"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="col">HIPAA</th>' in body
    assert 'scope="row"' in body
    assert "Expires within 30 days" in body
    assert "Expired" in body and "Missing" in body
    assert "until 2025-07-01" in body
    assert "Not required" in body
    # The lead sees team A1 only.
    assert "Dan Dale" not in body
    assert "5 of 7" in body  # tfoot: in date, of required
    assert response.context["percent"] == 71


def test_matrix_team_at_another_site_is_explained(world, client):
    client.force_login(world["users"][Role.OWNER])
    response = client.get(
        reverse("training:matrix"),
        {"site": world["site_b"].pk, "team": world["team_a1"].pk},
    )
    assert response.status_code == 200
    assert "is not at Southside" in response.content.decode()
    assert response.context["matrix"].rows == []


def test_matrix_csv_rows_and_escaping(world, client):
    world["bob"].full_name = '=HYPERLINK("http://x")'
    world["bob"].save()
    client.force_login(world["users"][Role.OWNER])
    response = client.get(reverse("training:matrix_csv"), {"team": world["team_a1"].pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7
    bob = [row for row in rows if row["employee_id"] == world["bob"].employee_id]
    assert {row["full_name"] for row in bob} == {'\'=HYPERLINK("http://x")'}
    ann_bls = next(
        row
        for row in rows
        if row["employee_id"] == world["ann"].employee_id and row["course"] == "BLS/CPR"
    )
    assert ann_bls["status"] == "Expires within 30 days"
    assert (ann_bls["expires_on"], ann_bls["days_left"]) == ("2025-07-01", "30")
    missing = next(row for row in bob if row["course"] == "HIPAA")
    assert (missing["status"], missing["completed_on"], missing["days_left"]) == (
        "Missing",
        "",
        "",
    )


# --- Recording and My training -------------------------------------------------


def test_lead_records_a_completion_with_evidence(world, client):
    lead = world["users"][Role.TEAM_LEAD]
    client.force_login(lead)
    url = reverse("training:person", args=[world["bob"].pk])
    response = client.post(
        url,
        {
            "course": world["hipaa"].pk,
            "completed_on": "2025-05-20",
            "expires_on": "",
            "cpd_hours": "1.5",
            "evidence": SimpleUploadedFile("hipaa.jpg", JPEG_BYTES),
        },
    )
    assert response.status_code == 302
    completion = Completion.objects.get(
        staff_member=world["bob"], course=world["hipaa"]
    )
    assert completion.expires_on == datetime.date(2026, 5, 20)
    assert str(completion.cpd_hours) == "1.50"
    assert completion.recorded_by == lead
    assert completion.evidence_name == "hipaa.jpg"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"completed_on": "2025-06-02"}, "completed_on"),  # tomorrow
        ({"expires_on": "2025-05-01"}, "expires_on"),
        ({"cpd_hours": "-1"}, "cpd_hours"),
        ({"evidence": SimpleUploadedFile("cert.pdf", DOCX_BYTES)}, "evidence"),
    ],
)
def test_recording_refuses_bad_input(world, client, data, field):
    client.force_login(world["users"][Role.HR])
    post = {"course": world["hipaa"].pk, "completed_on": "2025-05-20", **data}
    response = client.post(reverse("training:person", args=[world["bob"].pk]), post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Completion.objects.filter(
        staff_member=world["bob"], course=world["hipaa"]
    ).exists()


def test_recording_the_same_day_twice_is_a_form_error(world, client):
    client.force_login(world["users"][Role.HR])
    response = client.post(
        reverse("training:person", args=[world["ann"].pk]),
        {"course": world["bls"].pk, "completed_on": "2023-07-01"},
    )
    assert response.status_code == 200
    assert "already has this course" in response.content.decode()


def test_recording_offers_only_our_courses(world, client):
    client.force_login(world["users"][Role.HR])
    response = client.post(
        reverse("training:person", args=[world["ann"].pk]),
        {"course": world["other_course"].pk, "completed_on": "2025-05-01"},
    )
    assert "course" in response.context["form"].errors


def test_my_training_shows_my_own_due_and_completions(world, with_evidence, client):
    client.force_login(world["users"][Role.STAFF])  # ann
    response = client.get(reverse("training:mine"))
    body = response.content.decode()
    assert response.status_code == 200
    training = response.context["training"]
    assert training.person == world["ann"]
    assert [item.course.name for item in training.due] == ["HIPAA", "BLS/CPR"]
    assert reverse("training:evidence", args=[with_evidence["ann"].pk]) in body
    assert reverse("training:evidence_upload", args=[with_evidence["ann"].pk]) in body
    assert "Bob Baker" not in body
    assert 'accept=".jpeg,.jpg,.pdf,.png,' in body


def test_my_training_without_a_staff_record(world, client):
    client.force_login(world["users"][Role.OWNER])
    response = client.get(reverse("training:mine"))
    assert response.status_code == 200
    assert "not linked to a staff record" in response.content.decode()


def test_nav_links(world, client):
    client.force_login(world["users"][Role.STAFF])
    body = client.get(reverse("training:mine")).content.decode()
    assert f'href="{reverse("training:mine")}"' in body
    assert f'href="{reverse("training:matrix")}"' not in body
    client.force_login(world["users"][Role.SITE_MANAGER])
    body = client.get(reverse("training:matrix")).content.decode()
    assert f'href="{reverse("training:matrix")}"' in body


# --- Evidence through the views -------------------------------------------------


def test_evidence_is_streamed_as_an_attachment_with_nosniff(
    world, with_evidence, client
):
    client.force_login(world["users"][Role.STAFF])
    response = client.get(reverse("training:evidence", args=[with_evidence["ann"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ann.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_no_evidence_or_missing_file_is_404(world, with_evidence, client):
    client.force_login(world["users"][Role.HR])
    without = world["completions"]["cat_bls"]
    assert (
        client.get(reverse("training:evidence", args=[without.pk])).status_code == 404
    )
    Path(with_evidence["ann"].evidence.path).unlink()
    url = reverse("training:evidence", args=[with_evidence["ann"].pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("certificate.pdf", DOCX_BYTES, "is not a PDF, PNG or JPEG"),
        ("certificate.pdf", PNG_BYTES, "but its name ends in “.pdf”"),
        ("big.pdf", PDF_BYTES + b"0" * (5 * 1024 * 1024), "over the 5.0"),
    ],
)
def test_staff_upload_validation(world, client, name, content, message):
    client.force_login(world["users"][Role.STAFF])
    completion = world["completions"]["ann_hipaa"]
    response = client.post(
        reverse("training:evidence_upload", args=[completion.pk]),
        {"evidence": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("training:mine")
    assert message in response.content.decode()
    completion.refresh_from_db()
    assert not completion.evidence


def test_staff_upload_for_own_completion(world, client):
    client.force_login(world["users"][Role.STAFF])
    completion = world["completions"]["ann_hipaa"]
    response = client.post(
        reverse("training:evidence_upload", args=[completion.pk]),
        {"evidence": SimpleUploadedFile("hipaa.png", PNG_BYTES)},
    )
    assert response["Location"] == reverse("training:mine")
    completion.refresh_from_db()
    assert completion.evidence_name == "hipaa.png"
    assert Path(completion.evidence.path).read_bytes() == PNG_BYTES


def test_upload_is_post_only(world, client):
    client.force_login(world["users"][Role.STAFF])
    url = reverse(
        "training:evidence_upload", args=[world["completions"]["ann_hipaa"].pk]
    )
    assert client.get(url).status_code == 405
