from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.factories import StaffMemberFactory, TeamFactory
from tests.workforce.skills.factories import SkillFactory
from workforce.skills.models import SkillAssessment, TeamSkillRequirement
from workforce.skills.services import (
    LevelChange,
    assessments_record,
    requirement_set,
    skill_get_or_create,
)


@pytest.fixture
def team(db):
    return TeamFactory()


def test_skill_get_or_create_matches_names_ignoring_case_and_spaces(team):
    org = team.site.organization
    billing, created = skill_get_or_create(
        organization=org, name="  Insurance   verification "
    )
    again, created_again = skill_get_or_create(
        organization=org, name="insurance VERIFICATION"
    )

    assert created and not created_again
    assert again == billing
    assert billing.name == "Insurance verification"


def test_assessments_record_adds_a_day_and_corrects_the_same_day(team):
    org = team.site.organization
    person = StaffMemberFactory(team=team)
    skill = SkillFactory(organization=org)

    assessments_record(
        organization=org,
        changes=[LevelChange(person, skill, 1)],
        assessed_on=date(2025, 1, 1),
    )
    assessments_record(
        organization=org,
        changes=[LevelChange(person, skill, 2)],
        assessed_on=date(2025, 2, 1),
    )
    assessments_record(
        organization=org,
        changes=[LevelChange(person, skill, 3)],
        assessed_on=date(2025, 2, 1),
    )

    assert list(
        SkillAssessment.objects.values_list("assessed_on", "level").order_by(
            "assessed_on"
        )
    ) == [(date(2025, 1, 1), 1), (date(2025, 2, 1), 3)]


def test_assessments_record_refuses_another_organizations_skill(team):
    person = StaffMemberFactory(team=team)
    foreign_skill = SkillFactory()

    with pytest.raises(ValidationError):
        assessments_record(
            organization=team.site.organization,
            changes=[LevelChange(person, foreign_skill, 2)],
            assessed_on=date(2025, 1, 1),
        )
    assert not SkillAssessment.objects.exists()


def spells(team):
    return list(
        TeamSkillRequirement.objects.filter(team=team)
        .order_by("start_date")
        .values_list("min_competent", "start_date", "end_date")
    )


def test_requirement_changes_keep_history(team):
    skill = SkillFactory(organization=team.site.organization)
    jan, mar, may = date(2025, 1, 1), date(2025, 3, 1), date(2025, 5, 1)

    requirement_set(team=team, skill=skill, min_competent=2, on=jan)
    requirement_set(team=team, skill=skill, min_competent=2, on=mar)  # no change
    assert spells(team) == [(2, jan, None)]

    requirement_set(team=team, skill=skill, min_competent=3, on=mar)
    requirement_set(team=team, skill=skill, min_competent=1, on=mar)  # same day fix
    assert spells(team) == [(2, jan, mar), (1, mar, None)]

    requirement_set(team=team, skill=skill, min_competent=None, on=may)
    assert spells(team) == [(2, jan, mar), (1, mar, may)]


def test_requirement_cannot_change_before_its_last_change(team):
    skill = SkillFactory(organization=team.site.organization)
    requirement_set(team=team, skill=skill, min_competent=2, on=date(2025, 3, 1))

    with pytest.raises(ValidationError, match="2025-03-01"):
        requirement_set(team=team, skill=skill, min_competent=1, on=date(2025, 2, 1))
    assert spells(team) == [(2, date(2025, 3, 1), None)]


def test_requirement_refuses_a_skill_of_another_organization(team):
    with pytest.raises(ValidationError):
        requirement_set(
            team=team, skill=SkillFactory(), min_competent=1, on=date(2025, 1, 1)
        )
