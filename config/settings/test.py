"""Test settings: the same as base, with fast hashing and an in-memory mailbox."""

import os
from urllib.parse import urlsplit

from .base import *  # noqa: F403

DEBUG = False
# Argon2 is deliberately slow; tests check the production order in base.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SURVEY_SMS_BACKEND = "surveys.sms.LocmemBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Two pytest-xdist workers share one Redis: keep their caches and queues apart.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHES["default"]["KEY_PREFIX"] = f"test-{_worker}"  # noqa: F405
if REDIS_URL:  # noqa: F405
    # tests/conftest.py clears the cache around every test, and a Redis cache
    # clears with FLUSHDB: on the broker's database (or a shared one) that wiped
    # the other worker's rate-limit counts and queued task messages mid-test.
    # Each worker's cache gets a database of its own (8, 9, ...).
    _index = int(_worker[2:]) if _worker.startswith("gw") else 0
    _cache_url = urlsplit(REDIS_URL)._replace(path=f"/{8 + _index}")  # noqa: F405
    CACHES["default"]["LOCATION"] = _cache_url.geturl()  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"test-{_worker}"
# Tests run tasks in-process unless they start a real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
PRIVATE_STORAGE_ROOT = str(BASE_DIR / "private" / f"test-{_worker}")  # noqa: F405
MEDIA_ROOT = str(BASE_DIR / "media" / f"test-{_worker}")  # noqa: F405
# Tests serve static files from the finders; there is no collected STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
