"""Retention and the analysis: a purge leaves the team-month panel as it was."""

import datetime
import random

import pandas as pd
import pytest
from django.utils import timezone

from reports.selectors import team_month_panel
from reports.survey_months import team_month_survey
from surveys.models import Answer, PulseHistory, PurgedRoundAggregate, RoundStatus
from surveys.retention import survey_answers_purge
from tests.factories import RoundFactory, SurveyFactory
from tests.surveys.results_data import (
    ENGAGEMENT_CODES,
    add_response,
    standard_questions,
)

D = datetime.date
START, END, UNTIL = D(2024, 1, 1), D(2024, 5, 31), D(2025, 12, 31)


def _round(survey, *, period, closed_days_ago, status=RoundStatus.RELEASED):
    now = timezone.now()
    return RoundFactory(
        survey=survey,
        name=f"Pulse {period:%Y-%m} ({closed_days_ago})",
        period=period,
        status=status,
        launched_at=now - datetime.timedelta(days=closed_days_ago + 7),
        closed_at=now - datetime.timedelta(days=closed_days_ago),
        released_at=now - datetime.timedelta(days=closed_days_ago - 1),
        min_group_size=3,
    )


def _answer(round_, team, q, rng, *, count):
    for _ in range(count):
        level = rng.randint(1, 5)
        values = {
            q[code]: min(5, max(1, level + rng.randint(-1, 1)))
            for code in (ENGAGEMENT_CODES)
        }
        values[q["enps"]] = rng.randint(0, 10)
        values[q["burnout"]] = rng.randint(1, 5)
        values[q["comment"]] = "Free text goes with the purge"
        add_response(round_, team=team, answers=values)
    # Too few engagement items for the index: still a respondent, and counts
    # for burnout; and someone who skipped everything.
    partial = {q[code]: 2 for code in ENGAGEMENT_CODES[:2]}
    add_response(round_, team=team, answers={**partial, q["burnout"]: 4})
    add_response(round_, team=team, answers={})


@pytest.fixture
def world(org_world, settings):
    settings.SURVEY_RAW_RETENTION_DAYS = 365
    w = org_world
    a1, a2, b1 = w["team_a1"], w["team_a2"], w["team_b1"]
    rng = random.Random(8)
    survey = SurveyFactory(organization=w["org"], name="Monthly pulse")
    q = standard_questions(survey)
    # January: an old round (purged) and a recent one for the same month, so
    # stored sums and live answers must add up in one team-month.
    old_january = _round(survey, period=D(2024, 1, 1), closed_days_ago=500)
    for team, count in ((a1, 6), (a2, 4), (b1, 1)):
        _answer(old_january, team, q, rng, count=count)
    late_january = _round(survey, period=D(2024, 1, 1), closed_days_ago=10)
    _answer(late_january, a1, q, rng, count=3)
    # February and March: purged; April: kept.
    for month, closed in ((2, 450), (3, 420), (4, 20)):
        round_ = _round(survey, period=D(2024, month, 1), closed_days_ago=closed)
        for team in (a1, a2, b1):
            _answer(round_, team, q, rng, count=rng.randint(2, 7))
    # Closed, never released, old: purged, and never part of the panel.
    closed = _round(
        survey, period=D(2024, 2, 1), closed_days_ago=430, status=RoundStatus.CLOSED
    )
    _answer(closed, a1, q, rng, count=4)
    # Imported history: ignored for A1 in January, a month with rounds (also
    # after the purge: the stored sums are the round's); used for B1 in May.
    for team, month, measure, respondents, value in [
        (a1, D(2024, 1, 1), "engagement", 9, 10.0),
        (b1, D(2024, 5, 1), "engagement", 6, 70.0),
    ]:
        PulseHistory.objects.create(
            organization=w["org"],
            team=team,
            month=month,
            measure=measure,
            respondents=respondents,
            value=value,
        )
    return {**w, "old_january": old_january, "late_january": late_january}


def _panel(world, start=START):
    return team_month_panel(
        organization=world["org"], start=start, end=END, until=UNTIL
    )


def test_purge_keeps_the_team_month_panel_and_the_answer_variance(world):
    before = _panel(world)
    survey_before = team_month_survey(organization=world["org"], start=START, end=END)
    variance_before = before.attrs["engagement_individual_variance"]
    # Not vacuous: the purged months are in the panel with scores and spread.
    assert variance_before is not None and variance_before > 0
    purged_months = before[before["month"] < pd.Timestamp(2024, 4, 1)]
    assert purged_months["engagement"].notna().sum() >= 8
    assert (purged_months["respondents"] > 0).sum() >= 9

    result = survey_answers_purge()

    # January (old), February, March and the closed round.
    assert result.rounds == 4
    assert not Answer.objects.filter(response__round=world["old_january"]).exists()
    assert Answer.objects.filter(response__round=world["late_january"]).exists()
    # One row per team and purged released round: 3 + 3 + 3, none for the
    # closed round.
    assert PurgedRoundAggregate.objects.count() == result.aggregates == 9

    after = _panel(world)
    survey_after = team_month_survey(organization=world["org"], start=START, end=END)
    pd.testing.assert_frame_equal(after, before, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(
        survey_after, survey_before, check_exact=False, rtol=1e-9, atol=1e-7
    )
    assert after.attrs["engagement_individual_variance"] == pytest.approx(
        variance_before, rel=1e-12
    )


def test_without_stored_sums_the_purge_would_hollow_out_the_panel(world):
    """The guard above can fail: drop the stored sums and the months go empty."""
    before = _panel(world)
    survey_answers_purge()
    PurgedRoundAggregate.objects.all().delete()

    after = _panel(world)

    february = pd.Timestamp(2024, 2, 1)
    had = before.loc[before["month"] == february, "engagement"]
    has = after.loc[after["month"] == february, "engagement"]
    assert had.notna().all() and has.isna().all()


def test_a_second_purge_changes_nothing(world):
    survey_answers_purge()
    stored = list(PurgedRoundAggregate.objects.order_by("pk").values())
    panel = _panel(world)

    again = survey_answers_purge()

    assert (again.rounds, again.answers, again.aggregates) == (0, 0, 0)
    assert list(PurgedRoundAggregate.objects.order_by("pk").values()) == stored
    pd.testing.assert_frame_equal(_panel(world), panel)
