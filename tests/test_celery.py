"""Celery against the real Redis broker: a task leaves the process and comes back."""

import os

from celery.result import AsyncResult, EagerResult

from config.celery import app, ping


def test_ping_round_trips_through_the_broker(celery_live_worker):
    result = ping.delay()

    assert result.get(timeout=20) == "pong"
    # Read back from the result backend under a fresh handle, as another
    # process would.
    assert AsyncResult(result.id, app=app).state == "SUCCESS"


def test_tasks_are_not_run_eagerly_during_the_round_trip(celery_live_worker):
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")
    # Each xdist worker has its own queue, so two runs never take each other's tasks.
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert app.conf.task_default_queue == f"test-{xdist_worker}"

    result = app.send_task("config.ping")

    assert not isinstance(result, EagerResult)
    assert result.get(timeout=20) == "pong"
