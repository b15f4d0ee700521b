"""Factories for the skills matrix models (the shared ones are in tests/factories)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from tests.factories import OrganizationFactory, StaffMemberFactory, TeamFactory
from workforce.skills.models import Skill, SkillAssessment, TeamSkillRequirement


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Skill {n}")


class TeamSkillRequirementFactory(DjangoModelFactory):
    class Meta:
        model = TeamSkillRequirement

    team = factory.SubFactory(TeamFactory)
    skill = factory.SubFactory(
        SkillFactory, organization=factory.SelfAttribute("..team.site.organization")
    )
    min_competent = 1
    start_date = datetime.date(2024, 1, 1)


class SkillAssessmentFactory(DjangoModelFactory):
    class Meta:
        model = SkillAssessment

    staff_member = factory.SubFactory(StaffMemberFactory)
    skill = factory.SubFactory(
        SkillFactory,
        organization=factory.SelfAttribute("..staff_member.organization"),
    )
    level = 2
    assessed_on = datetime.date(2024, 2, 1)
