"""Building blocks for the results tests: questions, responses and invitations."""

import itertools

from surveys.models import (
    Answer,
    Invitation,
    Measure,
    QuestionKind,
    Response,
    SurveyQuestion,
)
from tests.factories import JobRoleFactory, QuestionFactory, StaffMemberFactory

ENGAGEMENT_CODES = [f"eng_{i}" for i in range(1, 7)]
_digests = itertools.count()


def standard_questions(survey):
    """The pulse's measures as questions of ``survey``'s organization, by code."""
    org = survey.organization
    specs = [
        (code, QuestionKind.AGREEMENT, Measure.ENGAGEMENT) for code in ENGAGEMENT_CODES
    ]
    specs += [
        ("enps", QuestionKind.SCALE, Measure.ENPS),
        ("burnout", QuestionKind.CHOICE, Measure.BURNOUT),
        ("workload", QuestionKind.AGREEMENT, Measure.WORKLOAD),
        ("recognition", QuestionKind.AGREEMENT, Measure.RECOGNITION),
        ("growth", QuestionKind.AGREEMENT, Measure.GROWTH),
        ("manager", QuestionKind.AGREEMENT, Measure.MANAGER),
        ("comment", QuestionKind.TEXT, Measure.COMMENT),
    ]
    questions = {}
    for position, (code, kind, measure) in enumerate(specs):
        options = (
            [
                {"value": v, "en": f"Option {v}", "es": f"Opción {v}"}
                for v in range(1, 6)
            ]
            if kind == QuestionKind.CHOICE
            else []
        )
        question = QuestionFactory(
            organization=org, code=code, kind=kind, measure=measure, options=options
        )
        SurveyQuestion.objects.create(
            survey=survey, question=question, position=position
        )
        questions[code] = question
    return questions


def add_response(
    round_,
    *,
    team,
    job_role=None,
    tenure_band="1to2",
    employment_type="full_time",
    answers=None,
):
    """One response in ``team`` with ``answers`` ({question: value or text})."""
    if job_role is None:
        job_role = default_role(round_.organization)
    response = Response.objects.create(
        round=round_,
        site=team.site,
        team=team,
        job_role=job_role,
        tenure_band=tenure_band,
        employment_type=employment_type,
    )
    Answer.objects.bulk_create(
        Answer(
            response=response,
            question=question,
            value=None if isinstance(value, str) else value,
            text=value if isinstance(value, str) else "",
        )
        for question, value in (answers or {}).items()
    )
    return response


def add_invitation(round_, *, team, job_role=None, tenure_band="1to2"):
    person = StaffMemberFactory(
        team=team, job_role=job_role or default_role(team.site.organization)
    )
    return Invitation.objects.create(
        round=round_,
        staff_member=person,
        nonce="n",
        lookup_digest=f"test-digest-{next(_digests)}",
        channel="email",
        site=team.site,
        team=team,
        job_role=person.job_role,
        tenure_band=tenure_band,
        employment_type=person.employment_type,
    )


def default_role(organization):
    from workforce.models import JobRole

    role = JobRole.objects.filter(organization=organization, slug="general").first()
    return role or JobRoleFactory(
        organization=organization, name="General", slug="general"
    )
