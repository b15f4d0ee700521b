"""The patient feedback back office and posters, through the real views."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import (
    PatientCapturePoint,
    PatientComment,
    PatientFeedback,
    PatientFeedbackBatch,
)
from reports.patients import batches
from reports.patients.capture import capture_point_create
from workforce.models import Role

BACKEND = "django.contrib.auth.backends.ModelBackend"
HEADER = "site,team,date,score\n"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")


def login(client, user):
    client.force_login(user, backend=BACKEND)
    return client


def upload(client, text, drop=False, name="scores.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode())}
    if drop:
        data["drop_extra_columns"] = "on"
    return client.post(reverse("reports:patient_feedback"), data)


@pytest.fixture
def owner(client, org_world):
    return login(client, org_world["users"][Role.OWNER])


def pending_files():
    directory = batches.pending_dir()
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_upload_preview_confirm_status_and_undo(
    owner, org_world, django_capture_on_commit_callbacks
):
    text = (
        "patient_name,site,team,date,score\n"
        "Jane Patient,Northside,Front desk,2025-01-02,10\n"
        "John Patient,Northside,,2025-01-03,4\n"
        "Ann Patient,Southside,Front desk,2025-02-01,8\n"
    )

    response = upload(owner, text, drop=True)

    batch = PatientFeedbackBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:batch", args=[batch.pk])
    assert batch.status == PatientFeedbackBatch.Status.PREVIEWED
    assert batch.created_by == org_world["users"][Role.OWNER]
    assert batch.rows == 3
    assert batch.dropped_columns == ["patient_name"]
    assert not PatientFeedback.objects.exists()
    # The copy kept for the worker holds only the accepted columns.
    [name] = pending_files()
    kept = (batches.pending_dir() / name).read_text()
    assert "Patient" not in kept
    assert kept.splitlines()[0] == "site,team,date,score"

    page = owner.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "Nothing has been saved yet" in content
    assert "Dropped without being read or stored: patient_name." in content
    assert "Import 3 scores" in content
    assert "Jane" not in content

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(reverse("reports:batch_confirm", args=[batch.pk]))
    assert response.status_code == 302

    batch.refresh_from_db()
    assert batch.status == PatientFeedbackBatch.Status.DONE
    assert batch.progress_done == 3
    assert PatientFeedback.objects.filter(batch=batch).count() == 3
    assert pending_files() == []
    assert batch.pending_file == ""
    page = owner.get(reverse("reports:batch", args=[batch.pk])).content.decode()
    assert "Imported on" in page
    listing = owner.get(reverse("reports:patient_feedback")).content.decode()
    assert f"#{batch.pk} scores.csv" in listing
    assert "Undo" in listing

    owner.post(reverse("reports:batch_undo", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == PatientFeedbackBatch.Status.UNDONE
    assert not PatientFeedback.objects.exists()


def test_extra_column_is_rejected_on_the_page_and_nothing_is_kept(owner, org_world):
    upload(owner, "site,team,date,score,MRN\nNorthside,,2025-01-02,9,123\n")

    batch = PatientFeedbackBatch.objects.get()
    assert batch.status == PatientFeedbackBatch.Status.INVALID
    assert batch.error_count == 1
    assert pending_files() == []
    page = owner.get(reverse("reports:batch", args=[batch.pk])).content.decode()
    assert "nothing was imported" in page
    assert "<code>MRN</code>" in page
    assert "This column is not accepted" in page
    problems = owner.get(reverse("reports:batch_errors_csv", args=[batch.pk]))
    assert problems["Content-Type"].startswith("text/csv")
    assert b'1,MRN,"This column is not accepted' in problems.content


def test_bad_rows_list_problems_capped(owner, org_world):
    upload(owner, HEADER + "Northside,,2025-01-02,11\n" * 1200)

    batch = PatientFeedbackBatch.objects.get()
    assert batch.status == PatientFeedbackBatch.Status.INVALID
    assert batch.error_count == 1200
    assert len(batch.errors) == 1000
    page = owner.get(reverse("reports:batch", args=[batch.pk])).content.decode()
    assert "1200 problems" in page
    assert "200 more problems were counted but not listed" in page


def test_the_same_file_is_refused_at_preview_and_at_confirm(
    owner, org_world, django_capture_on_commit_callbacks
):
    text = HEADER + "Northside,,2025-01-02,9\n"
    upload(owner, text)
    upload(owner, text, name="again.csv")
    first, second = PatientFeedbackBatch.objects.order_by("pk")
    assert second.status == PatientFeedbackBatch.Status.PREVIEWED

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("reports:batch_confirm", args=[first.pk]))
    response = owner.post(
        reverse("reports:batch_confirm", args=[second.pk]), follow=True
    )

    assert f"already imported as batch #{first.pk}" in response.content.decode()
    second.refresh_from_db()
    assert second.status == PatientFeedbackBatch.Status.PREVIEWED
    assert PatientFeedback.objects.count() == 1

    upload(owner, text, name="third.csv")
    third = PatientFeedbackBatch.objects.latest("pk")
    assert third.status == PatientFeedbackBatch.Status.INVALID
    assert f"already imported as batch #{first.pk}" in third.errors[0]["message"]


def test_confirm_twice_imports_once(
    owner, org_world, django_capture_on_commit_callbacks
):
    upload(owner, HEADER + "Northside,,2025-01-02,9\n")
    batch = PatientFeedbackBatch.objects.get()
    url = reverse("reports:batch_confirm", args=[batch.pk])

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        owner.post(url)

    assert callbacks == []
    assert PatientFeedback.objects.count() == 1
    assert batches.feedback_batch_run(batch_id=batch.pk) is False


def test_a_site_renamed_between_preview_and_import_fails_cleanly(
    owner, org_world, django_capture_on_commit_callbacks
):
    upload(owner, HEADER + "Northside,,2025-01-02,9\nSouthside,,2025-01-02,9\n")
    batch = PatientFeedbackBatch.objects.get()
    site_b = org_world["site_b"]
    site_b.name = "South Side Clinic"
    site_b.save()

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("reports:batch_confirm", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == PatientFeedbackBatch.Status.FAILED
    assert "no site called “Southside”" in batch.errors[0]["message"]
    assert not PatientFeedback.objects.exists()
    assert pending_files() == []


def test_running_progress_comes_from_the_cache(owner, org_world):
    upload(owner, HEADER + "Northside,,2025-01-02,9\n")
    batch = PatientFeedbackBatch.objects.get()
    PatientFeedbackBatch.objects.filter(pk=batch.pk).update(
        status=PatientFeedbackBatch.Status.RUNNING
    )
    batch.refresh_from_db()
    from django.core.cache import cache

    cache.set(batches._progress_key(batch.pk), 5000)

    page = owner.get(reverse("reports:batch", args=[batch.pk])).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in page
    assert "5,000 of 1 scores written" in page or "5000 of 1 scores written" in page


def test_discard_removes_the_upload_and_its_copy(owner, org_world):
    upload(owner, HEADER + "Northside,,2025-01-02,9\n")
    batch = PatientFeedbackBatch.objects.get()

    owner.post(reverse("reports:batch_discard", args=[batch.pk]))

    assert not PatientFeedbackBatch.objects.exists()
    assert pending_files() == []


def test_comment_setting_and_comments_page(owner, org_world):
    org = org_world["org"]
    PatientComment.objects.create(
        organization=org,
        site=org_world["site_a"],
        date=datetime.date(2025, 1, 2),
        score=3,
        text="Waited an hour",
    )
    PatientComment.objects.create(
        organization=org_world["other_org"],
        site=org_world["other_site"],
        date=datetime.date(2025, 1, 2),
        score=3,
        text="Other group's comment",
    )

    owner.post(reverse("reports:patient_feedback_settings"), {"collect_comments": "on"})
    org.patient_feedback_settings.refresh_from_db()
    assert org.patient_feedback_settings.collect_comments is True

    page = owner.get(reverse("reports:comments")).content.decode()
    assert "Waited an hour" in page
    assert "Other group" not in page
    assert "Comments are off" not in page


ORG_ADMIN_PAGES = ["patient_feedback", "comments"]


@pytest.mark.parametrize("name", ORG_ADMIN_PAGES)
def test_back_office_pages_are_for_owner_and_hr(client, org_world, name):
    url = reverse(f"reports:{name}")
    for role in (Role.OWNER, Role.HR):
        assert login(client, org_world["users"][role]).get(url).status_code == 200
    for role in (Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF):
        assert login(client, org_world["users"][role]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_another_organizations_batch_is_not_found(client, org_world, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "Elsewhere,,2025-01-02,9\n")
    from reports.patients.imports import feedback_import

    batch = feedback_import(
        organization=org_world["other_org"],
        open_file=lambda: path.open("rb"),
        filename="x.csv",
    )
    other_owner = org_world["users"][Role.OWNER]
    login(client, other_owner)
    for name in ("batch", "batch_errors_csv"):
        assert (
            client.get(reverse(f"reports:{name}", args=[batch.pk])).status_code == 404
        )
    for name in ("batch_confirm", "batch_undo", "batch_discard"):
        assert (
            client.post(reverse(f"reports:{name}", args=[batch.pk])).status_code == 404
        )
    batch.refresh_from_db()
    assert batch.status == PatientFeedbackBatch.Status.DONE


# --- Posters -----------------------------------------------------------------


def test_owner_makes_prints_and_revokes_a_code(owner, org_world, settings):
    settings.SITE_URL = "https://flywheel.example.com"
    team = org_world["team_a1"]

    listing = owner.get(reverse("reports:posters")).content.decode()
    assert "Northside (whole site)" in listing
    assert "Southside · Front desk" in listing

    response = owner.post(
        reverse("reports:poster_create"),
        {"site": org_world["site_a"].pk, "team": team.pk},
    )
    point = PatientCapturePoint.objects.get()
    assert response["Location"] == reverse("reports:poster", args=[point.pk])
    assert point.team == team
    assert len(point.token) >= 16

    poster = owner.get(response["Location"]).content.decode()
    assert "<svg" in poster
    assert f"flywheel.example.com/p/{point.token}/" in poster
    assert "How likely are you to recommend us" in poster
    assert "¿Qué tan probable es que nos recomiende" in poster

    # Making it again gives the same live code.
    owner.post(
        reverse("reports:poster_create"),
        {"site": org_world["site_a"].pk, "team": team.pk},
    )
    assert PatientCapturePoint.objects.count() == 1

    owner.post(reverse("reports:poster_revoke", args=[point.pk]))
    point.refresh_from_db()
    assert point.revoked_at is not None
    owner.post(
        reverse("reports:poster_create"),
        {"site": org_world["site_a"].pk, "team": team.pk},
    )
    fresh = PatientCapturePoint.objects.get(revoked_at__isnull=True)
    assert fresh.token != point.token


def test_site_manager_sees_only_their_sites_posters(client, org_world):
    manager = login(client, org_world["users"][Role.SITE_MANAGER])
    listing = manager.get(reverse("reports:posters")).content.decode()
    assert "Northside" in listing
    assert "Southside" not in listing

    response = manager.post(
        reverse("reports:poster_create"), {"site": org_world["site_b"].pk}
    )
    assert response.status_code == 404
    assert not PatientCapturePoint.objects.exists()

    other_point = capture_point_create(site=org_world["site_b"])
    assert (
        manager.get(reverse("reports:poster", args=[other_point.pk])).status_code == 404
    )
    assert (
        manager.post(
            reverse("reports:poster_revoke", args=[other_point.pk])
        ).status_code
        == 404
    )
    foreign = capture_point_create(site=org_world["other_site"])
    assert manager.get(reverse("reports:poster", args=[foreign.pk])).status_code == 404

    own = capture_point_create(site=org_world["site_a"])
    assert manager.get(reverse("reports:poster", args=[own.pk])).status_code == 200


def test_a_team_from_another_site_cannot_be_paired(owner, org_world):
    response = owner.post(
        reverse("reports:poster_create"),
        {"site": org_world["site_a"].pk, "team": org_world["team_b1"].pk},
    )
    assert response.status_code == 404
    assert not PatientCapturePoint.objects.exists()


def test_posters_are_not_for_team_leads_or_staff(client, org_world):
    point = capture_point_create(site=org_world["site_a"])
    for role in (Role.TEAM_LEAD, Role.STAFF):
        user = login(client, org_world["users"][role])
        assert user.get(reverse("reports:posters")).status_code == 403
        assert user.get(reverse("reports:poster", args=[point.pk])).status_code == 403


def test_nav_links(client, org_world):
    owner_page = login(client, org_world["users"][Role.OWNER]).get(reverse("home"))
    assert (
        f'href="{reverse("reports:patient_feedback")}"' in owner_page.content.decode()
    )
    manager_page = login(client, org_world["users"][Role.SITE_MANAGER]).get(
        reverse("home")
    )
    assert reverse("reports:posters") in manager_page.content.decode()
    assert f'href="{reverse("reports:patient_feedback")}"' not in (
        manager_page.content.decode()
    )
