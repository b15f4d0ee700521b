"""The team-month panel and person spells, on data small enough to check by hand."""

import datetime

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.analysis.panel import PANEL_COLUMNS, PEOPLE_COLUMNS
from reports.models import PatientFeedback
from reports.selectors import (
    PANEL_FRAME_COLUMNS,
    people_frame,
    team_month_panel,
)
from surveys.models import PulseHistory, RoundStatus
from tests.factories import RoundFactory, StaffMemberFactory, SurveyFactory
from tests.surveys.results_data import (
    ENGAGEMENT_CODES,
    add_response,
    standard_questions,
)
from workforce.models import TeamMembership
from workforce.skills.models import Skill, SkillAssessment

D = datetime.date
JAN, FEB, MAR = (pd.Timestamp(2025, m, 1) for m in (1, 2, 3))
FIRST_DAY, LAST_DAY = D(2025, 1, 1), D(2025, 3, 31)


def transfer(person, team, on):
    TeamMembership.objects.filter(staff_member=person, end_date__isnull=True).update(
        end_date=on
    )
    TeamMembership.objects.create(staff_member=person, team=team, start_date=on)
    person.team = team
    person.save(update_fields=["team"])


def leave(person, on, reason):
    person.termination_date = on
    person.termination_reason = reason
    person.save(update_fields=["termination_date", "termination_reason"])


def answers(q, level, *, enps=None, burnout=None, engagement_items=None):
    codes = ENGAGEMENT_CODES if engagement_items is None else engagement_items
    values = {q[code]: level for code in codes}
    if enps is not None:
        values[q["enps"]] = enps
    if burnout is not None:
        values[q["burnout"]] = burnout
    return values


@pytest.fixture
def world(org_world):
    w = org_world
    a1, a2, b1 = w["team_a1"], w["team_a2"], w["team_b1"]
    # X moves from A1 to A2 half way through February, then resigns in March.
    x = w["people"][a1][0]
    transfer(x, a2, D(2025, 2, 15))
    leave(x, D(2025, 3, 20), "voluntary")
    # Someone in A2 is let go in January; someone in B1 resigns in March.
    leave(w["people"][a2][0], D(2025, 1, 20), "involuntary")
    leave(w["people"][b1][0], D(2025, 3, 10), "voluntary")

    survey = SurveyFactory(organization=w["org"], name="Monthly pulse")
    q = standard_questions(survey)
    released = RoundFactory(
        survey=survey,
        status=RoundStatus.RELEASED,
        period=D(2025, 2, 1),
        min_group_size=3,
        released_at=timezone.now(),
    )
    # A1 in February: engagement 100, 75, 50 (mean 75); the fourth answered
    # only 2 of 6 engagement items, too few for the index, but still counts as
    # a respondent and for burnout; the fifth answered nothing. Burnout 2 of 4
    # at option 3 or above; eNPS 2 promoters, 1 detractor of 3 answers.
    add_response(released, team=a1, answers=answers(q, 5, enps=10, burnout=1))
    add_response(released, team=a1, answers=answers(q, 4, enps=9, burnout=3))
    add_response(released, team=a1, answers=answers(q, 3, enps=3, burnout=4))
    add_response(
        released,
        team=a1,
        answers=answers(q, 1, burnout=2, engagement_items=ENGAGEMENT_CODES[:2]),
    )
    # Someone who skipped every question still took part.
    add_response(released, team=a1, answers={})
    # A response keeps the team it was invited in: X answered as A2 although
    # the round measures February, when X spent half the month in A1.
    add_response(released, team=a2, answers=answers(q, 2, enps=7, burnout=5))
    # An unreleased round counts for nothing.
    closed = RoundFactory(
        survey=survey, status=RoundStatus.CLOSED, period=D(2025, 3, 1)
    )
    add_response(closed, team=a1, answers=answers(q, 1, enps=0, burnout=5))
    # Imported history: B1 in January; A1 in February is ignored (rounds win).
    for team, month, measure, respondents, value in [
        (b1, D(2025, 1, 1), "engagement", 6, 70.0),
        (b1, D(2025, 1, 1), "burnout", 5, 20.0),
        (b1, D(2025, 1, 1), "enps", 6, 15.0),
        (a1, D(2025, 2, 1), "engagement", 9, 10.0),
    ]:
        PulseHistory.objects.create(
            organization=w["org"],
            team=team,
            month=month,
            measure=measure,
            respondents=respondents,
            value=value,
        )
    # Patient feedback: A1 in January NPS (2 - 1) / 4; a site-level answer is
    # nobody's team; another organization's is not ours.
    for team, day, score in [
        (a1, D(2025, 1, 3), 10),
        (a1, D(2025, 1, 9), 9),
        (a1, D(2025, 1, 19), 6),
        (a1, D(2025, 1, 30), 8),
        (None, D(2025, 1, 30), 0),
    ]:
        PatientFeedback.objects.create(
            site=w["site_a"], team=team, date=day, score=score
        )
    PatientFeedback.objects.create(
        site=w["other_site"], team=w["other_team"], date=D(2025, 1, 4), score=0
    )
    return {**w, "x": x, "q": q, "survey": survey}


