# Practice Flywheel: one image for the web process, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's system libraries and a font for the PDF reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 flywheel
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are built into the image and served by WhiteNoise. The secret
# and host here exist only for this build step; the real ones come at run time.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY=build-time-only-dummy-secret-not-used-at-run-time-0123456789 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p media private \
    && chown flywheel:flywheel media private

USER flywheel
ENV DJANGO_SETTINGS_MODULE=config.settings.production
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
