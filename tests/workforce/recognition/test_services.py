import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import StaffMemberFactory, TeamFactory, UserFactory
from workforce.models import Role, TeamMembership
from workforce.recognition import services
from workforce.recognition.models import (
    Award,
    CompanyValue,
    RecognitionSettings,
    RecognitionStatus,
)
from workforce.recognition.tasks import recognition_notify_nominee

DAY = datetime.date(2026, 3, 2)


def test_defaults_are_seeded_once_per_organization(org_world):
    services.company_values_seed_defaults(organization=org_world["org"])
    services.company_values_seed_defaults(organization=org_world["org"])
    names = CompanyValue.objects.filter(organization=org_world["org"]).values_list(
        "name", flat=True
    )
    assert sorted(names) == ["Calm under pressure", "Patient first", "Team player"]
    assert not CompanyValue.objects.filter(organization=org_world["other_org"]).exists()


def test_no_defaults_once_an_organization_has_its_own_values(org_world):
    CompanyValue.objects.create(organization=org_world["org"], name="Kindness")
    services.company_values_seed_defaults(organization=org_world["org"])
    assert CompanyValue.objects.filter(organization=org_world["org"]).count() == 1


def test_nomination_copies_the_team_the_nominee_was_in_that_day(org_world, values):
    lead = org_world["users"][Role.TEAM_LEAD]
    person = org_world["people"][org_world["team_a1"]][1]
    # Moved from front desk (site A) to site B's team on 1 March.
    TeamMembership.objects.filter(staff_member=person).update(
        end_date=datetime.date(2026, 3, 1)
    )
    TeamMembership.objects.create(
        staff_member=person,
        team=org_world["team_b1"],
        start_date=datetime.date(2026, 3, 1),
    )
    person.team, person.site = org_world["team_b1"], org_world["site_b"]
    person.save()
    before = services.recognition_nominate(
        nominator=lead,
        nominee=person,
        value=values["patient_first"],
        story="Calmed a nervous child.",
        recognised_on=datetime.date(2026, 2, 27),
    )
    after = services.recognition_nominate(
        nominator=lead,
        nominee=person,
        value=values["patient_first"],
        story="Covered the phones.",
        recognised_on=DAY,
    )
    assert (before.team, before.site) == (org_world["team_a1"], org_world["site_a"])
    assert (after.team, after.site) == (org_world["team_b1"], org_world["site_b"])
    assert before.job_role == person.job_role
    assert before.status == RecognitionStatus.PENDING  # review is the default


def test_staff_cannot_nominate_unless_the_organization_allows(org_world, values):
    staff = org_world["users"][Role.STAFF]
    colleague = org_world["people"][org_world["team_a1"]][1]
    kwargs = {"nominee": colleague, "value": values["team_player"], "story": "Thanks"}
    with pytest.raises(PermissionDenied):
        services.recognition_nominate(nominator=staff, **kwargs)
    RecognitionSettings.objects.create(
        organization=org_world["org"], allow_staff_nominations=True
    )
    recognition = services.recognition_nominate(nominator=staff, **kwargs)
    assert recognition.nominator_name == staff.staff_member.full_name


@pytest.mark.parametrize("role", [Role.OWNER, Role.HR, Role.SITE_MANAGER])
def test_reviewers_do_not_nominate(org_world, values, role):
    with pytest.raises(PermissionDenied):
        services.recognition_nominate(
            nominator=org_world["users"][role],
            nominee=org_world["people"][org_world["team_a1"]][1],
            value=values["team_player"],
            story="Thanks",
        )


