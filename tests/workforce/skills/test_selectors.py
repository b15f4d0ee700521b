from datetime import date

import pytest

from tests.factories import (
    OrganizationFactory,
    SiteFactory,
    StaffMemberFactory,
    TeamFactory,
)
from tests.workforce.skills.factories import (
    SkillAssessmentFactory,
    SkillFactory,
    TeamSkillRequirementFactory,
)
from workforce.models import TeamMembership
from workforce.skills.selectors import (
    month_starts,
    site_levels,
    team_month_coverage,
    team_skills,
)

JAN, FEB, MAR, APR = (date(2025, m, 1) for m in (1, 2, 3, 4))


def transfer(person, team, on):
    TeamMembership.objects.filter(staff_member=person, end_date__isnull=True).update(
        end_date=on
    )
    TeamMembership.objects.create(staff_member=person, team=team, start_date=on)
    person.team = team
    person.save(update_fields=["team"])


@pytest.fixture
def history(db):
    """Two teams on one site, four people, a year of changes (see the test)."""
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    team1 = TeamFactory(site=site, name="Front desk")
    team2 = TeamFactory(site=site, name="Hygiene")
    s = SkillFactory(organization=org, name="Scheduling")
    t = SkillFactory(organization=org, name="Treatment plans")
    TeamSkillRequirementFactory(team=team1, skill=s, min_competent=1)
    TeamSkillRequirementFactory(team=team2, skill=s, min_competent=1)
    # T is only required of team 1 from March.
    TeamSkillRequirementFactory(
        team=team1, skill=t, min_competent=2, start_date=date(2025, 3, 1)
    )
    p, q, r, leaver = (
        StaffMemberFactory(team=team1, full_name=name) for name in "PQRL"
    )
    SkillAssessmentFactory(
        staff_member=p, skill=s, level=3, assessed_on=date(2024, 6, 1)
    )
    SkillAssessmentFactory(
        staff_member=q, skill=s, level=1, assessed_on=date(2024, 6, 1)
    )
    # q becomes competent in February; January must not change.
    SkillAssessmentFactory(
        staff_member=q, skill=s, level=2, assessed_on=date(2025, 2, 10)
    )
    SkillAssessmentFactory(
        staff_member=r, skill=s, level=2, assessed_on=date(2024, 6, 1)
    )
    SkillAssessmentFactory(
        staff_member=leaver, skill=t, level=2, assessed_on=date(2024, 6, 1)
    )
    # r moves to team 2 on 5 March, taking the skill along.
    transfer(r, team2, date(2025, 3, 5))
    # The leaver's termination date is 10 April.
    leaver.termination_date = date(2025, 4, 10)
    leaver.termination_reason = "voluntary"
    leaver.save()
    # Another organization's data must never appear.
    StaffMemberFactory()
    return {"org": org, "team1": team1, "team2": team2, "s": s, "t": t, "r": r}


def test_team_month_coverage_follows_dated_history(history):
    rows = team_month_coverage(
        organization=history["org"], start=date(2025, 1, 15), end=date(2025, 4, 2)
    )
    t1, t2 = history["team1"].pk, history["team2"].pk
    table = {
        (row["team_id"], row["month"]): (
            row["required_skills"],
            row["covered_skills"],
            row["coverage"],
            row["spof_count"],
            row["uncovered_count"],
        )
        for row in rows
    }

    assert len(rows) == 8
    assert table == {
        # January: p (3) and r (2) can schedule; q is still learning.
        (t1, JAN): (1, 1, 1.0, 0, 0),
        (t2, JAN): (1, 0, 0.0, 0, 1),
        (t1, FEB): (1, 1, 1.0, 0, 0),
        (t2, FEB): (1, 0, 0.0, 0, 1),
        # March: r has moved to team 2; T is now required, only the leaver has it.
        (t1, MAR): (2, 1, 0.5, 1, 0),
        (t2, MAR): (1, 1, 1.0, 1, 0),
        # April: the leaver is gone by the month end; T is uncovered.
        (t1, APR): (2, 1, 0.5, 0, 1),
        (t2, APR): (1, 1, 1.0, 1, 0),
    }


def test_team_month_coverage_can_be_limited_to_teams(history):
    rows = team_month_coverage(
        organization=history["org"],
        start=JAN,
        end=JAN,
        teams=[history["team2"]],
    )

    assert [row["team_id"] for row in rows] == [history["team2"].pk]


def test_team_month_coverage_costs_the_same_queries_for_three_years(
    history, django_assert_num_queries
):
    with django_assert_num_queries(4):
        rows = team_month_coverage(
            organization=history["org"], start=date(2023, 1, 1), end=date(2025, 12, 31)
        )

    assert len(rows) == 2 * 36


def test_month_starts_crosses_the_year():
    assert month_starts(date(2024, 11, 30), date(2025, 2, 1)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]


def test_team_skills_on_a_day(history):
    team1, s, t = history["team1"], history["s"], history["t"]
    extra = SkillFactory(organization=history["org"], name="Autoclave")

    before = team_skills(team=team1, on=date(2025, 2, 1))
    after = team_skills(team=team1, on=date(2025, 3, 31), extra_skill_ids=[extra.pk])

    assert [m.full_name for m in before.members] == ["L", "P", "Q", "R"]
    # T is shown in February (the leaver is assessed in it) but not required yet.
    assert before.required_skills == [s] and before.other_skills == [t]
    assert before.level(before.members[2], s) == 1
    assert [m.full_name for m in after.members] == ["L", "P", "Q"]
    assert after.required_skills == [s, t] and after.other_skills == [extra]
    assert after.requirements == {s.pk: 1, t.pk: 2}
    assert after.coverage.coverage == 0.5
    assert after.level(after.members[2], s) == 2


def test_site_levels_cover_every_team_on_the_site(history):
    people, levels = site_levels(team=history["team1"], on=date(2025, 3, 31))

    assert history["r"].pk in people
    assert len(people) == 4
    assert levels[(history["r"].pk, history["s"].pk)] == 2
