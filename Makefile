# Practice Flywheel. Quick start: `make demo` (run the site) and `make test` (run the suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
PYTEST_WORKERS ?= 2

# WeasyPrint's libraries; poppler for PDF checks; Chromium for browser tests.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_DEBS := $(RUNTIME_DEBS) poppler-utils chromium chromium-driver

.PHONY: demo test install lint checks test-sqlite test-postgres bench lock clean

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Installs missing Debian packages when running as root; otherwise prints the command.
define ensure_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing system packages. Run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

demo: install
	$(call ensure_debs,$(RUNTIME_DEBS))
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates

checks: install
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production \
	  DJANGO_SECRET_KEY=ci-dummy-secret-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  DJANGO_ALLOWED_HOSTS=flywheel.example.com \
	  $(MANAGE) check --deploy --fail-level WARNING

test-sqlite: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# tests/reports/analysis touch no database (a test there enforces it), so the
# second run skips them: the same statistics twice would only cost minutes.
test-postgres: install
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== PostgreSQL run ($(PG_URL), Redis $(REDIS_TEST_URL)) =="; \
	  DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) \
	    --ignore=tests/reports/analysis $(PYTEST_ARGS); \
	else \
	  echo "PostgreSQL is not reachable at $(PG_URL): the PostgreSQL run is skipped."; \
	  if [ -n "$$CI" ]; then exit 1; fi; \
	fi

test: install
	$(call ensure_debs,$(TEST_DEBS))
	$(MAKE) --no-print-directory lint checks test-sqlite test-postgres

# Every benchmark (benchmarks/run.py): figures with same-run baselines in
# benchmarks/results/latest.{json,md}. BENCH_ARGS="--quick" for a smoke test,
# BENCH_ARGS="--only survey_rush" for one. Starts PostgreSQL and Redis as .ci/run does.
bench: install
	$(call ensure_debs,$(TEST_DEBS))
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql)" main start || true; \
	fi
	@if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then \
	  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
	    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/bench.log || true; \
	fi
	@for i in $$(seq 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
	@$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=5).close()" \
	  || { echo "PostgreSQL is not reachable at $(PG_URL)."; exit 1; }
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 \
	  || { echo "Redis is not reachable at 127.0.0.1:6379."; exit 1; }
	DATABASE_URL=$(PG_URL) $(BIN)/python benchmarks/run.py $(BENCH_ARGS)

lock:
	$(BIN)/python -m pip freeze | grep -v '^-e' > requirements.txt

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
