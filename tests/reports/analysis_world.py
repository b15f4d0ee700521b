"""A compact simulated practice group in the database, with a planted link.

Twelve teams at three sites answer a monthly pulse for eight months; each team's
patient NPS the next month follows its measured engagement (``slope`` NPS points
per engagement point), so the within-team finding should come out positive. The
staff are steady (nobody leaves), so the turnover findings have too little data.
"""

import datetime
import random

from django.utils import timezone

from reports.models import PatientFeedback
from surveys.models import Answer, Response, RoundStatus
from tests.factories import (
    JobRoleFactory,
    OrganizationFactory,
    RoundFactory,
    SiteFactory,
    StaffMemberFactory,
    SurveyFactory,
    TeamFactory,
)
from tests.surveys.results_data import ENGAGEMENT_CODES, standard_questions
from workforce.recognition.dates import add_months

FIRST_MONTH = datetime.date(2025, 1, 1)
ENGAGEMENT_CENTRE = 68.0
PATIENT_ANSWERS = 30
PASSIVE_SHARE = 0.2


def simulated_group(
    *,
    slug="simulated",
    n_teams=12,
    n_months=8,
    people_per_team=6,
    respondents=5,
    slope=1.5,
    seed=7,
):
    rng = random.Random(seed)
    org = OrganizationFactory(name=f"Simulated {slug}", slug=slug, min_group_size=3)
    sites = [
        SiteFactory(organization=org, name=f"Site {i + 1}", slug=f"site-{i + 1}")
        for i in range(3)
    ]
    role = JobRoleFactory(organization=org, name="Clinician", slug="clinician")
    teams = [
        TeamFactory(site=sites[i % 3], name=f"Team {i + 1:02d}", slug=f"team-{i + 1}")
        for i in range(n_teams)
    ]
    for team in teams:
        for _ in range(people_per_team):
            StaffMemberFactory(
                team=team, job_role=role, hire_date=datetime.date(2022, 6, 1)
            )
    survey = SurveyFactory(organization=org, name="Monthly pulse")
    q = standard_questions(survey)
    team_mean = {team.pk: rng.gauss(ENGAGEMENT_CENTRE, 8.0) for team in teams}
    nps_base = {team.pk: rng.gauss(40.0, 10.0) for team in teams}
    deviation = dict.fromkeys(team_mean, 0.0)
    measured_before = {}
    months = [add_months(FIRST_MONTH, t) for t in range(n_months)]
    for month in months:
        round_ = RoundFactory(
            survey=survey,
            status=RoundStatus.RELEASED,
            period=month,
            min_group_size=3,
            released_at=timezone.now(),
        )
        measured = {}
        responses, answers = [], []
        for team in teams:
            deviation[team.pk] = 0.6 * deviation[team.pk] + rng.gauss(0.0, 6.0)
            latent = team_mean[team.pk] + deviation[team.pk]
            indexes = []
            for _ in range(respondents):
                level = min(5, max(1, round(1 + (latent + rng.gauss(0, 10)) / 25)))
                indexes.append((level - 1) * 25.0)
                response = Response(
                    round=round_,
                    site=team.site,
                    team=team,
                    job_role=role,
                    tenure_band="2to5",
                    employment_type="full_time",
                )
                responses.append(response)
                answers += [
                    Answer(response=response, question=q[code], value=level)
                    for code in ENGAGEMENT_CODES
                ]
                answers.append(
                    Answer(response=response, question=q["enps"], value=level * 2)
                )
                answers.append(
                    Answer(response=response, question=q["burnout"], value=6 - level)
                )
            measured[team.pk] = sum(indexes) / len(indexes)
        Response.objects.bulk_create(responses)
        Answer.objects.bulk_create(answers)
        if measured_before:
            feedback = []
            for team in teams:
                nps = nps_base[team.pk] + slope * (
                    measured_before[team.pk] - ENGAGEMENT_CENTRE
                )
                nps = max(-75.0, min(75.0, nps + rng.gauss(0.0, 3.0)))
                promoters = round(PATIENT_ANSWERS * (1 - PASSIVE_SHARE + nps / 100) / 2)
                detractors = round(
                    PATIENT_ANSWERS * (1 - PASSIVE_SHARE - nps / 100) / 2
                )
                passives = PATIENT_ANSWERS - promoters - detractors
                scores = [10] * promoters + [8] * passives + [3] * detractors
                feedback += [
                    PatientFeedback(
                        site=team.site,
                        team=team,
                        date=month.replace(day=1 + i % 28),
                        score=score,
                    )
                    for i, score in enumerate(scores)
                ]
            PatientFeedback.objects.bulk_create(feedback)
        measured_before = measured
    return {
        "org": org,
        "sites": sites,
        "teams": teams,
        "months": months,
        "survey": survey,
        "q": q,
    }
