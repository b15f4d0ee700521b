import csv
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import UserFactory
from tests.workforce.roster_csv import person, roster_csv, spells, table_counts
from workforce.models import Role, RosterImport, StaffMember
from workforce.roster import organization_today

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _login(client, user):
    client.force_login(user, backend=BACKEND)
    return client


def _upload(client, text, name="roster.csv", effective_date="2025-06-01"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("workforce:roster_import"),
        {"file": SimpleUploadedFile(name, data), "effective_date": effective_date},
    )


@pytest.fixture
def owner_client(client, org_world):
    return _login(client, org_world["users"][Role.OWNER])


def test_upload_page_is_for_owner_and_hr(client, org_world):
    url = reverse("workforce:roster_import")
    for role in (Role.OWNER, Role.HR):
        response = _login(client, org_world["users"][role]).get(url)
        assert response.status_code == 200
        assert b'type="file"' in response.content
    for role in (Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF):
        assert _login(client, org_world["users"][role]).get(url).status_code == 403
        assert _upload(client, roster_csv(person())).status_code == 403


def test_upload_page_needs_sign_in(client, org_world):
    response = client.get(reverse("workforce:roster_import"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_upload_preview_apply_status(
    owner_client, org_world, django_capture_on_commit_callbacks
):
    org = org_world["org"]
    mover = org_world["people"][org_world["team_a1"]][0]
    text = roster_csv(
        person(employee_id="NEW1", site="Uptown", team="Hygiene", job_role="Hygienist"),
        person(
            employee_id=mover.employee_id,
            full_name=mover.full_name,
            email=mover.email,
            phone=mover.phone,
            site="Northside",
            team="Hygiene",
            job_role=mover.job_role.name,
            hire_date=mover.hire_date.isoformat(),
        ),
    )
    before = table_counts()
    response = _upload(owner_client, text)
    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "workforce:roster_import_preview", args=[record.pk]
    )
    assert record.status == RosterImport.Status.PREVIEWED
    assert record.uploaded_by == org_world["users"][Role.OWNER]
    assert record.organization == org
    assert record.original_filename == "roster.csv"
    assert table_counts() == before  # previewing writes no roster data

    page = owner_client.get(response["Location"])
    assert page.status_code == 200
    summary = page.context["record"].summary
    assert (summary["created"], summary["updated"], summary["transfers"]) == (1, 1, 1)
    assert summary["new_sites"] == ["Uptown"]
    assert summary["new_teams"] == ["Hygiene – Uptown"]
    assert summary["new_job_roles"] == ["Hygienist"]
    html = page.content.decode()
    assert "Apply import" in html
    assert "Hygiene – Uptown" in html
    assert "Team transfer" in html

    apply_url = reverse("workforce:roster_import_apply", args=[record.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner_client.post(apply_url)
    assert len(callbacks) == 1
    status_url = reverse("workforce:roster_import_status", args=[record.pk])
    assert response["Location"] == status_url

    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE
    assert (record.progress_done, record.progress_total) == (2, 2)
    assert record.finished_at is not None
    assert StaffMember.objects.get(organization=org, employee_id="NEW1").site.name == (
        "Uptown"
    )
    mover.refresh_from_db()
    assert mover.team == org_world["team_a2"]
    assert spells(mover) == [
        ("Front desk", "2024-01-15", "2025-06-01"),
        ("Hygiene", "2025-06-01", None),
    ]

    page = owner_client.get(status_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Imported on" in html
    assert 'http-equiv="refresh"' not in html
    # Once applied, the preview leads to the status page and cannot apply again.
    assert (
        owner_client.get(reverse("workforce:roster_import_preview", args=[record.pk]))[
            "Location"
        ]
        == status_url
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        owner_client.post(apply_url)
    assert callbacks == []
    assert len(spells(mover)) == 2


def test_status_page_shows_progress_while_running(owner_client, org_world):
    record = RosterImport.objects.create(
        organization=org_world["org"],
        original_filename="big.csv",
        effective_date="2025-06-01",
        status=RosterImport.Status.RUNNING,
        progress_total=10000,
    )
    cache.set(f"roster-import:{record.pk}:progress", (5000, 10000))
    html = owner_client.get(
        reverse("workforce:roster_import_status", args=[record.pk])
    ).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="import-progress" value="5000" max="10000">' in html
    assert "5,000 of 10,000 rows written" in html


def test_invalid_upload_lists_every_error(owner_client, org_world):
    before = table_counts()
    text = roster_csv(
        person(hire_date="15/01/2024"),
        person(employee_id="E2", fte="2", termination_reason="voluntary"),
    )
    response = _upload(owner_client, text)
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.INVALID
    assert record.content == ""
    page = owner_client.get(response["Location"])
    html = page.content.decode()
    assert "3 problems" in html
    assert [(e["row"], e["column"]) for e in page.context["errors"]] == [
        (2, "hire_date"),
        (3, "fte"),
        (3, "termination_reason"),
    ]
    assert "Apply import" not in html
    assert reverse("workforce:roster_import_errors_csv", args=[record.pk]) in html
    assert table_counts() == before
    response = owner_client.post(
        reverse("workforce:roster_import_apply", args=[record.pk])
    )
    record.refresh_from_db()
    assert record.status == RosterImport.Status.INVALID


def test_error_csv_escapes_formulas(owner_client, org_world):
    columns = ['=HYPERLINK("http://evil")', *person(), "@SUM(A1)"]
    response = _upload(owner_client, roster_csv(person(), columns=columns))
    record = RosterImport.objects.get()
    download = owner_client.get(
        reverse("workforce:roster_import_errors_csv", args=[record.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "message"]
    assert [row[:2] for row in rows[1:]] == [
        ["1", '\'=HYPERLINK("http://evil")'],
        ["1", "'@SUM(A1)"],
    ]
    assert response.status_code == 302


def test_non_utf8_upload_says_so(owner_client, org_world):
    response = _upload(
        owner_client, roster_csv(person(full_name="Zoë")).encode("cp1252")
    )
    html = owner_client.get(response["Location"]).content.decode()
    assert "not UTF-8" in html
    assert "CSV UTF-8" in html


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("roster.xlsx", 10, "Upload a .csv file"),
        ("roster.csv", 5 * 1024 * 1024 + 1, "the limit is 5.0"),
    ],
)
def test_upload_form_rejects_wrong_files(owner_client, org_world, name, size, message):
    response = owner_client.post(
        reverse("workforce:roster_import"),
        {"file": SimpleUploadedFile(name, b"x" * size)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RosterImport.objects.exists()


def test_effective_date_defaults_to_the_organizations_today(owner_client, org_world):
    _upload(owner_client, roster_csv(person()), effective_date="")
    assert RosterImport.objects.get().effective_date == organization_today(
        org_world["org"]
    )


def test_another_organizations_import_is_not_reachable(client, org_world):
    other_owner = UserFactory(organization=org_world["other_org"], role=Role.OWNER)
    _login(client, other_owner)
    _upload(client, roster_csv(person(hire_date="bad")))
    _upload(client, roster_csv(person()))
    invalid, previewed = RosterImport.objects.order_by("pk")
    _login(client, org_world["users"][Role.HR])
    for record in (invalid, previewed):
        for name in (
            "roster_import_preview",
            "roster_import_status",
            "roster_import_errors_csv",
        ):
            url = reverse(f"workforce:{name}", args=[record.pk])
            assert client.get(url).status_code == 404, url
        url = reverse("workforce:roster_import_apply", args=[record.pk])
        assert client.post(url).status_code == 404
    previewed.refresh_from_db()
    assert previewed.status == RosterImport.Status.PREVIEWED
    page = client.get(reverse("workforce:roster_import"))
    assert list(page.context["recent"]) == []


def test_apply_needs_post(owner_client, org_world):
    _upload(owner_client, roster_csv(person()))
    record = RosterImport.objects.get()
    url = reverse("workforce:roster_import_apply", args=[record.pk])
    assert owner_client.get(url).status_code == 405
    record.refresh_from_db()
    assert record.status == RosterImport.Status.PREVIEWED
