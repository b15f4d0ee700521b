"""Redis down: staff still answer surveys; broker work is caught up when it returns.

A redis-server of the test's own is the cache and the Celery broker, then it is
killed. The respondent pages (whose rate limits live in the cache) must work and
store the answers; launching a round must stand, its invitations left to the
pulse tick; both failures are logged. When Redis is back, the broker takes work
again and the tick sends the invitations.
"""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from config.celery import app
from surveys import tasks
from surveys.models import Response, RoundStatus
from tests.factories import RoundFactory, SurveyQuestionFactory
from tests.faults import throwaway_redis  # noqa: F401 (fixture)
from tests.surveys.delivery import code_of, launched_round
from workforce.models import Role


def _reset_broker_pools():
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_everywhere(settings, throwaway_redis):  # noqa: F811
    """The throwaway Redis as the cache and the broker; queued tasks not run."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": throwaway_redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    original = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = throwaway_redis.url
    app.conf.task_always_eager = False
    _reset_broker_pools()
    try:
        yield throwaway_redis
    finally:
        app.conf.broker_url, app.conf.task_always_eager = original
        _reset_broker_pools()


def _queued(server, queue: str) -> int:
    import redis

    client = redis.Redis.from_url(server.url, socket_timeout=5)
    try:
        return client.llen(queue)
    finally:
        client.close()


@pytest.mark.fault
@pytest.mark.redis
def test_staff_answer_while_redis_is_down(redis_everywhere, org_world, client, caplog):
    round_ = launched_round(org_world)
    code = code_of(round_.invitations.first())
    question = round_.survey.survey_questions.get().question
    redis_everywhere.kill()

    with caplog.at_level(logging.WARNING):
        opened = client.get(f"/s/t/{code}/")
        page = client.get("/s/answer/")
        done = client.post(
            "/s/answer/",
            {f"q{question.pk}": "4", "action": "submit"},
            HTTP_SEC_FETCH_SITE="same-origin",
        )

    assert opened.status_code == 303
    assert page.status_code == 200
    assert done.status_code == 303, done.content.decode()[:500]
    assert done["Location"] == "/s/thanks/"
    assert Response.objects.filter(round=round_).count() == 1
    assert any("cache unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.fault
@pytest.mark.redis
def test_launch_with_the_broker_down_is_caught_up_by_the_tick(
    redis_everywhere, org_world, client, caplog, django_capture_on_commit_callbacks
):
    draft = RoundFactory(survey__organization=org_world["org"], name="November")
    SurveyQuestionFactory(survey=draft.survey)
    client.force_login(org_world["users"][Role.HR])
    redis_everywhere.kill()

    with (
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("surveys_round:manage", args=[draft.pk]), {"action": "launch"}
        )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RoundStatus.OPEN
    assert not draft.invitations.filter(sent_at__isnull=False).exists()
    assert mail.outbox == []
    assert any(
        "broker unavailable" in r.getMessage()
        and "round_send_invitations" in r.getMessage()
        for r in caplog.records
    )

    # Redis is back: the broker takes work again, and the hourly tick catches up.
    redis_everywhere.start()
    _reset_broker_pools()
    queue = app.conf.task_default_queue
    assert tasks.defer(tasks.round_send_invitations, draft.pk) is True
    assert _queued(redis_everywhere, queue) == 1
    app.conf.task_always_eager = True  # run the tick here, as a worker would
    counts = tasks.pulse_tick.delay().get()

    assert counts["open"] == 1
    assert (
        not draft.invitations.exclude(channel="printed")
        .filter(sent_at__isnull=True)
        .exists()
    )
    assert len(mail.outbox) == draft.invitations.filter(channel="email").count()
