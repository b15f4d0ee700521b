"""Test settings: the same as base, with fast hashing and an in-memory mailbox."""

import os

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
CELERY_TASK_DEFAULT_QUEUE = f"test-{_worker}"
# Tests run tasks in-process unless they start a real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
PRIVATE_STORAGE_ROOT = str(BASE_DIR / "private" / f"test-{_worker}")  # noqa: F405
MEDIA_ROOT = str(BASE_DIR / "media" / f"test-{_worker}")  # noqa: F405
# Tests serve static files from the finders; there is no collected STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
