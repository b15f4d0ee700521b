"""The audit log page (owners only) and what gets written to it.

Every change to a user's role or scope, to the anonymity threshold, and every
applied import leaves one event with counts; the page shows an owner their
organization's events only.
"""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reports.kpis import kpi_import
from reports.models import PatientFeedbackBatch
from reports.patients.imports import feedback_import
from surveys.anonymity import organization_set_min_group_size
from tests.factories import UserFactory
from tests.workforce.roster_csv import person, roster_csv
from tests.workforce.training.factories import CourseFactory
from workforce.audit import audit_record
from workforce.models import AuditEvent, Role
from workforce.skills.imports import skills_import, team_skills_import
from workforce.training.imports import training_import

Action = AuditEvent.Action


def _event(org, action=Action.REPORT_VIEWED, target="Flywheel report", actor=None):
    return audit_record(organization=org, actor=actor, action=action, target=target)


# --- The page ------------------------------------------------------------------


def test_owners_see_their_organization_only(client, org_world):
    owner = org_world["users"][Role.OWNER]
    _event(org_world["org"], target="Our report", actor=owner)
    _event(org_world["other_org"], target="Their report")
    client.force_login(owner)

    response = client.get(reverse("workforce:audit_log"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Our report" in body and owner.username in body
    assert "Their report" not in body
    assert list(response.context["page"]) == list(
        AuditEvent.objects.filter(organization=org_world["org"])
    )


@pytest.mark.parametrize(
    "role", [Role.HR, Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF]
)
def test_nobody_but_the_owner_may_read_it(client, org_world, role):
    _event(org_world["org"])
    client.force_login(org_world["users"][role])

    assert client.get(reverse("workforce:audit_log")).status_code == 403
    assert client.get(reverse("workforce:audit_log_csv")).status_code == 403


def test_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("workforce:audit_log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_superuser_sees_every_organization(client, org_world):
    _event(org_world["org"], target="Our report")
    _event(org_world["other_org"], target="Their report")
    client.force_login(UserFactory(is_superuser=True, organization=None))

    body = client.get(reverse("workforce:audit_log")).content.decode()

    assert "Our report" in body and "Their report" in body
    assert "Other Group" in body


def test_filters_by_action_and_date(client, org_world):
    org = org_world["org"]
    viewed = _event(org, Action.REPORT_VIEWED, "Viewed one")
    _event(org, Action.ROLE_CHANGED, "Role one")
    client.force_login(org_world["users"][Role.OWNER])
    url = reverse("workforce:audit_log")

    by_action = client.get(url, {"action": Action.ROLE_CHANGED}).context["page"]
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    future = client.get(url, {"start": tomorrow.isoformat()}).context["page"]
    this_day = client.get(
        url, {"start": today.isoformat(), "end": today.isoformat()}
    ).context["page"]
    bad = client.get(url, {"start": today.isoformat(), "end": "2000-01-01"})

    assert [e.target for e in by_action] == ["Role one"]
    assert list(future) == []
    assert viewed in list(this_day) and len(this_day) == 2
    assert "The end date is before the start date." in bad.content.decode()
    assert list(bad.context["page"]) == []


def test_pages_of_fifty(client, org_world):
    for number in range(55):
        _event(org_world["org"], target=f"Report {number}")
    client.force_login(org_world["users"][Role.OWNER])
    url = reverse("workforce:audit_log")

    first = client.get(url, {"action": Action.REPORT_VIEWED})
    second = client.get(url, {"action": Action.REPORT_VIEWED, "page": 2})

    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 5
    assert "action=report_viewed&amp;page=2" in first.content.decode()


def test_csv_export_is_filtered_and_scoped(client, org_world):
    owner = org_world["users"][Role.OWNER]
    _event(org_world["org"], Action.ROLE_CHANGED, "=cmd|' /C calc'!A0", actor=owner)
    _event(org_world["org"], Action.REPORT_VIEWED, "Viewed")
    _event(org_world["other_org"], Action.ROLE_CHANGED, "Theirs")
    client.force_login(owner)

    response = client.get(
        reverse("workforce:audit_log_csv"), {"action": Action.ROLE_CHANGED}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["time", "organization", "who", "action", "target", "detail"]
    assert len(rows) == 2
    assert rows[1][1:5] == [
        "Brightsmile",
        owner.username,
        "Role or scope changed",
        # Formula cells are escaped on export.
        "'=cmd|' /C calc'!A0",
    ]


# --- What gets recorded ------------------------------------------------------------


def _user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role,
        "managed_sites": [s.pk for s in user.managed_sites.all()],
        "led_teams": [t.pk for t in user.led_teams.all()],
        "staff_member": user.staff_member_id or "",
        "new_password": "",
        "new_password_again": "",
    }
    data.update(changes)
    return data


def test_a_role_change_in_the_back_office_is_recorded(client, org_world):
    owner = org_world["users"][Role.OWNER]
    lead = org_world["users"][Role.TEAM_LEAD]
    client.force_login(owner)
    url = reverse("workforce_user:edit", args=[lead.pk])

    response = client.post(
        url,
        _user_form(
            lead,
            role=Role.SITE_MANAGER,
            led_teams=[],
            managed_sites=[org_world["site_b"].pk],
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    lead.refresh_from_db()
    assert lead.role == Role.SITE_MANAGER
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGED)
    assert event.organization == org_world["org"]
    assert event.actor == owner
    assert event.target == f"User {lead.username}"
    assert event.detail["before"] == {
        "role": "team_lead",
        "managed_sites": [],
        "led_teams": ["Front desk – Northside"],
    }
    assert event.detail["after"] == {
        "role": "site_manager",
        "managed_sites": ["Southside"],
        "led_teams": [],
    }


def test_saving_a_user_without_scope_changes_records_nothing(client, org_world):
    lead = org_world["users"][Role.TEAM_LEAD]
    client.force_login(org_world["users"][Role.OWNER])

    response = client.post(
        reverse("workforce_user:edit", args=[lead.pk]),
        _user_form(lead, first_name="Renamed"),
    )

    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_a_new_user_is_recorded_with_its_role(client, org_world):
    client.force_login(org_world["users"][Role.HR])

    response = client.post(
        reverse("workforce_user:add"),
        {
            "username": "newlead",
            "first_name": "New",
            "last_name": "Lead",
            "email": "",
            "is_active": "on",
            "role": Role.TEAM_LEAD,
            "led_teams": [org_world["team_a2"].pk],
            "managed_sites": [],
            "staff_member": "",
            "new_password": "a-long-enough-password-42",
            "new_password_again": "a-long-enough-password-42",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get()
    assert event.detail == {
        "before": None,
        "after": {
            "role": "team_lead",
            "managed_sites": [],
            "led_teams": ["Hygiene – Northside"],
        },
    }
    assert event.actor == org_world["users"][Role.HR]


def test_the_threshold_change_in_the_back_office_is_recorded(client, org_world):
    org = org_world["org"]
    client.force_login(org_world["users"][Role.OWNER])

    response = client.post(
        reverse("workforce_organization:edit", args=[org.pk]),
        {"name": org.name, "timezone": org.timezone, "min_group_size": 7},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get()
    assert event.action == Action.THRESHOLD_CHANGED
    assert event.detail == {"from": 5, "to": 7}
    assert event.actor == org_world["users"][Role.OWNER]


def test_the_threshold_service_records_the_change_and_not_a_no_op(org_world):
    org, owner = org_world["org"], org_world["users"][Role.OWNER]

    organization_set_min_group_size(organization=org, k=org.min_group_size)
    organization_set_min_group_size(organization=org, k=8, actor=owner)

    event = AuditEvent.objects.get()
    assert (event.action, event.detail, event.actor) == (
        Action.THRESHOLD_CHANGED,
        {"from": 5, "to": 8},
        owner,
    )


def test_an_applied_roster_import_is_recorded(
    client, org_world, django_capture_on_commit_callbacks
):
    owner = org_world["users"][Role.OWNER]
    client.force_login(owner)
    text = roster_csv(person(employee_id="NEW1", site="Northside", team="Hygiene"))
    client.post(
        reverse("workforce:roster_import"),
        {
            "file": SimpleUploadedFile("roster.csv", text.encode()),
            "effective_date": "2025-06-01",
        },
    )
    assert not AuditEvent.objects.exists()  # a preview changes nothing
    record = owner.roster_imports.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("workforce:roster_import_apply", args=[record.pk]))

    event = AuditEvent.objects.get()
    assert event.action == Action.IMPORT_APPLIED
    assert event.actor == owner
    assert event.target == f"Roster import #{record.pk}: roster.csv"
    assert event.detail["kind"] == "roster"
    assert (event.detail["rows"], event.detail["created"]) == (1, 1)
    assert "samples" not in event.detail


def test_skills_and_training_imports_are_recorded(org_world):
    org = org_world["org"]
    person_ = org_world["people"][org_world["team_a1"]][0]
    CourseFactory(organization=org, name="HIPAA")

    skills_import(
        organization=org,
        file=f"employee_id,skill,level,assessed_on\n{person_.employee_id},Billing,3,"
        "2025-01-10\n".encode(),
    )
    team_skills_import(
        organization=org,
        file=b"site,team,skill,min_competent\nNorthside,Front desk,Billing,2\n",
        effective_date=datetime.date(2025, 1, 1),
    )
    training_import(
        organization=org,
        file=f"employee_id,course,completed_on,expires_on,cpd_hours\n"
        f"{person_.employee_id},HIPAA,2025-05-20,,2\n".encode(),
    )

    events = {e.detail["kind"]: e for e in AuditEvent.objects.all()}
    assert set(events) == {
        "skill assessments",
        "team skill requirements",
        "training completions",
    }
    assert events["skill assessments"].detail["created"] == 1
    assert events["skill assessments"].detail["new_skills"] == ["Billing"]
    assert events["team skill requirements"].detail["created"] == 1
    assert events["training completions"].detail == {
        "kind": "training completions",
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert {e.action for e in events.values()} == {Action.IMPORT_APPLIED}
    assert {e.organization for e in events.values()} == {org}


def test_a_refused_import_records_nothing(org_world):
    from workforce.training.imports import TrainingImportError

    with pytest.raises(TrainingImportError):
        training_import(
            organization=org_world["org"],
            file=b"employee_id,course,completed_on,expires_on,cpd_hours\nNOPE,X,,,\n",
        )

    assert not AuditEvent.objects.exists()


def test_kpi_import_is_recorded(org_world):
    owner = org_world["users"][Role.OWNER]
    kpi_import(
        organization=org_world["org"],
        file=b"site,month,kpi,value\nNorthside,2025-01,new_patients,42\n",
        actor=owner,
    )

    event = AuditEvent.objects.get()
    assert event.detail == {
        "kind": "practice KPIs",
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert event.actor == owner


def test_patient_feedback_imports_are_recorded(
    client, org_world, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    path = tmp_path / "scores.csv"
    path.write_text("site,team,date,score\nNorthside,Front desk,2025-01-02,9\n")

    batch = feedback_import(
        organization=org_world["org"],
        open_file=lambda: path.open("rb"),
        filename="scores.csv",
    )
    event = AuditEvent.objects.get()
    assert event.target == f"Patient feedback import #{batch.pk}: scores.csv"
    assert event.detail == {"kind": "patient feedback", "rows": 1}
    assert event.actor is None and event.actor_name == "system"

    # The back-office path: upload, confirm, applied by the task.
    owner = org_world["users"][Role.OWNER]
    client.force_login(owner)
    client.post(
        reverse("reports:patient_feedback"),
        {
            "file": SimpleUploadedFile(
                "more.csv", b"site,team,date,score\nSouthside,,2025-01-03,4\n"
            )
        },
    )
    pending = PatientFeedbackBatch.objects.exclude(pk=batch.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:batch_confirm", args=[pending.pk]))

    latest = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == 2
    assert latest.actor == owner
    assert latest.detail == {"kind": "patient feedback", "rows": 1}
