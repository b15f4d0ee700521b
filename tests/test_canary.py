"""Canary: a respondent's address, browser and code end up nowhere we keep.

A survey is answered through the real views by a respondent with a distinctive
IP address (REMOTE_ADDR and X-Forwarded-For), user agent and code, who also
mistypes a code once. HR then sends reminders, so work is queued. Afterwards
none of the three canaries may appear in the whole database dump (pg_dump on
PostgreSQL, iterdump on SQLite), in anything any logger wrote (every logger, at
DEBUG, through the same code-masking filter every configured handler has), or
in the messages queued for the broker.
"""

import io
import logging
import subprocess

import pytest
from celery.signals import before_task_publish
from django.db import connection
from django.urls import reverse

from config.celery import app
from surveys import tokens
from surveys.logging import MaskSurveyCodes
from surveys.models import Response
from tests.faults import PG_BIN, current_test_database_url
from tests.surveys.delivery import code_of, launched_round
from workforce.models import Role

CANARY_IP = "203.0.113.147"
CANARY_UA = "Mozilla/5.0 (CanaryOS 9.9) canary-agent-7f3e2a"


def _database_dump() -> str:
    if connection.vendor == "postgresql":
        return subprocess.run(
            [str(PG_BIN / "pg_dump"), "--dbname", current_test_database_url()],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    return "\n".join(connection.connection.iterdump())


class _Everything:
    """Every logger at DEBUG into one buffer, through the masking filter."""

    def __init__(self):
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(
            logging.Formatter("%(levelname)s %(name)s %(message)s %(args)s")
        )
        self.handler.addFilter(MaskSurveyCodes())
        self.loggers = [logging.getLogger()] + [
            logging.getLogger(name)
            for name, logger in logging.Logger.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
        ]
        self.levels = {}

    def __enter__(self):
        for logger in self.loggers:
            self.levels[logger] = logger.level
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        for logger in self.loggers:
            logger.removeHandler(self.handler)
            logger.setLevel(self.levels[logger])

    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def published():
    """Serialized messages handed to the broker, and the queue's raw contents."""
    messages = []

    def capture(sender=None, body=None, headers=None, properties=None, **kwargs):
        messages.append(repr((sender, body, headers, properties)))

    before_task_publish.connect(capture, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield messages
    finally:
        app.conf.task_always_eager = eager
        before_task_publish.disconnect(capture)


def _queued_raw() -> list[str]:
    """What sits in the Redis queue (PostgreSQL + Redis run); then drop it."""
    if not app.conf.broker_url.startswith("redis://"):
        return []
    import redis

    queue = app.conf.task_default_queue
    client = redis.Redis.from_url(app.conf.broker_url, socket_timeout=5)
    try:
        raw = [item.decode(errors="replace") for item in client.lrange(queue, 0, -1)]
        client.delete(queue)
    finally:
        client.close()
    return raw


def _leaks(text: str, canaries: dict) -> list[str]:
    lowered = text.lower()
    return [name for name, value in canaries.items() if value.lower() in lowered]


def test_canaries_appear_in_no_dump_log_or_broker_message(
    transactional_db, org_world, client, published, django_capture_on_commit_callbacks
):
    round_ = launched_round(org_world)
    invitation = round_.invitations.filter(channel="email").first()
    code = code_of(invitation)
    canaries = {
        "ip": CANARY_IP,
        "user agent": "canary-agent-7f3e2a",
        "code": code,
        "grouped code": tokens.format_code(code),
    }
    question = round_.survey.survey_questions.get().question
    headers = {
        "REMOTE_ADDR": CANARY_IP,
        "HTTP_X_FORWARDED_FOR": CANARY_IP,
        "HTTP_USER_AGENT": CANARY_UA,
    }

    with _Everything() as logs:
        wrong = client.get("/s/t/ZZZZZZZZZZ/", **headers)
        opened = client.get(f"/s/t/{code}/", **headers)
        client.get("/s/answer/", **headers)
        done = client.post(
            "/s/answer/",
            {f"q{question.pk}": "4", "action": "submit"},
            HTTP_SEC_FETCH_SITE="same-origin",
            **headers,
        )
        client.get("/s/thanks/", **headers)
        # Work for the broker: HR sends reminders to the round.
        client.force_login(org_world["users"][Role.HR])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("surveys_round:manage", args=[round_.pk]),
                {"action": "remind"},
                **headers,
            )

    assert wrong.status_code == 404
    assert opened.status_code == 303
    assert done.status_code == 303
    assert Response.objects.filter(round=round_).count() == 1
    assert published, "nothing was queued: the broker check would prove nothing"
    assert "/s/t/" in logs.text(), "the logs were not captured"

    dump = _database_dump()
    # The dump holds the submission (its participation digest), not the canaries.
    assert tokens.participation_digest(code) in dump
    assert _leaks(dump, canaries) == []
    assert _leaks(logs.text(), canaries) == []
    assert _leaks("\n".join(published + _queued_raw()), canaries) == []
