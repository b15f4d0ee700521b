"""Settings for processes that fault tests start (workers, web servers).

The test settings, with the database and broker from the environment (the test
process passes its own test database), tasks really queued, and mail and texts
written to the file outbox of ``tests.faults`` so the test can count them.
"""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("FAULT_QUEUE", "fault")
EMAIL_BACKEND = "tests.faults.FileEmailBackend"
SURVEY_SMS_BACKEND = "tests.faults.FileSmsBackend"
