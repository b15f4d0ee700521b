"""Settings shared by every environment.

With no environment variables at all the site runs on SQLite with Celery tasks
executed eagerly in-process (the embedded default). ``DATABASE_URL`` switches to
PostgreSQL and ``REDIS_URL`` to a real Celery broker and cache.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="insecure-embedded-default-key-change-me-in-production-0123456789",
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "workforce",
    "workforce.recognition",
    "workforce.skills",
    "workforce.training",
    "surveys",
    "reports",
    "reports.actions",
    "wagtail.snippets",
    "wagtail.users",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.sites",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (see CONTENT_SECURITY_POLICY).
    "workforce.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(), then: no page for an MFA role until it is true.
    "django_otp.middleware.OTPMiddleware",
    "workforce.mfa.middleware.MFARequiredMiddleware",
    "workforce.middleware.SiteHistoryForSuperusersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must be last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
# With persistent connections, a connection broken by a database restart is
# noticed and replaced at the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "workforce.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Argon2 first; the others only verify (and upgrade) legacy hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Owner and HR get the back office from their role, not from groups.
    "workforce.auth_backends.RolePermissionBackend",
]

# Lock out per username, never per IP: a whole clinic shares one address.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Keep no log of successful logins (IP, user agent) beyond what lockout needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# axes.W006 asks for IP-based lockout; a clinic's staff share one IP, so locking
# by IP would lock out a whole practice. Username lockout is the deliberate choice.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Second factor (workforce/mfa): owner, HR, site manager and team lead accounts
# must confirm a TOTP app. Wrong codes are throttled per device, doubling the
# wait after each one (1 s, 2 s, 4 s, … ten wrong codes: 8.5 minutes).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Practice Flywheel")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Uploaded evidence and import files are private: kept outside the web root.
PRIVATE_STORAGE_ROOT = env(
    "DJANGO_PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "private")
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            # RedisCache that logs and serves without the cache while Redis is
            # down, instead of failing the page (config/cache.py).
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    # Embedded default: no broker, tasks run in-process as they are queued.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = True
# A broker that is down fails a .delay() within a few seconds, not minutes; the
# caller logs it and the work is picked up again later (surveys.tasks.defer).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Rate limits (django-ratelimit) let requests through when the cache cannot
# count them: staff must be able to answer while Redis is down.
RATELIMIT_FAIL_OPEN = True
CELERY_TASK_ACKS_LATE = True
# With acks_late, Redis hands a dead worker's unacknowledged message to another
# worker after the visibility timeout (default one hour). Half an hour keeps a
# killed report or reminder run from waiting an hour, and stays above the longest
# countdown any task uses (the report's retry after its 10-minute lease), so a
# held message is never delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 30 * 60}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Launches due pulse rounds, sends invitations and reminders, closes rounds.
    # Every step is idempotent, so a late or doubled tick does no harm.
    "surveys-pulse-tick": {
        "task": "surveys.tasks.pulse_tick",
        "schedule": timedelta(hours=1),
    },
    # Raw survey answers past SURVEY_RAW_RETENTION_DAYS (surveys/retention.py).
    "surveys-answers-purge": {
        "task": "surveys.tasks.survey_answers_purge",
        "schedule": timedelta(days=1),
    },
    # Training expiry reminders (90/60/30 days before and on expiry); each is
    # claimed in a unique row before sending, so a doubled run sends nothing twice.
    "training-send-reminders": {
        "task": "training.send_reminders",
        "schedule": timedelta(days=1),
    },
    # Last month's flywheel health reports for every organization and site, on
    # the 2nd (after month-end imports). Each report is one row, made once; a
    # doubled tick queues nothing new.
    "reports-flywheel-monthly": {
        "task": "reports.flywheel_reports_monthly",
        "schedule": crontab(minute=0, hour=6, day_of_month=2),
    },
}

WAGTAIL_SITE_NAME = "Practice Flywheel"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["pdf", "csv", "xlsx"]

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="flywheel@localhost")
# Text messages: a class with send_messages([SmsMessage]) (see surveys/sms.py).
SURVEY_SMS_BACKEND = env("SURVEY_SMS_BACKEND", default="surveys.sms.ConsoleBackend")
# Country assumed for staff phone numbers written without a +country code.
SURVEY_SMS_DEFAULT_REGION = env("SURVEY_SMS_DEFAULT_REGION", default="US")
# How long a worker holds an invitation while handing its message to the provider.
# A worker killed mid-send leaves the message to the next run once this passes;
# it must be longer than one send can take.
SURVEY_DELIVERY_LEASE_SECONDS = env.int("SURVEY_DELIVERY_LEASE_SECONDS", default=900)
# Public address of the site, for links in invitations, texts and printed slips.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Security headers. Content-Security-Policy (django-csp 4): nothing but our own
# files; no plugins, no <base> rewriting, no framing. No template has inline
# scripts or event handlers, so script-src has no 'unsafe-inline'.
# Relaxations, each for a reason:
# - style-src-attr 'unsafe-inline': the charts are matplotlib SVGs drawn inline,
#   coloured with style="fill: …" attributes (reports/charts.py); attribute
#   styles cannot load anything or run code.
# - style-src-elem: the one <style> element matplotlib writes into each SVG,
#   allowed by its hash (still no arbitrary <style>).
# - Wagtail's admin (/admin/) gets its own policy in workforce/security_headers.py.
_MATPLOTLIB_SVG_STYLE = "'sha256-2Iqu4MW0P4n79bqVmTDfLWhO8TS7MxwRJn7HVNDr7EQ='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'", _MATPLOTLIB_SVG_STYLE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features nobody here needs; the page cannot ask for them.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A personal survey link carries its code in the path (/s/t/<code>/): every
# logger that writes request paths masks it (surveys/logging.py). gunicorn's
# access and error logs are routed here too, to stderr, so they are masked alike.
_MASKED = {"filters": ["mask_survey_codes"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_survey_codes": {"()": "surveys.logging.MaskSurveyCodes"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_survey_codes"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {**_MASKED},
        # Keep development request lines quiet by default.
        "django.server": {
            "level": "WARNING",
            "handlers": ["console"],
            "propagate": False,
            **_MASKED,
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
            **_MASKED,
        },
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
            **_MASKED,
        },
        "axes": {"level": "WARNING"},
    },
}

# Staff survey pages (surveys/views.py). Layout "single" (all questions on one
# page) or "paged" (one question per screen); benchmarks/survey_layout.py measured
# both, see benchmarks/results/survey_layout.json.
SURVEY_LAYOUT = env("SURVEY_LAYOUT", default="single")
# The respondent's signed cookie (code and draft answers) lives this long.
SURVEY_COOKIE_AGE = 2 * 60 * 60

# Raw survey answers are deleted this many days after their round closed;
# released results are kept as stored aggregates (surveys/retention.py).
SURVEY_RAW_RETENTION_DAYS = env.int("SURVEY_RAW_RETENTION_DAYS", default=730)

# Anonymity floor: no organization may report groups smaller than this.
SURVEY_MIN_GROUP_SIZE_FLOOR = 3
SURVEY_DEFAULT_MIN_GROUP_SIZE = 5

# The admin never calls out: no Gravatar lookups (they would send a hash of each
# user's email to a third party) and no version check against wagtail.org.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
