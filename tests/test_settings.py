"""The embedded default and the switches that leave it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.conf import settings
from config.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "ping": app.send_task("config.ping").get(timeout=5)
        if not settings.CELERY_TASK_ALWAYS_EAGER else
        __import__("config.celery", fromlist=["ping"]).ping.delay().get(),
}))
"""


def _probe(env):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_runs_with_no_environment_variables():
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    probe = _probe(env)
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["eager"] is True
    assert probe["broker"] == "memory://"
    assert probe["cache"].endswith("LocMemCache")
    assert probe["ping"] == "pong"


def test_database_and_redis_urls_switch_backends():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        "print(json.dumps([settings.DATABASES['default']['ENGINE'],"
        " settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL,"
        " settings.CACHES['default']['BACKEND']]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    engine, eager, broker, cache = json.loads(out.strip().splitlines()[-1])
    assert engine == "django.db.backends.postgresql"
    assert eager is False
    assert broker == "redis://127.0.0.1:6379/9"
    assert cache.endswith("RedisCache")


def test_argon2_is_the_first_password_hasher():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_lockout_is_per_username_not_ip():
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
