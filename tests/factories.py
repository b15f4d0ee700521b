"""factory_boy factories for every model the tests build."""

import datetime

import factory
from factory.django import DjangoModelFactory

from workforce.models import (
    EmploymentType,
    JobRole,
    Organization,
    Role,
    Site,
    StaffMember,
    Team,
    TeamMembership,
    User,
)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Practice Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class JobRoleFactory(DjangoModelFactory):
    class Meta:
        model = JobRole

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    slug = factory.Sequence(lambda n: f"role-{n}")


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    site = factory.SelfAttribute("team.site")
    organization = factory.SelfAttribute("team.site.organization")
    job_role = factory.SubFactory(
        JobRoleFactory, organization=factory.SelfAttribute("..organization")
    )
    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda o: f"{o.employee_id.lower()}@example.com")
    employment_type = EmploymentType.FULL_TIME
    fte = 1
    hire_date = datetime.date(2024, 1, 15)

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create:
            TeamMembership.objects.create(
                staff_member=obj, team=obj.team, start_date=obj.hire_date
            )


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.STAFF
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def managed_sites(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.managed_sites.set(extracted)

    @factory.post_generation
    def led_teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.led_teams.set(extracted)


# --- surveys ---------------------------------------------------------------

from surveys.models import (  # noqa: E402
    Question,
    QuestionKind,
    Round,
    Survey,
    SurveyQuestion,
)


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    organization = None
    code = factory.Sequence(lambda n: f"q{n}")
    kind = QuestionKind.AGREEMENT
    text_en = factory.Sequence(lambda n: f"Question {n}")
    text_es = factory.Sequence(lambda n: f"Pregunta {n}")


class SurveyFactory(DjangoModelFactory):
    class Meta:
        model = Survey

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Pulse {n}")


class SurveyQuestionFactory(DjangoModelFactory):
    class Meta:
        model = SurveyQuestion

    survey = factory.SubFactory(SurveyFactory)
    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(int)


class RoundFactory(DjangoModelFactory):
    class Meta:
        model = Round

    survey = factory.SubFactory(SurveyFactory)
    organization = factory.SelfAttribute("survey.organization")
    name = factory.Sequence(lambda n: f"Round {n}")
    period = datetime.date(2026, 10, 1)
