"""Factories for the training models (the shared ones are in tests/factories)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from tests.factories import OrganizationFactory, StaffMemberFactory
from workforce.training.models import Completion, Course, Requirement


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Course {n}")
    validity_months = 24


class RequirementFactory(DjangoModelFactory):
    class Meta:
        model = Requirement

    course = factory.SubFactory(CourseFactory)
    organization = factory.SelfAttribute("course.organization")
    job_role = None
    site = None


class CompletionFactory(DjangoModelFactory):
    class Meta:
        model = Completion

    staff_member = factory.SubFactory(StaffMemberFactory)
    course = factory.SubFactory(
        CourseFactory,
        organization=factory.SelfAttribute("..staff_member.organization"),
    )
    completed_on = datetime.date(2025, 1, 10)
    expires_on = factory.LazyAttribute(
        lambda o: o.completed_on.replace(year=o.completed_on.year + 2)
    )
    cpd_hours = 0
