# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6.1 needs Python 3.12+; these machines carry 3.13 through pyenv.
PYTHON ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13.*/bin/python3.13) $(shell command -v python3.13))
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help run test test-multiserver screenshots install install-test key lint check audit messages lock

help:
	@echo "make run   – installiert alles, lädt die Demo-Inhalte und startet http://127.0.0.1:8000/"
	@echo "make test  – führt alle Tests aus (DATABASE_URL wählt die Datenbank)"

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found; set PYTHON=/path/to/python3.13"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"

# Exactly the locked set, every file checked against its hash; --no-deps because the
# lock already names every dependency, and `pip check` proves that it does.
install: $(PY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/runtime.txt
	$(PY) -m pip check

# axe-core and the Nu HTML Checker come from npm at the versions in package-lock.json;
# --ignore-scripts, because vnu-jar's postinstall would download a Java of its own.
install-test: $(PY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/test.txt
	$(PY) -m pip check
	test -d node_modules/axe-core -a -d node_modules/vnu-jar || npm ci --ignore-scripts --no-audit --no-fund

# The lock files from pyproject.toml's dependency groups (scripts/lock_dependencies.py);
# UPGRADE=1 also moves every transitive package to its newest release. pip-tools comes
# from the test lock, or from the lint group while there is none yet.
lock: $(PY)
	if [ -f requirements/test.txt ]; then \
	  $(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/test.txt; \
	else $(PY) -m pip install --quiet --group lint; fi
	$(PY) scripts/lock_dependencies.py $(if $(UPGRADE),--upgrade)

# A random development key in an untracked file; production sets SECRET_KEY.
key: .secret_key
.secret_key:
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: install key
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py loaddemo
	@# The background worker beside the development server; Ctrl+C ends both.
	DEBUG=1 $(PY) manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	  DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# Two processes: the two cores of these machines, and CI's time (about 5 min per database serial).
PYTEST_ARGS ?= -n 2

test: install-test key
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -m "not multiserver" $(PYTEST_ARGS)

# Two gunicorns behind nginx, PostgreSQL, Redis, an S3 server and a worker, as processes on
# loopback (tests/test_multiserver.py); needs nginx (apt-get install nginx-light) and PostgreSQL.
test-multiserver: install-test key
	$(PY) -m pytest -m multiserver -p no:xdist tests/test_multiserver.py

# The README's pictures of the press desk (docs/pressestelle/), taken by the browser tests at
# the moments they show (tests/kit/browsers.py, screenshot()); on SQLite, in one process.
# Chromium draws its date fields in German only with Debian's chromium-l10n.
SCREENSHOT_TESTS := tests/test_release_form_browser.py tests/test_draft_desk_browser.py \
	tests/test_workflow_browser.py

screenshots: install-test key
	@test -f /usr/lib/chromium/locales/de.pak \
	  || { echo "apt-get install -y chromium-l10n (German date fields in Chromium)"; exit 1; }
	rm -f docs/pressestelle/*.png
	DATABASE_URL= SCREENSHOTS=1 $(PY) -m pytest -m browser -p no:xdist -q $(SCREENSHOT_TESTS)

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The German catalogue (locale/) from every text in the code and templates (README, "Texts and translation").
messages: install-test
	$(PY) scripts/messages.py

# Known vulnerabilities in the runtime lock, i.e. what production installs
# (scripts/audit_dependencies.py says why this is not pip-audit and what fails);
# fails when PyPI cannot be asked.
audit: install-test
	$(PY) scripts/audit_dependencies.py
