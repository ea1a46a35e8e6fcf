# Two commands: `make run` (set up everything and serve on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run install test lint check migrate seed serve clean messages bench

run: install migrate seed serve

install: $(VENV)/.installed node_modules/.installed locale/en/LC_MESSAGES/django.mo

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po $(VENV)/.installed
	$(PY) scripts/compile_messages.py

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	$(PY) manage.py seed_content
	$(PY) manage.py seed_demo_users
	$(PY) manage.py generate_completions --count 20000 --seed 1 --if-empty --quiet

serve:
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	PORT=$(PORT) $(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

test: lint check
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest

# Benchmarks (docs/performance.md): PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on
# 127.0.0.1:6379 as on the project's machines; installs Debian's wrk if it is missing.
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/5
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/lesson_page.py
	REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/lesson_page.py --workers 2
	REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/quiz_submit.py --spread 2
	REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/quiz_submit.py
	$(PY) bench/certificates.py
	REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/h5p_xapi.py
	REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/classroom.py

# Regenerate the catalogues after changing strings (needs GNU gettext's xgettext).
messages: install
	$(PY) manage.py makemessages -l en -l ja --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 var
