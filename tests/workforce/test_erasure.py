"""Erasing a leaver: personal data gone, every released figure unchanged."""

import datetime

import pandas as pd
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from reports.selectors import team_month_panel
from surveys.models import Invitation, RoundStatus
from surveys.results import released_results
from tests.factories import RoundFactory, UserFactory
from tests.surveys.results_data import add_invitation, add_response, standard_questions
from workforce.erasure import staff_member_erase
from workforce.models import AuditEvent, Role, TerminationReason


def _figures(org, round_):
    cache.clear()
    panel = team_month_panel(
        organization=org,
        start=datetime.date(2024, 1, 1),
        end=datetime.date(2026, 12, 1),
    )
    return released_results(round_), panel


@pytest.fixture
def leaver(org_world):
    person = org_world["people"][org_world["team_a1"]][1]
    person.phone = "+1 212 555 0199"
    person.termination_date = datetime.date(2026, 3, 31)
    person.termination_reason = TerminationReason.VOLUNTARY
    person.save()
    UserFactory(organization=org_world["org"], role=Role.STAFF, staff_member=person)
    return person


@pytest.fixture
def released(org_world, leaver):
    now = timezone.now()
    round_ = RoundFactory(
        survey__organization=org_world["org"],
        status=RoundStatus.RELEASED,
        period=datetime.date(2026, 2, 1),
        closed_at=now - datetime.timedelta(days=3),
        released_at=now - datetime.timedelta(days=2),
        min_group_size=5,
    )
    questions = standard_questions(round_.survey)
    team = org_world["team_a1"]
    for i in range(6):
        add_invitation(round_, team=team)
        add_response(
            round_,
            team=team,
            answers={questions["enps"]: i + 4, questions["workload"]: 1 + i % 5},
        )
    Invitation.objects.filter(round=round_).first().delete()
    Invitation.objects.create(
        round=round_,
        staff_member=leaver,
        nonce="secret-nonce",
        lookup_digest="leaver-digest",
        channel="email",
        site=leaver.site,
        team=leaver.team,
        job_role=leaver.job_role,
        tenure_band="2to5",
        employment_type=leaver.employment_type,
    )
    return round_


def test_erasure_replaces_personal_data_and_keeps_every_figure(
    org_world, leaver, released
):
    org = org_world["org"]
    before = _figures(org, released)
    assert before[1]["voluntary_leavers"].sum() >= 1
    hr = org_world["users"][Role.HR]

    staff_member_erase(staff_member=leaver, actor=hr)

    leaver.refresh_from_db()
    assert leaver.full_name == f"Erased person {leaver.pk}"
    assert (leaver.email, leaver.phone) == ("", "")
    assert leaver.employee_id == f"erased-{leaver.pk}"
    assert leaver.termination_date == datetime.date(2026, 3, 31)
    account = leaver.user
    assert not account.is_active
    assert not account.has_usable_password()
    assert account.email == "" and account.username.startswith("erased-user-")
    assert Invitation.objects.get(staff_member=leaver).nonce == ""
    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_ERASED)
    assert event.actor == hr
    assert event.detail["staff_member"] == leaver.pk
    assert "Person" not in event.target

    results, panel = _figures(org, released)
    assert results == before[0]
    pd.testing.assert_frame_equal(panel, before[1])


def test_only_leavers_are_erased_and_only_once(org_world, leaver):
    current = org_world["people"][org_world["team_a1"]][2]
    with pytest.raises(ValidationError, match="only a leaver"):
        staff_member_erase(staff_member=current, actor=None)
    staff_member_erase(staff_member=leaver, actor=None)
    with pytest.raises(ValidationError, match="already erased"):
        staff_member_erase(staff_member=leaver, actor=None)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DATA_ERASED).count() == 1
