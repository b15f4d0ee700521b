"""Retention: raw answers past the period are purged, released figures unchanged."""

import datetime
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation

from surveys import tasks
from surveys.models import Answer, ReleasedResultsSnapshot, Response, RoundStatus
from surveys.results import released_results
from tests.factories import RoundFactory
from tests.surveys.results_data import add_invitation, add_response, standard_questions
from workforce.models import AuditEvent


def _released_round(org_world, *, closed_days_ago, name, period, status=None):
    now = timezone.now()
    round_ = RoundFactory(
        survey__organization=org_world["org"],
        name=name,
        period=period,
        status=status or RoundStatus.RELEASED,
        launched_at=now - datetime.timedelta(days=closed_days_ago + 7),
        closed_at=now - datetime.timedelta(days=closed_days_ago),
        released_at=now - datetime.timedelta(days=closed_days_ago - 1),
        min_group_size=5,
    )
    return round_


def _fill(round_, questions, team, *, shift=0):
    for i in range(6):
        add_invitation(round_, team=team)
        add_response(
            round_,
            team=team,
            answers={
                **{
                    q: 1 + (i + shift) % 5
                    for c, q in questions.items()
                    if c[:2] == "en"
                },
                questions["enps"]: (i * 2 + shift) % 11,
                questions["burnout"]: 1 + i % 5,
                questions["workload"]: 2 + i % 3,
                questions["comment"]: f"Comment number {i}",
            },
        )


@pytest.fixture
def rounds(org_world, settings):
    settings.SURVEY_RAW_RETENTION_DAYS = 365
    old = _released_round(
        org_world, closed_days_ago=400, name="Old", period=datetime.date(2024, 1, 1)
    )
    questions = standard_questions(old.survey)
    _fill(old, questions, org_world["team_a1"])
    recent = RoundFactory(
        survey=old.survey,
        name="Recent",
        period=datetime.date(2025, 6, 1),
        status=RoundStatus.RELEASED,
        launched_at=timezone.now() - datetime.timedelta(days=20),
        closed_at=timezone.now() - datetime.timedelta(days=10),
        released_at=timezone.now() - datetime.timedelta(days=9),
        min_group_size=5,
    )
    _fill(recent, questions, org_world["team_a1"], shift=2)
    return old, recent


def _figures(round_):
    cache.clear()
    figures = {}
    for language in ("en", "es"):
        with translation.override(language):
            figures[language] = released_results(round_)
    return figures


def test_purge_deletes_old_raw_answers_and_keeps_released_figures(rounds):
    old, recent = rounds
    before_old, before_recent = _figures(old), _figures(recent)
    assert before_old["en"]["groups"], "the old round should have released scores"
    recent_answers = Answer.objects.filter(response__round=recent).count()

    dry = StringIO()
    call_command("purge_survey_answers", "--dry-run", stdout=dry)
    assert "Old (released): would delete" in dry.getvalue()
    assert "Recent" not in dry.getvalue()
    assert Answer.objects.filter(response__round=old).exists()
    assert not ReleasedResultsSnapshot.objects.exists()

    out = StringIO()
    call_command("purge_survey_answers", stdout=out)

    assert "1 rounds" in out.getvalue()
    assert not Answer.objects.filter(response__round=old).exists()
    assert Answer.objects.filter(response__round=recent).count() == recent_answers
    assert Response.objects.filter(round=old).count() == 6
    assert _figures(old) == before_old
    # The recent round is compared with the purged one: the changes stay too.
    assert _figures(recent) == before_recent
    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_PURGED)
    assert (
        event.detail["answers"] == Answer.objects.filter(response__round=recent).count()
    )
    assert event.detail["round"] == old.pk


def test_purge_runs_from_beat_and_twice_does_nothing_more(rounds):
    old, _recent = rounds
    first = tasks.survey_answers_purge.delay().get()
    second = tasks.survey_answers_purge.delay().get()

    assert first["rounds"] == 1 and first["answers"] > 0
    assert second == {"rounds": 0, "answers": 0}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DATA_PURGED).count() == 1
