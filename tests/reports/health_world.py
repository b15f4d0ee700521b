"""A small organization with something in every stage of the flywheel, for the
health and PDF report tests.

``org_world`` plus a third Northside team (Sterilisation, 3 people) and: a
released round for 2025-03 (k = 5) in which Front desk
(Northside) and Front desk (Southside) answer 5 times each and Hygiene only
twice with distinctive answers (it must never show; with Sterilisation's
three it is part of "Other teams at Northside"); a leaver in Hygiene;
required skills in Hygiene with single points of failure ("Impressions",
"Sterile setup"); a required course most people lack; patient answers for
Front desk (Northside) (NPS 50) and Southside's Front desk (NPS 80); practice
KPIs for both sites.
"""

import datetime

from django.utils import timezone

from reports.models import KPI, PatientFeedback, PracticeKPI
from surveys.models import RoundStatus
from tests.factories import (
    RoundFactory,
    StaffMemberFactory,
    SurveyFactory,
    TeamFactory,
)
from tests.surveys.results_data import (
    ENGAGEMENT_CODES,
    add_response,
    standard_questions,
)
from workforce.models import StaffMember, TerminationReason
from workforce.skills.models import Skill, SkillAssessment, TeamSkillRequirement
from workforce.training.models import Completion, Course, Requirement

D = datetime.date
PERIOD = "2025-03"
TODAY = D(2025, 4, 15)
# Hygiene's two answers: engagement items all 1 and all 2 (index 12.5), workload
# the same, eNPS 3, burnout 5. "12.5" must appear in no output.
HIDDEN_ENGAGEMENT = 12.5


def build_health_world(w):
    org = w["org"]
    org.min_group_size = 5
    org.save(update_fields=["min_group_size"])
    hygiene = w["team_a2"]
    sterilisation = TeamFactory(
        site=w["site_a"], name="Sterilisation", slug="sterilisation"
    )
    for _ in range(3):
        StaffMemberFactory(team=sterilisation)

    survey = SurveyFactory(organization=org, name="Monthly pulse")
    q = standard_questions(survey)
    round_ = RoundFactory(
        survey=survey,
        name="March pulse",
        status=RoundStatus.RELEASED,
        period=D(2025, 3, 1),
        min_group_size=5,
        released_at=timezone.now(),
    )
    # Front desk (Northside): high burnout (4 of 5 at option 3+), low engagement.
    for level, burn in zip([2, 2, 3, 2, 2], [4, 4, 3, 5, 1], strict=True):
        values = {q[code]: level for code in ENGAGEMENT_CODES}
        values[q["enps"]] = 5
        values[q["burnout"]] = burn
        values[q["workload"]] = 2
        add_response(round_, team=w["team_a1"], answers=values)
    # Southside front desk: engaged, no burnout.
    for level in [5, 5, 4, 5, 4]:
        values = {q[code]: level for code in ENGAGEMENT_CODES}
        values[q["enps"]] = 10
        values[q["burnout"]] = 1
        values[q["workload"]] = 4
        add_response(round_, team=w["team_b1"], answers=values)
    # Sterilisation: three answers; with Hygiene's two they make "Other teams at
    # Northside" (5), so Front desk (Northside) need not be hidden to protect them.
    for _ in range(3):
        values = {q[code]: 4 for code in ENGAGEMENT_CODES}
        values[q["enps"]] = 8
        values[q["burnout"]] = 2
        add_response(round_, team=sterilisation, answers=values)
    # Hygiene: two answers, below k.
    for level in (1, 2):
        values = {q[code]: level for code in ENGAGEMENT_CODES}
        values[q["enps"]] = 3
        values[q["burnout"]] = 5
        values[q["workload"]] = level
        add_response(round_, team=hygiene, answers=values)

    # A voluntary leaver from Hygiene in February.
    leaver = w["people"][hygiene][0]
    StaffMember.objects.filter(pk=leaver.pk).update(
        termination_date=D(2025, 2, 10),
        termination_reason=TerminationReason.VOLUNTARY,
    )
    leaver.memberships.update(end_date=D(2025, 2, 10))

    # Skills: Hygiene requires two skills, each held by one remaining person.
    stay = w["people"][hygiene][1:]
    skills = {
        name: Skill.objects.create(organization=org, name=name)
        for name in ("Impressions", "Sterile setup", "Scheduling")
    }
    for name in ("Impressions", "Sterile setup"):
        TeamSkillRequirement.objects.create(
            team=hygiene,
            skill=skills[name],
            min_competent=2,
            start_date=D(2024, 1, 1),
        )
    SkillAssessment.objects.create(
        staff_member=stay[0],
        skill=skills["Impressions"],
        level=3,
        assessed_on=D(2024, 6, 1),
    )
    SkillAssessment.objects.create(
        staff_member=stay[1],
        skill=skills["Sterile setup"],
        level=2,
        assessed_on=D(2024, 6, 1),
    )
    # Front desk (Southside) requires scheduling and two people can do it.
    TeamSkillRequirement.objects.create(
        team=w["team_b1"],
        skill=skills["Scheduling"],
        min_competent=1,
        start_date=D(2024, 1, 1),
    )
    for person in w["people"][w["team_b1"]][:2]:
        SkillAssessment.objects.create(
            staff_member=person,
            skill=skills["Scheduling"],
            level=2,
            assessed_on=D(2024, 6, 1),
        )

    # Training: everyone must hold Infection control; only Southside does.
    course = Course.objects.create(
        organization=org, name="Infection control", validity_months=12
    )
    Requirement.objects.create(organization=org, course=course)
    for person in w["people"][w["team_b1"]]:
        Completion.objects.create(
            staff_member=person,
            course=course,
            completed_on=D(2025, 1, 10),
            expires_on=D(2026, 1, 9),
        )

    # Patients: 10 answers per front desk in March.
    scores = {w["team_a1"]: [10, 10, 10, 9, 9, 9, 8, 8, 3, 2]}  # NPS 40
    scores[w["team_b1"]] = [10] * 8 + [8, 5]  # NPS 70
    for team, values in scores.items():
        PatientFeedback.objects.bulk_create(
            PatientFeedback(site=team.site, team=team, date=D(2025, 3, 5), score=s)
            for s in values
        )
    # Hygiene: 3 answers, below the minimum of 5.
    PatientFeedback.objects.bulk_create(
        PatientFeedback(site=hygiene.site, team=hygiene, date=D(2025, 3, 6), score=0)
        for _ in range(3)
    )
    for site, referrals, previous in (
        (w["site_a"], 30, 40),
        (w["site_b"], 25, 20),
    ):
        PracticeKPI.objects.create(
            site=site, month=D(2025, 3, 1), kpi=KPI.REFERRALS, value=referrals
        )
        PracticeKPI.objects.create(
            site=site, month=D(2025, 2, 1), kpi=KPI.REFERRALS, value=previous
        )
        PracticeKPI.objects.create(
            site=site, month=D(2025, 3, 1), kpi=KPI.DAYS_IN_AR, value=38
        )
    return {
        **w,
        "team_a3": sterilisation,
        "round": round_,
        "skills": skills,
        "course": course,
    }
