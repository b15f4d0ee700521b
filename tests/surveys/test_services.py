import datetime

import pytest
from django.core.exceptions import ValidationError

from surveys import tokens
from surveys.models import Invitation, RoundStatus, TenureBand
from surveys.services import round_close, round_launch, round_release, tenure_band
from tests.factories import RoundFactory, SurveyQuestionFactory


@pytest.fixture
def draft_round(org_world):
    round_ = RoundFactory(survey__organization=org_world["org"])
    SurveyQuestionFactory(survey=round_.survey)
    return round_


def test_launch_snapshots_whole_organization_audience(org_world, draft_round):
    round_launch(round_=draft_round)
    draft_round.refresh_from_db()
    assert draft_round.status == RoundStatus.OPEN
    assert draft_round.min_group_size == org_world["org"].min_group_size
    invitations = Invitation.objects.filter(round=draft_round)
    # Three people in each of the organization's three teams; not the other org.
    assert invitations.count() == 9
    for invitation in invitations:
        person = invitation.staff_member
        assert invitation.team_id == person.team_id
        assert invitation.job_role_id == person.job_role_id
        code = tokens.invitation_code(invitation.pk, invitation.nonce)
        assert invitation.lookup_digest == tokens.lookup_digest(code)


def test_launch_with_chosen_site_only(org_world, draft_round):
    draft_round.sites.set([org_world["site_b"]])
    round_launch(round_=draft_round)
    teams = set(draft_round.invitations.values_list("team", flat=True))
    assert teams == {org_world["team_b1"].pk}


def test_snapshot_survives_transfer(org_world, draft_round):
    round_launch(round_=draft_round)
    person = org_world["people"][org_world["team_a1"]][0]
    person.team = org_world["team_b1"]
    person.site = org_world["site_b"]
    person.save()
    invitation = draft_round.invitations.get(staff_member=person)
    assert invitation.team_id == org_world["team_a1"].pk


def test_lifecycle_order_is_enforced(draft_round):
    with pytest.raises(ValidationError):
        round_release(round_=draft_round)
    round_launch(round_=draft_round)
    with pytest.raises(ValidationError):
        round_launch(round_=draft_round)
    with pytest.raises(ValidationError):
        round_release(round_=draft_round)
    round_close(round_=draft_round)
    released = round_release(round_=draft_round)
    assert released.status == RoundStatus.RELEASED
    assert released.released_at is not None


@pytest.mark.parametrize(
    ("hired", "band"),
    [
        (datetime.date(2026, 1, 2), TenureBand.UNDER_1),
        (datetime.date(2024, 12, 1), TenureBand.ONE_TO_2),
        (datetime.date(2023, 1, 1), TenureBand.TWO_TO_5),
        (datetime.date(2020, 1, 1), TenureBand.FIVE_PLUS),
    ],
)
def test_tenure_band(hired, band):
    assert tenure_band(hire_date=hired, on=datetime.date(2026, 1, 1)) == band