def panel_rows(world, start=FIRST_DAY, end=LAST_DAY):
    panel = team_month_panel(
        organization=world["org"], start=start, end=end, until=D(2025, 6, 30)
    )
    return panel, {(r.site, r.team, r.month): r for r in panel.itertuples()}


def test_columns_and_types(world):
    panel, _ = panel_rows(world)

    assert tuple(panel.columns) == PANEL_FRAME_COLUMNS
    assert set(PANEL_COLUMNS) <= set(panel.columns)
    assert "cpd_hours_per_head" in panel.columns
    assert str(panel["month"].dtype) == "datetime64[ns]"
    for column in ("voluntary_leavers", "respondents", "spof_count"):
        assert str(panel[column].dtype) == "int64"
    assert not panel.duplicated(["site", "team", "month"]).any()
    # Three teams with people in each of three months; the other organization's
    # team never appears.
    assert len(panel) == 9
    assert set(panel["site"]) == {"Northside", "Southside"}


def test_headcount_from_spells_and_a_transfer_in_the_right_months(world):
    _, rows = panel_rows(world)
    a1 = ("Northside", "Front desk")
    a2 = ("Northside", "Hygiene")
    b1 = ("Southside", "Front desk")

    assert rows[(*a1, JAN)].headcount == pytest.approx(3.0)
    # February has 28 days: X was in A1 for 14 of them and in A2 for 14.
    assert rows[(*a1, FEB)].headcount == pytest.approx(2.5)
    assert rows[(*a2, FEB)].headcount == pytest.approx(2 + 14 / 28)
    assert rows[(*a1, MAR)].headcount == pytest.approx(2.0)
    # January in A2: the involuntary leaver was there 19 of 31 days.
    assert rows[(*a2, JAN)].headcount == pytest.approx(2 + 19 / 31)
    # March in A2: X until the 20th (19 days) besides the other two.
    assert rows[(*a2, MAR)].headcount == pytest.approx(2 + 19 / 31)
    assert rows[(*b1, MAR)].headcount == pytest.approx(2 + 9 / 31)


def test_leavers_by_month_reason_and_last_team(world):
    panel, rows = panel_rows(world)
    a1 = ("Northside", "Front desk")
    a2 = ("Northside", "Hygiene")
    b1 = ("Southside", "Front desk")

    assert rows[(*a2, JAN)].involuntary_leavers == 1
    assert rows[(*a2, JAN)].voluntary_leavers == 0
    # X left from A2, the team after the transfer, not A1.
    assert rows[(*a2, MAR)].voluntary_leavers == 1
    assert rows[(*a1, MAR)].voluntary_leavers == 0
    assert rows[(*b1, MAR)].voluntary_leavers == 1
    assert panel["voluntary_leavers"].sum() == 2
    assert panel["involuntary_leavers"].sum() == 1


def test_engagement_burnout_and_enps_from_responses(world):
    _, rows = panel_rows(world)
    a1_feb = rows[("Northside", "Front desk", FEB)]

    assert a1_feb.respondents == 5
    assert a1_feb.engagement == pytest.approx(75.0)
    assert a1_feb.burnout_rate == pytest.approx(2 / 4)
    assert a1_feb.enps == pytest.approx(100 * (2 - 1) / 3)
    # The response snapshotted in A2 counts there, whatever the roster says.
    a2_feb = rows[("Northside", "Hygiene", FEB)]
    assert a2_feb.respondents == 1
    assert a2_feb.engagement == pytest.approx(25.0)
    assert a2_feb.burnout_rate == 1.0
    assert a2_feb.enps == 0.0
    # The closed round in March is not counted.
    a1_mar = rows[("Northside", "Front desk", MAR)]
    assert a1_mar.respondents == 0
    assert pd.isna(a1_mar.engagement)


def test_reverse_scored_items_are_turned_round(world):
    question = world["q"][ENGAGEMENT_CODES[0]]
    question.reverse_scored = True
    question.save(update_fields=["reverse_scored"])

    _, rows = panel_rows(world)

    # Levels 5, 4, 3 with one item reversed: (5 x 100 + 0) / 6, (5 x 75 + 25) / 6,
    # (5 x 50 + 50) / 6.
    expected = ((500 + 0) / 6 + (375 + 25) / 6 + (250 + 50) / 6) / 3
    assert rows[("Northside", "Front desk", FEB)].engagement == pytest.approx(expected)


def test_pulse_history_fills_months_without_rounds(world):
    _, rows = panel_rows(world)
    b1_jan = rows[("Southside", "Front desk", JAN)]

    assert b1_jan.engagement == 70.0
    assert b1_jan.burnout_rate == pytest.approx(0.20)
    assert b1_jan.enps == 15.0
    assert b1_jan.respondents == 6


