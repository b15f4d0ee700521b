"""Production settings served over plain HTTP on 127.0.0.1, for benchmarks only.

Everything is ``config.settings.production`` except what cannot work without
TLS on the loopback address (the HTTPS redirect, secure-only cookies, HSTS),
where static files are collected (a scratch folder, so a benchmark never
touches the working tree's ``staticfiles/``), and the URLconf, which adds one
minimal view as the baseline the survey pages are compared with.
"""

import tempfile
from pathlib import Path

from config.settings.production import *  # noqa: F403
from config.settings.production import env

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False

STATIC_ROOT = env(
    "BENCH_STATIC_ROOT",
    default=str(Path(tempfile.gettempdir()) / "flywheel-bench-static"),
)
ROOT_URLCONF = "benchmarks.bench_urls"
