# Tawasul: `make run` sets up everything and serves the app; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
HOST ?= 127.0.0.1
export DJANGO_SETTINGS_MODULE := tawasul.settings

.PHONY: run test test-fast install install-dev assets system-deps messages static migrate demo lint bench clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements/base.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt requirements/base.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements/dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed assets system-deps
install-dev: $(VENV)/.installed-dev assets system-deps

# Front-end assets come from the npm registry at install time (package-lock.json pins them).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
assets: node_modules/.installed

# Debian packages the app or the tests use, installed when missing and we are root.
system-deps:
	@bash scripts/system-deps.sh

messages: $(VENV)/bin/activate
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

var:
	mkdir -p var

run: install messages var
	@bash scripts/run.sh

test: install-dev messages
	@bash scripts/test.sh

# The inner loop: no browser, no fuzzing, no `slow` marker (docs/development/testing.md).
test-fast: install-dev messages
	@bash scripts/test-fast.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	TAWASUL_TESTING=1 $(VENV)/bin/mypy

demo: install var
	TAWASUL_DEMO=1 DEBUG=1 $(PY) manage.py migrate --noinput
	TAWASUL_DEMO=1 DEBUG=1 $(PY) manage.py demo

bench: install-dev
	@bash bench/run.sh

clean:
	rm -rf $(VENV) node_modules staticfiles var
