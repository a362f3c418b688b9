# `make run` and `make test` set up whatever is missing, then serve or test.
# Every step is idempotent: on a ready machine `make setup` takes seconds.

SHELL := /bin/bash
.DEFAULT_GOAL := run
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= 3
APT_PACKAGES := postgresql-15 postgresql-15-postgis-3 gdal-bin gettext
# For the tests only: Chromium for the browser tests (Playwright drives it: no browser download), nginx and openssl
# (its certificate) for tests/test_nginx.py, systemd for `systemd-analyze verify` of docs/production.md's units,
# LibreOffice Calc (headless) for tests/test_export_spreadsheets.py, which opens the CSVs as a spreadsheet would.
TEST_APT_PACKAGES := chromium fonts-dejavu-core libreoffice-calc-nogui nginx openssl systemd
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: setup run test lint apt postgres database test-packages backup restore lock

setup: apt postgres $(VENV)/.installed node_modules/.installed $(MO_FILES) database

# As a city runs it (DEBUG off, hashed static files, gunicorn), over plain HTTP: put nginx in front for TLS
# (docs/production.md). DEBUG=true make run for a development server's error pages. The secret key is made
# once per machine, readable by its owner only, unless SECRET_KEY is set.
# gunicorn and the background-job worker, supervised by config/serve.sh: a worker that dies is started again,
# and gunicorn goes on serving meanwhile.
run: setup var/secret-key
	@export DEBUG=$${DEBUG:-false} SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret-key)} && \
	$(PY) manage.py collectstatic --noinput -v0 && \
	PY=$(PY) bash config/serve.sh 0.0.0.0:$(PORT) $(WORKERS)

var/secret-key:
	@mkdir -p var && (umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@)

# The suite on every core (pytest-xdist): a worker per core, each with its own copy of the test database
# (tests/testdb.py); each test file stays on one worker, so a file's servers start once. TEST_WORKERS=0 runs it in
# this one process.
# Python's compiled modules and pytest's rewritten tests are kept between runs in the virtualenv (which outlives
# CI's copies of the repository), also where the environment says not to write them (PYTHONDONTWRITEBYTECODE):
# otherwise every worker compiles our modules and rewrites every test's asserts again, 6-7 s of each one's start.
TEST_WORKERS ?= $(shell nproc)
test: setup $(VENV)/.dev-installed test-packages lint
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache \
		$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

# The Debian packages of the list $(1) that are not installed: shell code for a recipe.
missing_packages = $$(for p in $(1); do \
	dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done)

# tests/test_nginx.py starts an nginx of its own: the package's service, which systemd starts on port 80 with
# Debian's default site, is stopped and disabled again when this installs it.
test-packages:
	@missing=$(call missing_packages,$(TEST_APT_PACKAGES)); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages for the tests:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		if echo "$$missing" | grep -qx nginx && [ -d /run/systemd/system ]; then systemctl disable --now nginx; fi; \
	fi

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .

# Debian packages: PostgreSQL with PostGIS, GDAL (GeoDjango), gettext (translations),
# Python's venv module and npm where the machine lacks them.
apt:
	@missing=$(call missing_packages,$(APT_PACKAGES)); \
	$(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$$missing python3 python3-venv"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

postgres:
	@bash config/setup-postgres.sh

# What a server needs (requirements.txt); the tests' and tools' pins (requirements-dev.txt) only for `make test`.
# Installed from their locks, every file checked against its hash (`make lock` writes them from the two lists).
$(VENV)/.installed: requirements.lock
	@[ -x $(VENV)/bin/pip ] || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

# After a change to requirements.txt or requirements-dev.txt: the same pins with the hashes of their files, by
# pip-tools in a virtualenv of its own (tests/test_requirements.py checks the locks hold exactly the listed pins).
PIP_TOOLS := pip-tools==7.7.0
PIP_COMPILE := var/pip-tools/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
lock:
	@[ -x var/pip-tools/bin/pip-compile ] || { $(PYTHON) -m venv var/pip-tools && \
		var/pip-tools/bin/pip install --quiet --disable-pip-version-check $(PIP_TOOLS); }
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements.txt requirements-dev.txt

# Browser libraries (exifr, @mapbox/vector-tile, pbf, MapLibre GL JS) from the npm registry,
# exactly as locked.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

database: $(VENV)/.installed
	@$(PY) -m config.ensure_database
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py setup_city

# Backups (docs/operations.md): a folder under BACKUP_DIR; `make restore BACKUP=that/folder` on an empty database
# (restore does not depend on `database`: migrate and setup_city would fill the database it must find empty).
backup: $(VENV)/.installed
	$(PY) manage.py backup

restore: apt postgres $(VENV)/.installed
	@[ -n "$(BACKUP)" ] || { echo "Usage: make restore BACKUP=var/backups/<timestamp>" >&2; exit 2; }
	$(PY) manage.py restore "$(BACKUP)"