def test_nobody_nominates_themselves(org_world, values):
    RecognitionSettings.objects.create(
        organization=org_world["org"], allow_staff_nominations=True
    )
    staff = org_world["users"][Role.STAFF]
    with pytest.raises(ValidationError) as error:
        services.recognition_nominate(
            nominator=staff,
            nominee=staff.staff_member,
            value=values["team_player"],
            story="I was great",
        )
    assert error.value.message_dict["nominee"] == ["You cannot nominate yourself."]
    lead_person = org_world["people"][org_world["team_a1"]][2]
    lead = UserFactory(
        organization=org_world["org"], role=Role.TEAM_LEAD, staff_member=lead_person
    )
    with pytest.raises(ValidationError):
        services.recognition_nominate(
            nominator=lead,
            nominee=lead_person,
            value=values["team_player"],
            story="Me again",
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("other_org_person", "nominee"),
        ("other_org_value", "value"),
        ("inactive_value", "value"),
        ("blank_story", "story"),
        ("long_story", "story"),
        ("leaver", "nominee"),
    ],
)
def test_nomination_is_validated(org_world, values, change, field):
    kwargs = {
        "nominator": org_world["users"][Role.TEAM_LEAD],
        "nominee": org_world["people"][org_world["team_a2"]][0],
        "value": values["team_player"],
        "story": "Helped out.",
        "recognised_on": DAY,
    }
    if change == "other_org_person":
        kwargs["nominee"] = org_world["people"][org_world["other_team"]][0]
    elif change == "other_org_value":
        kwargs["value"] = values["other_org"]
    elif change == "inactive_value":
        CompanyValue.objects.filter(pk=values["team_player"].pk).update(is_active=False)
        kwargs["value"].refresh_from_db()
    elif change == "blank_story":
        kwargs["story"] = "   "
    elif change == "long_story":
        kwargs["story"] = "x" * 501
    elif change == "leaver":
        leaver = kwargs["nominee"]
        leaver.termination_date = datetime.date(2026, 2, 1)
        leaver.termination_reason = "voluntary"
        leaver.save()
    with pytest.raises(ValidationError) as error:
        services.recognition_nominate(**kwargs)
    assert field in error.value.message_dict


def test_a_story_of_exactly_500_characters_is_accepted(org_world, values):
    recognition = services.recognition_nominate(
        nominator=org_world["users"][Role.TEAM_LEAD],
        nominee=org_world["people"][org_world["team_a2"]][0],
        value=values["team_player"],
        story="x" * 500,
    )
    assert len(recognition.story) == 500


def test_without_review_it_is_published_and_the_nominee_told(
    org_world, values, django_capture_on_commit_callbacks
):
    RecognitionSettings.objects.create(
        organization=org_world["org"], require_approval=False
    )
    nominee = org_world["people"][org_world["team_a2"]][0]
    with django_capture_on_commit_callbacks(execute=True):
        recognition = services.recognition_nominate(
            nominator=org_world["users"][Role.TEAM_LEAD],
            nominee=nominee,
            value=values["patient_first"],
            story="Stayed with a frightened patient.",
        )
    assert recognition.status == RecognitionStatus.APPROVED
    assert [message.to for message in mail.outbox] == [[nominee.email]]
    assert "Patient first" in mail.outbox[0].subject
    assert "Stayed with a frightened patient." in mail.outbox[0].body


def test_approval_by_the_site_manager_notifies_the_nominee(
    org_world, recognise, django_capture_on_commit_callbacks
):
    nominee = org_world["people"][org_world["team_a2"]][0]
    recognition = recognise(nominee, pending=True)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.recognition_approve(
            recognition=recognition, reviewer=org_world["users"][Role.SITE_MANAGER]
        )
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.APPROVED
    assert recognition.decided_by == org_world["users"][Role.SITE_MANAGER]
    assert recognition.notified_on is not None
    assert [message.to for message in mail.outbox] == [[nominee.email]]
    with pytest.raises(ValidationError):
        services.recognition_approve(
            recognition=recognition, reviewer=org_world["users"][Role.HR]
        )


def test_a_site_manager_reviews_only_their_sites(org_world, recognise):
    recognition = recognise(org_world["people"][org_world["team_b1"]][0], pending=True)
    for role in (Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF):
        with pytest.raises(PermissionDenied):
            services.recognition_approve(
                recognition=recognition, reviewer=org_world["users"][role]
            )
    services.recognition_approve(
        recognition=recognition, reviewer=org_world["users"][Role.OWNER]
    )


