"""A small organization with a released survey round, skills, training and
recognitions, for the dashboard tests.

Survey sizes (k = 5): Northside front desk 6 answering 4 (engagement 75.0),
Northside hygiene 3 answering 2 (25.0), Southside front desk 6 answering 3
(50.0). Hygiene is below k; the Northside front desk is then hidden too,
because Northside minus its front desk would be the hygiene team.
"""

import datetime

import pytest
from django.utils import timezone

from surveys.models import RoundStatus
from tests.factories import RoundFactory, SurveyFactory, UserFactory
from tests.surveys.results_data import (
    ENGAGEMENT_CODES,
    add_response,
    standard_questions,
)
from tests.workforce.skills.factories import (
    SkillAssessmentFactory,
    SkillFactory,
    TeamSkillRequirementFactory,
)
from tests.workforce.training.factories import (
    CompletionFactory,
    CourseFactory,
    RequirementFactory,
)
from workforce.models import Role
from workforce.recognition.models import CompanyValue, RecognitionSettings
from workforce.recognition.services import (
    company_values_seed_defaults,
    recognition_nominate,
)

LEVELS = {"team_a1": 4, "team_a2": 2, "team_b1": 3}
SIZES = {"team_a1": 6, "team_a2": 3, "team_b1": 6}


def answers(q, level):
    values = {q[code]: level for code in ENGAGEMENT_CODES}
    for code in ("workload", "recognition", "growth", "manager"):
        values[q[code]] = level
    values[q["enps"]] = 2 * level
    values[q["burnout"]] = 6 - level
    return values


@pytest.fixture
def dash_world(org_world):
    world = dict(org_world)
    org = world["org"]
    survey = SurveyFactory(organization=org, name="Monthly pulse")
    q = standard_questions(survey)
    round_ = RoundFactory(
        survey=survey,
        status=RoundStatus.RELEASED,
        min_group_size=5,
        period=datetime.date(2026, 1, 1),
        released_at=timezone.now(),
        name="January pulse",
    )
    for name, size in SIZES.items():
        for _ in range(size):
            add_response(round_, team=world[name], answers=answers(q, LEVELS[name]))
    world["round"] = round_
    world["survey"] = survey

    # Skills: one required skill held by one person (a single point of failure).
    front_desk = world["team_a1"]
    holder = world["people"][front_desk][0]
    skill = SkillFactory(organization=org, name="Insurance claims")
    TeamSkillRequirementFactory(team=front_desk, skill=skill, min_competent=2)
    SkillAssessmentFactory(staff_member=holder, skill=skill, level=3)
    world["skill"] = skill
    world["holder"] = holder

    # Training: everyone needs CPR; one person at the front desk holds it.
    course = CourseFactory(organization=org, name="CPR", validity_months=24)
    RequirementFactory(course=course)
    CompletionFactory(
        staff_member=holder,
        course=course,
        completed_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    world["course"] = course

    # Recognition for someone at the front desk, and someone at Southside.
    company_values_seed_defaults(organization=org)
    RecognitionSettings.objects.update_or_create(
        organization=org, defaults={"require_approval": False}
    )
    value = CompanyValue.objects.filter(organization=org).first()
    nominator = UserFactory(organization=org, role=Role.TEAM_LEAD)
    for team in (front_desk, world["team_b1"]):
        recognition_nominate(
            nominator=nominator,
            nominee=world["people"][team][1],
            value=value,
            story=f"Covered the {team.site.name} desk all week.",
            recognised_on=timezone.localdate() - datetime.timedelta(days=3),
        )
    return world