def test_patient_nps_is_the_teams_own(world):
    _, rows = panel_rows(world)
    a1_jan = rows[("Northside", "Front desk", JAN)]

    assert a1_jan.patient_responses == 4
    assert a1_jan.patient_nps == pytest.approx(25.0)
    a2_jan = rows[("Northside", "Hygiene", JAN)]
    assert a2_jan.patient_responses == 0
    assert pd.isna(a2_jan.patient_nps)


def test_individual_engagement_variance_is_pooled_within_team_months(world):
    panel, _ = panel_rows(world)

    # A1 in February: 100, 75, 50 around 75 -> 1250 over 2 degrees of freedom.
    assert panel.attrs["engagement_individual_variance"] == pytest.approx(625.0)


def test_a_fixed_number_of_queries(world):
    with CaptureQueriesContext(connection) as few:
        panel_rows(world, end=D(2025, 1, 31))
    with CaptureQueriesContext(connection) as many:
        panel_rows(world, end=D(2025, 12, 31))

    assert len(many) == len(few)


def test_people_spells_censor_transfers_and_split_at_breadth_changes(world):
    x = world["x"]
    skills = [Skill.objects.create(organization=world["org"], name=n) for n in "AB"]
    SkillAssessment.objects.create(
        staff_member=x, skill=skills[0], level=2, assessed_on=D(2024, 6, 1)
    )
    SkillAssessment.objects.create(
        staff_member=x, skill=skills[1], level=3, assessed_on=D(2025, 1, 10)
    )
    SkillAssessment.objects.create(
        staff_member=x, skill=skills[1], level=1, assessed_on=D(2025, 3, 1)
    )

    people = people_frame(
        organization=world["org"], start=D(2025, 1, 1), end=D(2025, 3, 31)
    )

    assert tuple(people.columns) == PEOPLE_COLUMNS
    assert (people["start"] < people["stop"]).all()
    rows = people[people["person"] == f"s{x.pk}"]
    hired = x.hire_date
    month = 365.25 / 12

    def at(day):
        return pytest.approx((day - hired).days / month)

    # Jan 1 - Jan 10 breadth 1; Jan 10 - Feb 15 breadth 2 in A1; then A2 from
    # the transfer (tenure band changes on 2025-01-15 + 1 day: one year of
    # service); Mar 1 breadth back to 1; left voluntarily on Mar 20.
    assert list(rows["team"]) == [
        "Front desk",
        "Front desk",
        "Front desk",
        "Hygiene",
        "Hygiene",
    ]
    assert list(rows["cross_training_breadth"]) == [1, 2, 2, 2, 1]
    assert list(rows["tenure_band"]) == ["lt1", "lt1", "1to2", "1to2", "1to2"]
    assert rows["start"].iloc[0] == at(D(2025, 1, 1))
    assert rows["stop"].iloc[0] == at(D(2025, 1, 10))
    assert rows["stop"].iloc[2] == at(D(2025, 2, 15))
    assert rows["start"].iloc[3] == at(D(2025, 2, 15))
    assert rows["stop"].iloc[-1] == at(D(2025, 3, 20))
    # The transfer is not an event; only the voluntary leaving at the end is.
    assert list(rows["event"]) == [0, 0, 0, 0, 1]


def test_people_involuntary_leaving_and_staying_are_censored(world):
    people = people_frame(
        organization=world["org"], start=D(2025, 1, 1), end=D(2025, 3, 31)
    )
    fired = world["people"][world["team_a2"]][0]
    stayer = world["people"][world["team_a1"]][1]

    fired_rows = people[people["person"] == f"s{fired.pk}"]
    assert fired_rows["event"].sum() == 0
    assert fired_rows["stop"].max() == pytest.approx(
        (D(2025, 1, 20) - fired.hire_date).days / (365.25 / 12)
    )
    stayer_rows = people[people["person"] == f"s{stayer.pk}"]
    assert stayer_rows["event"].sum() == 0
    assert stayer_rows["stop"].max() == pytest.approx(
        (D(2025, 4, 1) - stayer.hire_date).days / (365.25 / 12)
    )
    # Voluntary events: X and the B1 leaver; nobody from another organization.
    assert people["event"].sum() == 2
    other = {f"s{p.pk}" for p in world["people"][world["other_team"]]}
    assert not other & set(people["person"])


def test_people_who_left_before_the_window_are_not_followed(world):
    early = StaffMemberFactory(team=world["team_b1"], hire_date=D(2023, 5, 1))
    leave(early, D(2024, 12, 31), "voluntary")

    people = people_frame(
        organization=world["org"], start=D(2025, 1, 1), end=D(2025, 3, 31)
    )

    assert f"s{early.pk}" not in set(people["person"])