def test_decline_needs_a_reason_and_sends_nothing(
    org_world, recognise, django_capture_on_commit_callbacks
):
    recognition = recognise(org_world["people"][org_world["team_a2"]][0], pending=True)
    hr = org_world["users"][Role.HR]
    with pytest.raises(ValidationError):
        services.recognition_decline(recognition=recognition, reviewer=hr, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.recognition_decline(
            recognition=recognition, reviewer=hr, reason="Names a patient."
        )
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.DECLINED
    assert recognition.decline_reason == "Names a patient."
    assert mail.outbox == []


def test_nobody_reviews_a_nomination_of_themselves(org_world, recognise):
    hr = org_world["users"][Role.HR]
    hr_person = StaffMemberFactory(team=TeamFactory(site=org_world["site_a"]))
    hr.staff_member = hr_person
    hr.save()
    recognition = recognise(hr_person, pending=True)
    with pytest.raises(ValidationError):
        services.recognition_approve(recognition=recognition, reviewer=hr)


def test_the_notification_is_sent_once_however_often_the_task_runs(
    org_world, recognise
):
    recognition = recognise(org_world["people"][org_world["team_a2"]][0])
    assert recognition_notify_nominee(recognition.pk) is True
    assert recognition_notify_nominee(recognition.pk) is False
    assert len(mail.outbox) == 1


def test_no_notification_for_pending_or_without_email(org_world, recognise):
    pending = recognise(org_world["people"][org_world["team_a2"]][1], pending=True)
    assert recognition_notify_nominee(pending.pk) is False
    no_email = org_world["people"][org_world["team_a2"]][2]
    no_email.email = ""
    no_email.save()
    approved = recognise(no_email)
    assert recognition_notify_nominee(approved.pk) is False
    assert mail.outbox == []


def test_preference_is_one_row_per_person(org_world):
    person = org_world["people"][org_world["team_a1"]][0]
    services.recognition_preference_set(staff_member=person, wall_opt_out=True)
    preference = services.recognition_preference_set(
        staff_member=person, wall_opt_out=False
    )
    assert preference.wall_opt_out is False
    assert person.recognition_preference.pk == preference.pk


def _award(org_world, recognition, **overrides):
    kwargs = {
        "organization": org_world["org"],
        "chosen_by": org_world["users"][Role.HR],
        "site": org_world["site_a"],
        "title": "Patient Experience Star",
        "period_start": datetime.date(2026, 3, 1),
        "period_end": datetime.date(2026, 3, 31),
        "recognition": recognition,
    }
    kwargs.update(overrides)
    return services.award_choose(**kwargs)


def test_awards_are_unique_per_site_title_and_period(org_world, recognise):
    first = recognise(org_world["people"][org_world["team_a1"]][1])
    second = recognise(org_world["people"][org_world["team_a2"]][0])
    _award(org_world, first)
    with pytest.raises(ValidationError, match="already been awarded"):
        _award(org_world, second)
    _award(org_world, second, title="Team Player of the Month")
    _award(org_world, second, site=None)
    with pytest.raises(ValidationError, match="already been awarded"):
        _award(org_world, first, site=None)
    april = recognise(
        org_world["people"][org_world["team_a1"]][1], on=datetime.date(2026, 4, 3)
    )
    _award(
        org_world,
        april,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 4, 30),
    )
    assert Award.objects.count() == 4


@pytest.mark.parametrize(
    "problem", ["pending", "outside_period", "other_site", "other_org_site", "staff"]
)
def test_award_goes_to_an_approved_recognition_of_the_period(
    org_world, recognise, problem
):
    person = org_world["people"][org_world["team_a1"]][1]
    recognition = recognise(person, pending=problem == "pending")
    overrides = {}
    if problem == "outside_period":
        overrides["period_start"] = datetime.date(2026, 3, 3)
    elif problem == "other_site":
        overrides["site"] = org_world["site_b"]
    elif problem == "other_org_site":
        overrides["site"] = org_world["other_site"]
    elif problem == "staff":
        overrides["chosen_by"] = org_world["users"][Role.STAFF]
    expected = PermissionDenied if problem == "staff" else ValidationError
    with pytest.raises(expected):
        _award(org_world, recognition, **overrides)
    assert not Award.objects.exists()
